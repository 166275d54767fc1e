//! The answers of the functions the command line invokes directly (`sdlf local` starts
//! stage B at once, `sdlf redrive` runs a redrive): written by the runtime, read by the CLI.

use serde::{Deserialize, Serialize};

/// What `stage-b-routing` did with a dataset's queue.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StageBReply {
    /// Whether a batch went to a new execution.
    pub started: bool,
    /// The execution's name, when one started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_id: Option<String>,
    /// Queue messages in the batch.
    #[serde(default)]
    pub messages: u64,
    /// When too little is queued: how much is, and how much a batch needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needed: Option<u64>,
}

impl StageBReply {
    pub fn waiting(queued: u64, needed: u64) -> StageBReply {
        StageBReply { queued: Some(queued), needed: Some(needed), ..StageBReply::default() }
    }
}

/// What `redrive` moved back into the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedriveReply {
    pub moved: u64,
}
