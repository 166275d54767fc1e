//! Every way a transform can fail, each worded so the person who uploaded the object can fix it:
//! what is wrong and where (line, byte offset, row, column).

use crate::schema::ColumnType;

/// Why a transform failed. Nothing is written to the output when the input is empty; for other
/// errors the output may hold a partial file and must be discarded.
#[derive(Debug, thiserror::Error)]
pub enum TransformError {
    /// The input has no header row, or a header but no data rows, or no JSON records.
    #[error("input is empty: {what}")]
    Empty {
        /// What was missing: "no header row", "no data rows", "no JSON records".
        what: &'static str,
    },

    /// The format name given in the configuration is not one this crate reads.
    #[error("unknown input format {name:?}: expected one of csv, json, jsonl, json-array")]
    UnknownFormat {
        /// The name as given.
        name: String,
    },

    /// A column type name given in the configuration is not one this crate writes.
    #[error("unknown column type {name:?}: expected one of string, int, bigint, double, boolean, date, timestamp")]
    UnknownColumnType {
        /// The name as given.
        name: String,
    },

    /// The input is not UTF-8 text.
    #[error("input is not valid UTF-8: invalid byte sequence at byte offset {offset} (line {line})")]
    NotUtf8 {
        /// Offset of the first invalid byte from the start of the input (a BOM included).
        offset: u64,
        /// 1-based line of that byte.
        line: u64,
    },

    /// A CSV row has a different number of fields than the header.
    #[error("malformed CSV row {row} at line {line}: expected {expected} fields, got {found}")]
    CsvFieldCount {
        /// 1-based data row (the header is row 0).
        row: u64,
        /// 1-based line where the row starts.
        line: u64,
        /// Fields in the header.
        expected: usize,
        /// Fields in this row.
        found: usize,
    },

    /// CSV text that cannot be split into fields (a bad quote).
    #[error("malformed CSV at line {line}, byte offset {offset}: {what}")]
    MalformedCsv {
        /// 1-based line of the problem.
        line: u64,
        /// Offset of the problem from the start of the input.
        offset: u64,
        /// What is wrong.
        what: &'static str,
    },

    /// JSON text that is not a valid record.
    #[error("invalid JSON at line {line}, byte offset {offset}: {what}")]
    InvalidJson {
        /// 1-based line of the problem.
        line: u64,
        /// Offset of the problem from the start of the input.
        offset: u64,
        /// What is wrong.
        what: &'static str,
    },

    /// A value that cannot be stored in its column's type.
    #[error("row {row} (line {line}), column {column:?}: value {value:?} is not a valid {expected}")]
    TypeMismatch {
        /// 1-based data row.
        row: u64,
        /// 1-based line where the row starts.
        line: u64,
        /// The column's name.
        column: String,
        /// The value as text (shortened to 80 characters).
        value: String,
        /// The column's type.
        expected: ColumnType,
    },

    /// The configured schema cannot be used (empty, duplicate names, a column the CSV lacks).
    #[error("invalid schema: {0}")]
    InvalidSchema(String),

    /// One record is larger than the transform will hold in memory.
    #[error("record at line {line} is larger than the {limit}-byte limit for one record")]
    RecordTooLarge {
        /// 1-based line where the record starts.
        line: u64,
        /// The limit, in bytes.
        limit: usize,
    },

    /// The JSON records have more distinct keys than the transform will make columns.
    #[error("more than {limit} distinct keys in the JSON records")]
    TooManyColumns {
        /// The limit.
        limit: usize,
    },

    /// Reading the input failed.
    #[error("reading input: {0}")]
    Io(#[from] std::io::Error),

    /// Encoding or writing the Parquet output failed.
    #[error("writing Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
}
