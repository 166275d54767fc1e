//! The config rows: what a dataset's `Custom::DatasetConfig` resource (and a pipeline's
//! `Custom::PipelineConfig`) writes into its table, and what the functions read back.
//!
//! One struct per row, generic over the type `V` of the values only known at deploy time
//! (queue URLs, names of resources the stacks create): the stacks fill it with template
//! expressions and serialize it into the resource's properties, the functions deserialize it
//! with `V = String` from the row. Custom-resource properties reach the function as strings,
//! so numbers and booleans travel as their text ([`text`]).

use serde::{Deserialize, Serialize};

use crate::contract::layout::DatasetRef;
use crate::contract::text;
use crate::item::{Item, from_item};

/// The two kinds of config row, each a custom resource type backed by the `config` function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Dataset,
    Pipeline,
}

impl RowKind {
    pub const ALL: [RowKind; 2] = [RowKind::Dataset, RowKind::Pipeline];

    /// The resource type in templates.
    pub const fn resource_type(self) -> &'static str {
        match self {
            RowKind::Dataset => "Custom::DatasetConfig",
            RowKind::Pipeline => "Custom::PipelineConfig",
        }
    }

    /// The key attribute of the row's table (the foundations' tables use it as hash key).
    pub const fn key_attribute(self) -> &'static str {
        match self {
            RowKind::Dataset => crate::contract::layout::DATASET_CONFIG_TABLE.partition_key,
            RowKind::Pipeline => crate::contract::layout::PIPELINE_CONFIG_TABLE.partition_key,
        }
    }

    pub fn from_resource_type(resource_type: &str) -> Option<RowKind> {
        RowKind::ALL.into_iter().find(|k| k.resource_type() == resource_type)
    }
}

/// A config row as a custom resource's properties: the routing (`Table`, `Key`) and the row.
/// The `config` function stores every property but these two (and CloudFormation's own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConfigResource<R, V = String> {
    /// The table's name.
    pub table: V,
    /// The row's key: `{team}/{dataset}` or `{team}/{pipeline}`.
    pub key: String,
    #[serde(flatten)]
    pub row: R,
}

/// How the light transform reads a dataset's raw objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "Type")]
pub enum InputFormat {
    /// CSV with a header row (a headerless file cannot name its columns).
    #[serde(rename = "csv", rename_all = "PascalCase")]
    Csv {
        #[serde(with = "text::character", default = "text::comma")]
        delimiter: char,
        #[serde(with = "text::character", default = "text::double_quote")]
        quote: char,
        #[serde(with = "text::boolean", default = "text::yes")]
        header: bool,
    },
    /// One JSON object per line.
    #[serde(rename = "json-lines")]
    JsonLines,
    /// One JSON array of objects.
    #[serde(rename = "json-array")]
    JsonArray,
}

impl InputFormat {
    /// Comma-separated, double quotes, a header row.
    pub fn csv() -> InputFormat {
        InputFormat::Csv { delimiter: ',', quote: '"', header: true }
    }
}

/// What stage A writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetFormat {
    /// Parquet with Snappy compression.
    Parquet,
}

/// A column of a dataset's schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Column {
    pub name: String,
    #[serde(rename = "Type")]
    pub data_type: ColumnType,
}

/// The column types a dataset can declare (every column nullable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    String,
    Int64,
    Float64,
    Boolean,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A point in time; without an offset taken as UTC.
    Timestamp,
}

/// The engine of a dataset's heavy transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Engine {
    /// Apache Spark on AWS Glue: for data that outgrows one machine.
    #[default]
    #[serde(rename = "glue")]
    Glue,
    /// Apache DataFusion in a Lambda function: small batches, and the `local` environment.
    #[serde(rename = "datafusion")]
    DataFusion,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Glue => "glue",
            Engine::DataFusion => "datafusion",
        }
    }
}

/// What a batch whose output fails a data-quality rule becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnQualityFailure {
    /// Published all the same; the results say what failed and the team is told.
    #[default]
    Warn,
    /// Not published: its outputs go to the dataset's quarantine prefix, its catalog rows say
    /// which rule failed, and the team is told.
    Fail,
}

