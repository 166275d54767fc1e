//! A dataset's row of the dataset-config table: the properties of its `Custom::DatasetConfig`
//! resource (see the dataset stack), every value a string, a list or a map of strings.

use serde::{Deserialize, Serialize};

use crate::item::{Item, item_to_json};
use crate::layout::DatasetRef;

/// The light transform's input format, copied verbatim into queue A messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InputFormat {
    /// `csv`, `json-lines` or `json-array`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// csv only: one character.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// csv only: one character.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// csv only: `true` or `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
}

/// A column of the dataset's schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Column {
    pub name: String,
    /// `string`, `int64`, `float64`, `boolean` or `timestamp`.
    #[serde(rename = "Type")]
    pub kind: String,
}

/// The dataset-config row. Unknown attributes (`Table`, `Key`, later additions) are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DatasetConfig {
    pub team: String,
    pub dataset: String,
    pub pipeline: String,
    pub stage_a_queue_url: String,
    pub stage_b_queue_url: String,
    pub input_format: InputFormat,
    /// `parquet`.
    pub target_format: String,
    /// Empty: the transform infers the schema.
    #[serde(default)]
    pub schema: Vec<Column>,
    /// Decimal strings; see [`DatasetConfig::batch_bounds`].
    pub min_items: String,
    pub max_items: String,
    pub glue_job: String,
    pub glue_database: String,
    pub crawler: String,
    /// The table the crawler makes (`{table_prefix}{dataset}`); rows written before it was
    /// added lack it, and the dataset's name stands in.
    #[serde(default)]
    pub glue_table: String,
    /// `""` when the dataset has no quality rules.
    #[serde(default)]
    pub quality_ruleset: String,
    pub topic: String,
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
        source: serde_json::Error,
    },
    #[error(
        "the dataset-config row of `{dataset}` has {field} = `{value}`, not a whole number; redeploy the dataset \
         stack"
    )]
    NotANumber { dataset: String, field: &'static str, value: String },
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
        serde_json::from_value(item_to_json(item))
            .map_err(|source| ConfigError::Shape { dataset: dataset.to_owned(), source })
    }

    pub fn dataset_ref(&self) -> DatasetRef {
        DatasetRef { team: self.team.clone(), dataset: self.dataset.clone() }
    }

    /// `{team}/{pipeline}`, the execution-history table's `pipeline`.
    pub fn pipeline_id(&self) -> String {
        format!("{}/{}", self.team, self.pipeline)
    }

    pub fn batch_bounds(&self) -> Result<BatchBounds, ConfigError> {
        let dataset = || self.dataset_ref().id();
        let number = |field: &'static str, value: &str| {
            value.trim().parse::<usize>().map_err(|_| ConfigError::NotANumber {
                dataset: dataset(),
                field,
                value: value.to_owned(),
            })
        };
        let (min, max) = (number("MinItems", &self.min_items)?, number("MaxItems", &self.max_items)?);
        if min == 0 || min > max {
            return Err(ConfigError::BadBounds { dataset: dataset(), min, max });
        }
        Ok(BatchBounds { min, max })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::item::AttrValue;
    use std::collections::BTreeMap;

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
            AttrValue::M(pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect::<BTreeMap<_, _>>())
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
    fn bad_rows_say_which_dataset_and_what() {
        let err = DatasetConfig::from_item("eng/x", &Item::new()).unwrap_err().to_string();
        assert!(err.contains("`eng/x`") && err.contains("missing field"), "{err}");
        let bad = DatasetConfig { min_items: "ten".into(), ..config() };
        assert!(bad.batch_bounds().unwrap_err().to_string().contains("MinItems = `ten`"));
        let bad = DatasetConfig { min_items: "5".into(), max_items: "2".into(), ..config() };
        assert!(matches!(bad.batch_bounds().unwrap_err(), ConfigError::BadBounds { min: 5, max: 2, .. }));
    }
}
