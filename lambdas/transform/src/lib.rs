//! Stage A's light transform: CSV and JSON to Parquet, streamed.