/// A dataset's row of the dataset-config table. Unknown attributes (the table's key
/// attribute, later additions) are ignored when reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DatasetConfig<V = String> {
    pub team: String,
    pub dataset: String,
    pub pipeline: String,
    /// The pipeline's stage A queue.
    pub stage_a_queue_url: V,
    /// This dataset's stage B queue.
    pub stage_b_queue_url: V,
    pub input_format: InputFormat,
    pub target_format: TargetFormat,
    /// Empty: the transform infers the schema.
    #[serde(default)]
    pub schema: Vec<Column>,
    /// Bounds of a stage B batch; see [`DatasetConfig::batch_bounds`].
    #[serde(with = "text::number")]
    pub min_items: u32,
    #[serde(with = "text::number")]
    pub max_items: u32,
    /// The dataset's heavy-transform Glue job.
    pub glue_job: V,
    pub glue_database: V,
    pub crawler: V,
    /// The table the crawler makes (`{table_prefix}{dataset}`); rows written before it was
    /// added lack it, and the dataset's name stands in.
    #[serde(default)]
    pub glue_table: String,
    /// `""` when the dataset has no quality rules (none declared, or `local`): stage B then
    /// skips data quality.
    #[serde(default)]
    pub quality_ruleset: String,
    /// The team's notification topic.
    pub topic: V,
    /// The heavy transform: a query over the batch (table `batch`); rows written before it
    /// existed have none.
    #[serde(default)]
    pub heavy_sql: String,
    /// Its output's partition columns, in order.
    #[serde(default)]
    pub partition_by: Vec<String>,
    #[serde(default)]
    pub engine: Engine,
    /// The data-quality rules, evaluated locally by the DataFusion engine (Glue evaluates the
    /// ruleset `quality_ruleset` names).
    #[serde(default, with = "text::json", skip_serializing_if = "Vec::is_empty")]
    pub quality_rules: Vec<crate::quality::Rule>,
    #[serde(default)]
    pub on_quality_failure: OnQualityFailure,
}

/// A pipeline's row of the pipeline-config table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PipelineConfig<V = String> {
    pub team: String,
    pub pipeline: String,
    pub stage_a_state_machine_arn: V,
    pub stage_b_state_machine_arn: V,
    pub stage_a_queue_url: V,
}

/// A dataset-config row the functions cannot use.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "the dataset-config row of `{dataset}` does not have the expected shape ({source}); it is written by the \
         `config` function from the dataset stack: redeploy that stack"
    )]
    Shape {
        dataset: String,
        #[source]
        source: serde_dynamo::Error,
    },
    #[error(
        "the dataset-config row of `{dataset}` has MinItems {min} and MaxItems {max}; it needs 1 <= MinItems <= \
         MaxItems"
    )]
    BadBounds { dataset: String, min: usize, max: usize },
}

/// Bounds of a stage B batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchBounds {
    pub min: usize,
    pub max: usize,
}

impl DatasetConfig {
    /// Reads a row fetched with `GetItem` (`dataset` is the key asked for, for messages).
    pub fn from_item(dataset: &str, item: &Item) -> Result<DatasetConfig, ConfigError> {
        from_item(item).map_err(|source| ConfigError::Shape { dataset: dataset.to_owned(), source })
    }

    pub fn dataset_ref(&self) -> DatasetRef {
        DatasetRef { team: self.team.clone(), dataset: self.dataset.clone() }
    }

    /// `{team}/{pipeline}`, the execution-history table's `pipeline`.
    pub fn pipeline_id(&self) -> String {
        format!("{}/{}", self.team, self.pipeline)
    }

