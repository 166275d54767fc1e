//! The handlers of the lake's Lambda packages.
//!
//! Every light function ships the same `bootstrap` binary and picks its handler by the
//! function's `Handler` setting (the runtime reads it from `_HANDLER`). One binary instead of
//! nine: one release build, one zip to upload and cache, and the shared code (SDK clients,
//! catalog writes) compiled once. The stacks name handlers through this enum, so a function
//! pointing at a handler the binary does not serve is a compile error, not a runtime one.
//!
//! The DataFusion heavy transform is the exception: it has a package of its own
//! ([`HEAVY_PACKAGE`]), so the query engine adds nothing to the light functions' size and
//! init time. That package also serves the Glue engine's publish step, which reads Parquet
//! footers and schemas with the same code.

use std::fmt;

/// Name of the binary (and of the asset) every function runs.
pub const PACKAGE: &str = "sdlf-lambda";

/// Name of the binary (and of the asset) the DataFusion heavy transform runs.
pub const HEAVY_PACKAGE: &str = "sdlf-heavy-lambda";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Handler {
    /// S3 events → catalog rows; new raw objects → routing queue.
    Catalog,
    /// Raw object → its dataset's config → the pipeline's stage A queue.
    Routing,
    /// Custom-resource provider writing the dataset and pipeline config rows.
    Config,
    /// Stage A queue → one state machine execution per object.
    StageARouting,
    /// The light transform: raw object → Parquet in the stage bucket.
    StageATransform,
    /// Scheduled: a dataset's stage B queue → a batch for the stage B state machine.
    StageBRouting,
    /// The heavy transform on DataFusion, with the quality rules (its own package).
    StageBHeavy,
    /// A Glue batch's output: its pending table described for Glue Data Quality, then
    /// published or quarantined by the result (the heavy package: it reads Parquet).
    StageBPublish,
    /// Catalog rows for the heavy transform's output.
    StageBPostupdate,
    /// A failed execution's input → the stage's dead-letter queue.
    Error,
    /// Dead-letter queue → back to the stage's queue.
    Redrive,
}

impl Handler {
    pub const ALL: [Handler; 11] = [
        Handler::Catalog,
        Handler::Routing,
        Handler::Config,
        Handler::StageARouting,
        Handler::StageATransform,
        Handler::StageBRouting,
        Handler::StageBHeavy,
        Handler::StageBPublish,
        Handler::StageBPostupdate,
        Handler::Error,
        Handler::Redrive,
    ];

    /// The function's `Handler` setting.
    pub const fn name(self) -> &'static str {
        match self {
            Handler::Catalog => "catalog",
            Handler::Routing => "routing",
            Handler::Config => "config",
            Handler::StageARouting => "stage-a-routing",
            Handler::StageATransform => "stage-a-transform",
            Handler::StageBRouting => "stage-b-routing",
            Handler::StageBHeavy => "stage-b-heavy",
            Handler::StageBPublish => "stage-b-publish",
            Handler::StageBPostupdate => "stage-b-postupdate",
            Handler::Error => "error",
            Handler::Redrive => "redrive",
        }
    }

    /// The package (binary) that serves this handler.
    pub const fn package(self) -> &'static str {
        match self {
            Handler::StageBHeavy | Handler::StageBPublish => HEAVY_PACKAGE,
            _ => PACKAGE,
        }
    }

    pub fn from_name(name: &str) -> Option<Handler> {
        Handler::ALL.into_iter().find(|h| h.name() == name)
    }
}

impl fmt::Display for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_distinct() {
        for h in Handler::ALL {
            assert_eq!(Handler::from_name(h.name()), Some(h));
        }
        let mut names: Vec<_> = Handler::ALL.iter().map(|h| h.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Handler::ALL.len());
        assert_eq!(Handler::from_name("bootstrap"), None);
    }
}
