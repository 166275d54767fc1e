//! The lake's asset bytes, separate from the command line (as cargo-lambda keeps its build in
//! a crate of its own): the source fingerprints that address assets in the artifacts bucket
//! ([`fingerprint`]), the `cargo lambda build` of the functions and its cache ([`build`]), the
//! deterministic zip ([`zip`]), the bytes the deploy uploads ([`assets`]), and the project root
//! all paths are relative to ([`root`]).

pub mod assets;
pub mod build;
pub mod cargo_env;
pub mod fingerprint;
pub mod root;
pub mod zip;

use std::path::{Path, PathBuf};
use std::process::ExitStatus;

pub use assets::RepoAssets;
pub use fingerprint::RepoFingerprints;
pub use root::{NoProject, find_project_root};

/// Why a package could not be built or an asset read.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("{}: {error}", .path.display())]
    Io { path: PathBuf, error: std::io::Error },
    #[error("{} could not be started: {error}", .program.display())]
    Start { program: PathBuf, error: std::io::Error },
    #[error("{} path cargo-lambda failed ({status}); see .tools/pip-install.log", .script.display())]
    ToolsInstall { script: PathBuf, status: ExitStatus },
    #[error("tests/support/tools.sh installed no cargo-lambda in {}", .venv_bin.display())]
    NoCargoLambda { venv_bin: PathBuf },
    #[error("rustup target add {target} failed: {detail}")]
    RustTarget { target: String, detail: String },
    #[error("cargo lambda build failed ({status}):\n{stderr_tail}")]
    BuildFailed { status: ExitStatus, stderr_tail: String },
    #[error("cargo build --package {binary} failed ({status}); cargo's errors are above")]
    HostBuildFailed { binary: String, status: ExitStatus },
    #[error("the Lambda build left no {}: {error}", .path.display())]
    NoBinary { path: PathBuf, error: std::io::Error },
    #[error("PATH for cargo lambda: {0}")]
    Path(String),
    #[error("writing the package's zip: {0}")]
    Zip(#[from] ::zip::result::ZipError),
}

impl PackageError {
    pub(crate) fn io(path: &Path, error: std::io::Error) -> PackageError {
        PackageError::Io { path: path.to_owned(), error }
    }
}
