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

/// Whether something accepts connections at `endpoint` (an emulator however it was started).
pub fn answers(endpoint: &str) -> bool {
    use std::net::ToSocketAddrs;
    let Some(address) = host_and_port(endpoint) else { return false };
    let timeout = std::time::Duration::from_secs(1);
    address
        .to_socket_addrs()
        .is_ok_and(|mut addrs| addrs.any(|a| std::net::TcpStream::connect_timeout(&a, timeout).is_ok()))
}

/// Whether `endpoint` is on this machine (where `sdlf local` may start the emulator itself).
pub fn is_loopback(endpoint: &str) -> bool {
    host_and_port(endpoint).is_some_and(|a| {
        let host = a.rsplit_once(':').map_or(a.as_str(), |(h, _)| h);
        host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    })
}

/// `host:port` of an `http(s)://host[:port][/path]` endpoint (the scheme's port when none).
fn host_and_port(endpoint: &str) -> Option<String> {
    let (scheme, rest) = endpoint.split_once("://")?;
    let authority = rest.split('/').next().filter(|a| !a.is_empty())?;
    if authority.contains(':') {
        return Some(authority.to_owned());
    }
    let port = match scheme {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    Some(format!("{authority}:{port}"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_endpoints_on_this_machine_are_loopback() {
        assert!(is_loopback("http://127.0.0.1:4566"));
        assert!(is_loopback("http://localhost:4566/"));
        assert!(!is_loopback("https://cloudformation.us-east-1.amazonaws.com"));
        assert!(!is_loopback("http://10.0.0.5:4566"));
        assert!(!is_loopback("not a url"));
        assert_eq!(host_and_port("https://example.com/x").as_deref(), Some("example.com:443"));
    }

    #[test]
    fn a_port_nobody_listens_on_does_not_answer() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        assert!(answers(&endpoint));
        drop(listener);
        assert!(!answers(&endpoint));
    }
}
