//! The local emulator `sdlf local` runs against, started by the project's own script.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::LocalError;

/// `tests/support/ministack.sh start` of the project at `root`, on `endpoint`'s port: a no-op
/// when it already runs; installs the pinned emulator on first use.
pub fn start(root: &Path, endpoint: &str) -> Result<(), LocalError> {
    let script = root.join("tests/support/ministack.sh");
    let port = endpoint.rsplit(':').next().unwrap_or_default().to_owned();
    eprintln!("starting the local emulator ({endpoint}) with {}", script.display());
    let status = Command::new("bash")
        .arg(&script)
        .args(["start", "--port", &port])
        .stdout(Stdio::null())
        .status()
        .map_err(|error| LocalError::Io { path: script.clone(), error })?;
    if status.success() { Ok(()) } else { Err(LocalError::Emulator { status, port }) }
}
