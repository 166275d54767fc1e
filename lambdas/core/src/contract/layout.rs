//! Where the lake keeps what: the data buckets, the datasets' prefixes in them, and the key
//! attributes of the lake's tables.
//!
//! Raw and analytics hold a dataset's objects under `{team}/{dataset}/`, the stage bucket
//! under `pre-stage/{team}/{dataset}/` (stage A's output, the original framework's layout,
//! which leaves room for other stages' prefixes). Permissions boundaries, crawlers and Lake
//! Formation grants are all scoped by these prefixes.

use std::fmt;

/// The data layers the catalog records (the `stage` attribute of a row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    Raw,
    Stage,
    Analytics,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Raw => "raw",
            Layer::Stage => "stage",
            Layer::Analytics => "analytics",
        }
    }

    /// The part of a key before `{team}/`.
    pub const fn root(self) -> &'static str {
        match self {
            Layer::Stage => "pre-stage/",
            Layer::Raw | Layer::Analytics => "",
        }
    }
}

/// A dataset: `{team}/{dataset}`, the key of its config row and the catalog's `dataset`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DatasetRef {
    pub team: String,
    pub dataset: String,
}

/// `{team}/` in `layer`, with the layer's root: every object of the team's datasets.
pub fn team_prefix(layer: Layer, team: &str) -> String {
    format!("{}{team}/", layer.root())
}

/// Stage B's manifests of a pipeline's batches: `pre-stage/{team}/_manifests/{pipeline}/`,
/// outside every dataset's prefix (see [`dataset_of`]).
pub fn manifest_prefix(team: &str, pipeline: &str) -> String {
    format!("{}_manifests/{pipeline}/", team_prefix(Layer::Stage, team))
}

/// The key attributes of a table of the lake, and its secondary indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableKeys {
    pub partition_key: &'static str,
    pub indexes: &'static [Index],
}

/// A global secondary index: name, partition key, sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Index {
    pub name: &'static str,
    pub partition_key: &'static str,
    pub sort_key: &'static str,
}

/// One row per object of the data buckets, keyed `s3://{bucket}/{key}`.
pub const CATALOG_TABLE: TableKeys = TableKeys {
    partition_key: "id",
    indexes: &[
        Index { name: "by-dataset", partition_key: "dataset", sort_key: "last_modified" },
        Index { name: "by-stage", partition_key: "stage", sort_key: "last_modified" },
    ],
};

/// One row per dataset, keyed `{team}/{dataset}`.
pub const DATASET_CONFIG_TABLE: TableKeys = TableKeys { partition_key: "dataset", indexes: &[] };

/// One row per pipeline, keyed `{team}/{pipeline}`.
pub const PIPELINE_CONFIG_TABLE: TableKeys = TableKeys { partition_key: "pipeline", indexes: &[] };

/// One row per execution.
pub const EXECUTION_HISTORY_TABLE: TableKeys = TableKeys {
    partition_key: "id",
    indexes: &[Index { name: "by-pipeline", partition_key: "pipeline", sort_key: "last_updated" }],
};

/// The execution-history attribute DynamoDB's time to live reads (epoch seconds): it deletes
/// the row after that time.
pub const EXECUTION_HISTORY_TTL_ATTRIBUTE: &str = "ttl";

impl DatasetRef {
    /// `{team}/{dataset}`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.team, self.dataset)
    }

    /// The dataset's prefix in `layer`, e.g. `pre-stage/{team}/{dataset}/`.
    pub fn prefix(&self, layer: Layer) -> String {
        format!("{}{}/", team_prefix(layer, &self.team), self.dataset)
    }

    /// Where stage B's heavy transform writes a batch before its quality is known, in the
    /// analytics bucket: `{team}/_pending/{dataset}/{execution}/`, outside every dataset's
    /// prefix (see [`dataset_of`]), so neither the crawler nor a reader sees it.
    pub fn pending_prefix(&self, execution: &str) -> String {
        format!("{}_pending/{}/{execution}/", team_prefix(Layer::Analytics, &self.team), self.dataset)
    }

    /// Where a batch that failed a quality rule of a dataset that fails on them is kept:
    /// `{team}/_quarantine/{dataset}/{execution}/` in the analytics bucket, outside every
    /// dataset's prefix.
    pub fn quarantine_prefix(&self, execution: &str) -> String {
        format!("{}_quarantine/{}/{execution}/", team_prefix(Layer::Analytics, &self.team), self.dataset)
    }
}

