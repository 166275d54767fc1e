//! `sdlf local`'s run without the command line: the sample files ([`samples`]), the local
//! emulator ([`emulator`]), the flow through both stages of a deployed lake ([`flow`]) and the
//! report of what happened ([`report`]), and the stage B batches of the execution history
//! ([`batches`]). The command line deploys, calls [`flow::run`] and
//! prints the report.

pub mod batches;
pub mod emulator;
pub mod flow;
pub mod report;
pub mod samples;

use std::path::PathBuf;

pub use flow::{LakeData, run};
pub use report::Report;
pub use samples::{Sample, sample_files};

/// Why the local run stopped.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("{0}")]
    Api(#[from] sdlf_deploy::api::ApiError),
    #[error("{}: {error}", .path.display())]
    Io { path: PathBuf, error: std::io::Error },
    #[error("no sample files under {}/{{team}}/{{dataset}}/; put some there or pass --samples DIR", .dir.display())]
    NoSamples { dir: PathBuf },
    #[error("the local emulator did not start ({status}); its log: `tests/support/ministack.sh log --port {port}`")]
    Emulator { status: std::process::ExitStatus, port: String },
    #[error("{function} answered with something other than stage B routing's reply: {error}")]
    Reply { function: String, error: serde_json::Error },
}
