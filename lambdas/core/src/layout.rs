//! Where the lake keeps what: the data buckets and the datasets' prefixes in them.
//!
//! Mirrors `sdlf_lake::names::{team_prefix, dataset_prefix}` (not a dependency: that crate
//! is the infrastructure program). Raw and analytics hold a dataset's objects under
//! `{team}/{dataset}/`, the stage bucket under `pre-stage/{team}/{dataset}/`.

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
    fn root(self) -> &'static str {
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

impl DatasetRef {
    /// `{team}/{dataset}`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.team, self.dataset)
    }

    /// The dataset's prefix in `layer`, e.g. `pre-stage/{team}/{dataset}/`.
    pub fn prefix(&self, layer: Layer) -> String {
        format!("{}{}/{}/", layer.root(), self.team, self.dataset)
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

/// The data buckets, from the functions' environment (`RAW_BUCKET`, `STAGE_BUCKET`,
/// `ANALYTICS_BUCKET`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LakeLayout {
    pub raw_bucket: String,
    pub stage_bucket: String,
    pub analytics_bucket: String,
}

/// A variable the layout needs is unset or empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment variable {0} is not set; the stack sets it on the function, so redeploy the catalog stack")]
pub struct MissingVariable(pub &'static str);

impl LakeLayout {
    /// Reads the bucket names through `var` (pass `|name| std::env::var(name).ok()`).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<LakeLayout, MissingVariable> {
        let get = |name: &'static str| var(name).filter(|v| !v.is_empty()).ok_or(MissingVariable(name));
        Ok(LakeLayout {
            raw_bucket: get("RAW_BUCKET")?,
            stage_bucket: get("STAGE_BUCKET")?,
            analytics_bucket: get("ANALYTICS_BUCKET")?,
        })
    }

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
    }

    #[test]
    fn layout_from_environment() {
        let vars = |name: &str| match name {
            "RAW_BUCKET" => Some("r".to_owned()),
            "STAGE_BUCKET" => Some("s".to_owned()),
            "ANALYTICS_BUCKET" => Some(String::new()),
            _ => None,
        };
        let err = LakeLayout::from_vars(vars).unwrap_err();
        assert!(err.to_string().contains("ANALYTICS_BUCKET"));
        let layout = LakeLayout { raw_bucket: "r".into(), stage_bucket: "s".into(), analytics_bucket: "a".into() };
        assert_eq!(layout.layer_of("s"), Some(Layer::Stage));
        assert_eq!(layout.layer_of("other"), None);
    }
}
