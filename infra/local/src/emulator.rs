//! The local emulator `sdlf local` runs against, started by the project's own script.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::LocalError;

/// `tests/support/ministack.sh start` of the project at `root`, on `endpoint`'s port: a no-op
/// when it already runs; installs the pinned emulator on first use.
pub fn start(root: &Path, endpoint: &str) -> Result<(), LocalError> {
    eprintln!("starting the local emulator ({endpoint}) with {}", script(root).display());
    let (status, _) = run_script(root, "start", endpoint)?;
    if status.success() { Ok(()) } else { Err(LocalError::Emulator { status, port: port_of(endpoint) }) }
}

/// Stops the emulator listening on `endpoint`'s port (the one `sdlf local` uses, not the one
/// started last); a no-op when none runs there.
pub fn stop(root: &Path, endpoint: &str) -> Result<(), LocalError> {
    let (status, _) = run_script(root, "stop", endpoint)?;
    if status.success() { Ok(()) } else { Err(LocalError::Emulator { status, port: port_of(endpoint) }) }
}

/// Whether an emulator runs on `endpoint`'s port, and the script's line saying so.
pub fn status(root: &Path, endpoint: &str) -> Result<(bool, String), LocalError> {
    let (status, said) = run_script(root, "status", endpoint)?;
    Ok((status.success(), said.trim_end().to_owned()))
}

fn script(root: &Path) -> std::path::PathBuf {
    root.join("tests/support/ministack.sh")
}

fn port_of(endpoint: &str) -> String {
    endpoint.rsplit(':').next().unwrap_or_default().trim_end_matches('/').to_owned()
}

/// `ministack.sh COMMAND --port PORT`: its exit status and standard output.
fn run_script(root: &Path, command: &str, endpoint: &str) -> Result<(std::process::ExitStatus, String), LocalError> {
    let script = script(root);
    let out = Command::new("bash")
        .arg(&script)
        .args([command, "--port", &port_of(endpoint)])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| LocalError::Io { path: script.clone(), error })?;
    Ok((out.status, String::from_utf8_lossy(&out.stdout).into_owned()))
}