    pub fn batch_bounds(&self) -> Result<BatchBounds, ConfigError> {
        let (min, max) = (self.min_items as usize, self.max_items as usize);
        if min == 0 || min > max {
            return Err(ConfigError::BadBounds { dataset: self.dataset_ref().id(), min, max });
        }
        Ok(BatchBounds { min, max })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::item::{AttrValue, AttrValueExt};
    use std::collections::HashMap;

    pub(crate) fn config() -> DatasetConfig {
        let text =
            std::fs::read_to_string(format!("{}/tests/fixtures/dataset_config.json", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn reads_the_row_as_dynamodb_returns_it() {
        let s = |v: &str| AttrValue::s(v);
        let m = |pairs: &[(&str, AttrValue)]| {
            AttrValue::M(pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect::<HashMap<_, _>>())
        };
        let item: Item = [
            ("Table", s("sdlf-dev-dataset-config")),
            ("Key", s("engineering/legislators")),
            ("Team", s("engineering")),
            ("Dataset", s("legislators")),
            ("Pipeline", s("main")),
            ("StageAQueueUrl", s("https://sqs.eu-west-1.amazonaws.com/111122223333/sdlf-engineering-main-queue-a")),
            (
                "StageBQueueUrl",
                s("https://sqs.eu-west-1.amazonaws.com/111122223333/sdlf-engineering-legislators-queue-b"),
            ),
            ("InputFormat", m(&[("Type", s("csv")), ("Delimiter", s(",")), ("Quote", s("\"")), ("Header", s("true"))])),
            ("TargetFormat", s("parquet")),
            (
                "Schema",
                AttrValue::L(vec![
                    m(&[("Name", s("id")), ("Type", s("int64"))]),
                    m(&[("Name", s("name")), ("Type", s("string"))]),
                ]),
            ),
            ("MinItems", s("1")),
            ("MaxItems", s("100")),
            ("GlueJob", s("sdlf-engineering-legislators-glue-job")),
            ("GlueDatabase", s("acme_dl_dev_engineering_legislators")),
            ("Crawler", s("sdlf-engineering-legislators-crawler")),
            ("GlueTable", s("legislators")),
            ("QualityRuleset", s("")),
            ("Topic", s("arn:aws:sns:eu-west-1:111122223333:sdlf-engineering-notifications")),
            ("HeavySql", s("SELECT id, name, day FROM batch")),
            ("PartitionBy", AttrValue::L(vec![s("day")])),
            ("Engine", s("datafusion")),
            (
                "QualityRules",
                s(r#"[{"Rule":"IsComplete","Column":"id"},{"Rule":"RowCount","Condition":{"Op":"GreaterThan","Value":0}}]"#),
            ),
            ("OnQualityFailure", s("fail")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let parsed = DatasetConfig::from_item("engineering/legislators", &item).unwrap();
        assert_eq!(parsed, config());
        assert_eq!(parsed.batch_bounds().unwrap(), BatchBounds { min: 1, max: 100 });
        assert_eq!(parsed.pipeline_id(), "engineering/main");
    }

    #[test]
    fn rows_go_out_as_they_come_in() {
        let text =
            std::fs::read_to_string(format!("{}/tests/fixtures/dataset_config.json", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_value(config()).unwrap(), fixture);
        for (format, wire) in [
            (InputFormat::JsonLines, serde_json::json!({"Type": "json-lines"})),
            (InputFormat::JsonArray, serde_json::json!({"Type": "json-array"})),
            (
                InputFormat::Csv { delimiter: ';', quote: '\'', header: false },
                serde_json::json!({"Type": "csv", "Delimiter": ";", "Quote": "'", "Header": "false"}),
            ),
        ] {
            assert_eq!(serde_json::to_value(&format).unwrap(), wire);
            assert_eq!(serde_json::from_value::<InputFormat>(wire).unwrap(), format);
        }
        // A csv row written without its options reads as the defaults.
        let bare: InputFormat = serde_json::from_value(serde_json::json!({"Type": "csv"})).unwrap();
        assert_eq!(bare, InputFormat::csv());
        let unknown = serde_json::from_value::<InputFormat>(serde_json::json!({"Type": "xml"})).unwrap_err();
        assert!(unknown.to_string().contains("xml"), "{unknown}");
        let date: Column = serde_json::from_value(serde_json::json!({"Name": "day", "Type": "date"})).unwrap();
        assert_eq!(date.data_type, ColumnType::Date);
    }

    #[test]
    fn bad_rows_say_which_dataset_and_what() {
        let err = DatasetConfig::from_item("eng/x", &Item::new()).unwrap_err().to_string();
        assert!(err.contains("`eng/x`") && err.contains("missing field"), "{err}");
        let mut row = serde_json::to_value(config()).unwrap();
        row["MinItems"] = "ten".into();
        let err = serde_json::from_value::<DatasetConfig>(row).unwrap_err().to_string();
        assert!(err.contains("`ten`"), "{err}");
        let bad = DatasetConfig { min_items: 5, max_items: 2, ..config() };
        assert!(matches!(bad.batch_bounds().unwrap_err(), ConfigError::BadBounds { min: 5, max: 2, .. }));
    }
}