impl fmt::Display for DatasetRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.team, self.dataset)
    }
}

/// The dataset whose prefix holds `key` in `layer`, if any. The names must follow the lake's
/// rules (team: 2–12, dataset: 2–14 lowercase letters or digits), so folders such as
/// `pre-stage/{team}/_manifests/` belong to no dataset.
pub fn dataset_of(layer: Layer, key: &str) -> Option<DatasetRef> {
    let rest = key.strip_prefix(layer.root())?;
    let mut parts = rest.splitn(3, '/');
    let (team, dataset, _below) = (parts.next()?, parts.next()?, parts.next()?);
    let name_ok = |name: &str, max: usize| {
        (2..=max).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    (name_ok(team, 12) && name_ok(dataset, 14))
        .then(|| DatasetRef { team: team.to_owned(), dataset: dataset.to_owned() })
}

/// The data buckets (the catalog function's environment carries them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LakeLayout {
    pub raw_bucket: String,
    pub stage_bucket: String,
    pub analytics_bucket: String,
}

impl LakeLayout {
    /// The layer of a bucket, or `None` for a bucket that is not one of the lake's data buckets.
    pub fn layer_of(&self, bucket: &str) -> Option<Layer> {
        [(Layer::Raw, &self.raw_bucket), (Layer::Stage, &self.stage_bucket), (Layer::Analytics, &self.analytics_bucket)]
            .into_iter()
            .find_map(|(layer, name)| (name == bucket).then_some(layer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(team: &str, dataset: &str) -> Option<DatasetRef> {
        Some(DatasetRef { team: team.into(), dataset: dataset.into() })
    }

    #[test]
    fn datasets_by_layer() {
        assert_eq!(
            dataset_of(Layer::Raw, "engineering/legislators/2024/a.json"),
            dataset("engineering", "legislators")
        );
        assert_eq!(dataset_of(Layer::Raw, "engineering/legislators/"), dataset("engineering", "legislators"));
        assert_eq!(dataset_of(Layer::Analytics, "eng/persons/part-0.parquet"), dataset("eng", "persons"));
        assert_eq!(dataset_of(Layer::Stage, "pre-stage/eng/persons/a.parquet"), dataset("eng", "persons"));
    }

    #[test]
    fn keys_outside_dataset_prefixes() {
        for (layer, key) in [
            (Layer::Raw, "engineering/legislators"),
            (Layer::Raw, "a.csv"),
            (Layer::Raw, "Engineering/legislators/a.csv"),
            (Layer::Raw, "e/legislators/a.csv"),
            (Layer::Raw, "engineering/legislators-2024/a.csv"),
            (Layer::Raw, "engineeringteam/legislators/a.csv"),
            (Layer::Stage, "eng/persons/a.parquet"),
            (Layer::Stage, "pre-stage/eng/_manifests/main/x.json"),
            (Layer::Analytics, "pre-stage/eng/persons/a.parquet"),
        ] {
            assert_eq!(dataset_of(layer, key), None, "{key}");
        }
    }

    #[test]
    fn prefixes_match_the_infrastructure() {
        let d = DatasetRef { team: "eng".into(), dataset: "persons".into() };
        assert_eq!(d.prefix(Layer::Stage), "pre-stage/eng/persons/");
        assert_eq!(d.prefix(Layer::Raw), "eng/persons/");
        assert_eq!(d.id(), "eng/persons");
        assert_eq!(d.pending_prefix("e1"), "eng/_pending/persons/e1/");
        assert_eq!(d.quarantine_prefix("e1"), "eng/_quarantine/persons/e1/");
        for key in [d.pending_prefix("e1"), d.quarantine_prefix("e1")] {
            assert_eq!(dataset_of(Layer::Analytics, &format!("{key}x.parquet")), None, "no dataset's: {key}");
        }
    }

    #[test]
    fn buckets_by_name() {
        let layout = LakeLayout { raw_bucket: "r".into(), stage_bucket: "s".into(), analytics_bucket: "a".into() };
        assert_eq!(layout.layer_of("s"), Some(Layer::Stage));
        assert_eq!(layout.layer_of("other"), None);
        assert_eq!(manifest_prefix("eng", "main"), "pre-stage/eng/_manifests/main/");
        assert_eq!(dataset_of(Layer::Stage, &format!("{}x.json", manifest_prefix("eng", "main"))), None);
    }
}
