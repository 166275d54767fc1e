//! The `status` of a catalog row: written by the functions and the stage A state machine,
//! read by `sdlf local`'s report.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::contract::env::Stage;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CatalogStatus {
    /// A new object, not yet picked up by a pipeline.
    Created,
    /// The object was removed (a tombstone).
    Deleted,
    /// A raw object no dataset claims; `reason` says why.
    Unrouted,
    ProcessingA,
    ProcessedA,
    /// Stage B's heavy transform included the object in a batch that succeeded.
    ProcessedB,
    /// A pipeline step failed; `failed_stage` and `reason` say where and why.
    Failed,
    /// A dataset's raw object with nothing in it — zero bytes, a CSV header without data rows,
    /// a JSON file without records: a legitimate empty extract, not an error (no dead letter,
    /// no alarm) and nothing to transform; `reason` says which.
    Empty,
}

impl CatalogStatus {
    pub const ALL: [CatalogStatus; 8] = [
        CatalogStatus::Created,
        CatalogStatus::Deleted,
        CatalogStatus::Unrouted,
        CatalogStatus::ProcessingA,
        CatalogStatus::ProcessedA,
        CatalogStatus::ProcessedB,
        CatalogStatus::Failed,
        CatalogStatus::Empty,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            CatalogStatus::Created => "created",
            CatalogStatus::Deleted => "deleted",
            CatalogStatus::Unrouted => "unrouted",
            CatalogStatus::ProcessingA => "processing-a",
            CatalogStatus::ProcessedA => "processed-a",
            CatalogStatus::ProcessedB => "processed-b",
            CatalogStatus::Failed => "failed",
            CatalogStatus::Empty => "empty",
        }
    }

    /// Stage A has nothing more to do with a raw object in this status.
    pub const fn is_past_stage_a(self) -> bool {
        matches!(
            self,
            CatalogStatus::ProcessedA
                | CatalogStatus::ProcessedB
                | CatalogStatus::Failed
                | CatalogStatus::Unrouted
                | CatalogStatus::Empty
        )
    }

    /// The object ended without being processed, and its row's `reason` says why.
    pub const fn has_reason(self) -> bool {
        matches!(self, CatalogStatus::Failed | CatalogStatus::Unrouted | CatalogStatus::Empty)
    }
}

impl fmt::Display for CatalogStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a `failed` row failed (its `failed_stage` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedStage {
    /// The lake's routing: the object's dataset config could not be used.
    Routing,
    /// A pipeline stage.
    Pipeline(Stage),
}

impl FailedStage {
    pub const fn as_str(self) -> &'static str {
        match self {
            FailedStage::Routing => "routing",
            FailedStage::Pipeline(stage) => stage.as_str(),
        }
    }
}

/// A status no function writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a catalog status")]
pub struct UnknownStatus(pub String);

impl FromStr for CatalogStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<CatalogStatus, UnknownStatus> {
        CatalogStatus::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_serde() {
        for status in CatalogStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        assert_eq!("done".parse::<CatalogStatus>(), Err(UnknownStatus("done".into())));
    }
}
