//! The Glue table of a dataset's analytics output, in the shape of Glue's `TableInput` and
//! `PartitionInput` (the JSON the stage B state machine passes to `glue:createTable`,
//! `glue:updateTable` and `glue:batchCreatePartition`).
//!
//! In the `local` environment the emulator's crawler infers nothing, so the DataFusion stage
//! describes what it wrote itself: the function builds these from the Parquet schema, and the
//! state machine registers them.

use serde::{Deserialize, Serialize};

/// Glue's partition-registration call takes at most this many partitions.
pub const PARTITIONS_PER_CALL: usize = 100;

const PARQUET_INPUT_FORMAT: &str = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
const PARQUET_OUTPUT_FORMAT: &str = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";
const PARQUET_SERDE: &str = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";

/// A column: its name and Hive type (`bigint`, `string`, `decimal(10,2)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GlueColumn {
    pub name: String,
    #[serde(rename = "Type")]
    pub data_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SerDeInfo {
    pub serialization_library: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StorageDescriptor {
    pub columns: Vec<GlueColumn>,
    /// `s3://{bucket}/{prefix}/`.
    pub location: String,
    pub input_format: String,
    pub output_format: String,
    pub serde_info: SerDeInfo,
}

impl StorageDescriptor {
    /// Parquet files under `location`.
    pub fn parquet(columns: Vec<GlueColumn>, location: String) -> StorageDescriptor {
        StorageDescriptor {
            columns,
            location,
            input_format: PARQUET_INPUT_FORMAT.into(),
            output_format: PARQUET_OUTPUT_FORMAT.into(),
            serde_info: SerDeInfo { serialization_library: PARQUET_SERDE.into() },
        }
    }
}

/// Glue's `TableInput`: an external Parquet table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableInput {
    pub name: String,
    pub table_type: String,
    pub parameters: std::collections::BTreeMap<String, String>,
    /// The Hive partition columns, outside `storage_descriptor.columns`.
    pub partition_keys: Vec<GlueColumn>,
    pub storage_descriptor: StorageDescriptor,
}

impl TableInput {
    /// The table `name` over the Parquet files under `location`, partitioned by
    /// `partition_keys` (which `columns` does not hold).
    pub fn parquet(
        name: &str,
        columns: Vec<GlueColumn>,
        partition_keys: Vec<GlueColumn>,
        location: String,
    ) -> TableInput {
        TableInput {
            name: name.to_owned(),
            table_type: "EXTERNAL_TABLE".into(),
            // What Glue's crawler records for Parquet; Athena reads it.
            parameters: [("classification".to_owned(), "parquet".to_owned())].into(),
            partition_keys,
            storage_descriptor: StorageDescriptor::parquet(columns, location),
        }
    }

    /// The partition `values` (in `partition_keys` order) at `location`.
    pub fn partition(&self, values: Vec<String>, location: String) -> PartitionInput {
        PartitionInput {
            values,
            storage_descriptor: StorageDescriptor::parquet(self.storage_descriptor.columns.clone(), location),
        }
    }
}

/// Glue's `PartitionInput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PartitionInput {
    pub values: Vec<String>,
    pub storage_descriptor: StorageDescriptor,
}

/// What names a pending table as one (see [`pending_table_name`]).
pub const PENDING_TABLE_INFIX: &str = "_pending_";

/// The temporary table Glue Data Quality evaluates a Glue batch's pending output as:
/// `{table}_pending_{execution}`, the execution id in lower-case letters, digits and `_` (all
/// a Glue or Athena table name may hold). One per execution, so two batches of a dataset
/// evaluated at once do not share it, and a redriven one finds its own again.
pub fn pending_table_name(table: &str, execution: &str) -> String {
    let execution: String =
        execution.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    format!("{table}{PENDING_TABLE_INFIX}{execution}")
}

/// `partitions` in calls of at most [`PARTITIONS_PER_CALL`].
pub fn partition_calls(partitions: Vec<PartitionInput>) -> Vec<Vec<PartitionInput>> {
    let mut calls = Vec::new();
    let mut rest = partitions.into_iter().peekable();
    while rest.peek().is_some() {
        calls.push(rest.by_ref().take(PARTITIONS_PER_CALL).collect());
    }
    calls
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, data_type: &str) -> GlueColumn {
        GlueColumn { name: name.into(), data_type: data_type.into() }
    }

    #[test]
    fn a_table_serializes_as_glue_names_it() {
        let table = TableInput::parquet(
            "legislators",
            vec![column("id", "bigint")],
            vec![column("gender", "string")],
            "s3://analytics/engineering/legislators/".into(),
        );
        let json = serde_json::to_value(&table).unwrap();
        assert_eq!(json["TableType"], "EXTERNAL_TABLE");
        assert_eq!(json["PartitionKeys"][0], serde_json::json!({"Name": "gender", "Type": "string"}));
        assert_eq!(json["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"], PARQUET_SERDE);
        let partition = table.partition(vec!["f".into()], "s3://analytics/engineering/legislators/gender=f/".into());
        let json = serde_json::to_value(&partition).unwrap();
        assert_eq!(json["Values"], serde_json::json!(["f"]));
        assert_eq!(json["StorageDescriptor"]["Columns"][0]["Name"], "id");
    }

    #[test]
    fn pending_tables_are_named_by_execution_in_characters_a_table_name_may_hold() {
        let name = pending_table_name("legislators", "B7C1F3A2-0d4e-8f5a");
        assert_eq!(name, "legislators_pending_b7c1f3a2_0d4e_8f5a");
        assert_ne!(name, pending_table_name("legislators", "b7c1f3a2-0d4e-8f5b"));
    }

    #[test]
    fn partitions_are_registered_a_hundred_at_a_time() {
        let table = TableInput::parquet("t", vec![], vec![column("p", "string")], "s3://b/t/".into());
        let partitions = (0..250).map(|i| table.partition(vec![i.to_string()], format!("s3://b/t/p={i}/"))).collect();
        let calls = partition_calls(partitions);
        assert_eq!(calls.iter().map(Vec::len).collect::<Vec<_>>(), [100, 100, 50]);
        assert_eq!(calls[2][49].values, ["249"]);
        assert!(partition_calls(Vec::new()).is_empty());
    }
}
