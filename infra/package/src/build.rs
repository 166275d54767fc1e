//! Building the Lambda package: `cargo lambda build` of the one `bootstrap` binary, zipped
//! deterministically and cached under its fingerprint.
//!
//! The package's S3 key is the fingerprint of its *inputs* (see [`crate::fingerprint`]), so `synth`
//! and `diff` never compile anything; the build happens only when `deploy` has to upload a
//! package the bucket does not hold yet, and only once per fingerprint on a machine
//! (`target/lambda-packages/{fingerprint}.zip`).

use std::path::{Path, PathBuf};
use std::process::Command;

use sdlf_lake::LambdaArchitecture;

use crate::PackageError;
use crate::zip::{Entry, deflate};

/// Cargo profile of the Lambda build (defined in the root `Cargo.toml`).
pub const PROFILE: &str = "lambda";

/// Where built packages are kept, by fingerprint: in cargo's target directory, so checkouts
/// that share one (`CARGO_TARGET_DIR`, as the local pipeline run does) share the packages.
fn cache_dir(root: &Path) -> PathBuf {
    target_dir(root).join("lambda-packages")
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"))
}

/// The pinned tools' directory: `SDLF_TOOLS_DIR` (which `tests/support/tools.sh` honours
/// too), else `.tools/` of the checkout.
fn tools_dir(root: &Path) -> PathBuf {
    std::env::var_os("SDLF_TOOLS_DIR").map(PathBuf::from).unwrap_or_else(|| root.join(".tools"))
}

/// The zip for `binary` whose inputs hash to `fingerprint`: from the cache, or built.
pub fn package(
    root: &Path,
    binary: &str,
    architecture: LambdaArchitecture,
    fingerprint: &str,
) -> Result<Vec<u8>, PackageError> {
    cached_or(root, fingerprint, || build(root, binary, architecture, fingerprint))
}

/// The zip for `binary` built with this machine's toolchain (see
/// `sdlf_lake::assets::AssetSource::HostBinary`): from the cache, or built.
pub fn package_host(root: &Path, binary: &str, fingerprint: &str) -> Result<Vec<u8>, PackageError> {
    cached_or(root, fingerprint, || build_host(root, binary))
}

/// The cached zip of `fingerprint`, or the zip of what `build` returns, cached.
fn cached_or(
    root: &Path,
    fingerprint: &str,
    build: impl FnOnce() -> Result<Vec<u8>, PackageError>,
) -> Result<Vec<u8>, PackageError> {
    let cache = cache_dir(root);
    let cached = cache.join(format!("{fingerprint}.zip"));
    if let Ok(bytes) = std::fs::read(&cached) {
        return Ok(bytes);
    }
    let bootstrap = build()?;
    let zip = deflate(&[Entry { name: "bootstrap", data: &bootstrap, executable: true }])?;
    // Written beside its final name and renamed: a build interrupted mid-write leaves no
    // truncated package that a later deploy would trust.
    std::fs::create_dir_all(&cache).map_err(|e| PackageError::io(&cache, e))?;
    let partial = cached.with_extension(format!("zip.{}", std::process::id()));
    std::fs::write(&partial, &zip).map_err(|e| PackageError::io(&partial, e))?;
    std::fs::rename(&partial, &cached).map_err(|e| PackageError::io(&cached, e))?;
    Ok(zip)
}

/// The `cargo lambda build` arguments for `binary` on `architecture`, output to `out_dir`.
pub fn build_args(
    binary: &str,
    architecture: LambdaArchitecture,
    out_dir: &Path,
    manifest: &Path,
) -> Vec<std::ffi::OsString> {
    let target = match architecture {
        LambdaArchitecture::X86_64 => "--x86-64",
        LambdaArchitecture::Arm64 => "--arm64",
    };
    let mut args: Vec<std::ffi::OsString> =
        ["lambda", "build", "--profile", PROFILE, target, "--package", binary, "--bin", binary, "--lambda-dir"]
            .into_iter()
            .map(Into::into)
            .collect();
    args.push(out_dir.into());
    args.push("--manifest-path".into());
    args.push(manifest.into());
    args
}

/// `cargo lambda build` of `binary` for `architecture` (the one the stacks declare); returns
/// the `bootstrap` executable's bytes.
fn build(
    root: &Path,
    binary: &str,
    architecture: LambdaArchitecture,
    fingerprint: &str,
) -> Result<Vec<u8>, PackageError> {
    let venv_bin = tools_dir(root).join("venv").join("bin");
    let cargo_lambda = match find_cargo_lambda(&venv_bin) {
        Some(found) => found,
        None => {
            install_tools(root)?;
            find_cargo_lambda(&venv_bin).ok_or(PackageError::NoCargoLambda { venv_bin: venv_bin.clone() })?
        }
    };
    // A directory of this build's own: another build (a parallel deploy, a test) or a running
    // copy of an earlier binary must not be in the way of cargo lambda's final move.
    let out_dir = target_dir(root).join("lambda-build").join(format!("{fingerprint}-{}", std::process::id()));
    eprintln!(
        "building the Lambda package `{binary}` (cargo lambda build --profile {PROFILE}); a first build takes minutes"
    );
    if architecture == LambdaArchitecture::Arm64 {
        add_rust_target("aarch64-unknown-linux-gnu")?;
    }
    let output = crate::cargo_env::without_inherited_package_vars(&mut Command::new(&cargo_lambda))
        .args(build_args(binary, architecture, &out_dir, &root.join("Cargo.toml")))
        .env("PATH", path_with(&venv_bin)?)
        .current_dir(root)
        .output()
        .map_err(|error| PackageError::Start { program: cargo_lambda.clone(), error })?;
    if !output.status.success() {
        return Err(PackageError::BuildFailed { status: output.status, stderr_tail: tail(&output.stderr) });
    }
    let bootstrap = out_dir.join(binary).join("bootstrap");
    let bytes = std::fs::read(&bootstrap).map_err(|error| PackageError::NoBinary { path: bootstrap, error });
    let _ = std::fs::remove_dir_all(&out_dir);
    bytes
}

/// The `cargo build` arguments of `binary` for this machine: the dev profile, as `cargo run`
/// builds the command line, and its `host` feature, which gives the dependencies the CLI's
/// features (infra/unify): the two share every dependency compiled alike.
fn host_build_args(binary: &str, manifest: &Path) -> Vec<std::ffi::OsString> {
    let host = format!("{binary}/host");
    let mut args: Vec<std::ffi::OsString> =
        ["build", "--package", binary, "--bin", binary, "--features", &host, "--manifest-path"]
            .into_iter()
            .map(Into::into)
            .collect();
    args.push(manifest.into());
    args
}

/// `cargo build` of `binary` for this machine; returns the executable's bytes. Cargo's own
/// progress and errors go to stderr as they come: a first build takes minutes.
fn build_host(root: &Path, binary: &str) -> Result<Vec<u8>, PackageError> {
    // The cargo that runs us (`cargo run`, `cargo test`), so the same toolchain builds both.
    let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
    eprintln!("building the Lambda package `{binary}` for the local emulator (cargo build)");
    let status = crate::cargo_env::without_inherited_package_vars(&mut Command::new(&cargo))
        .args(host_build_args(binary, &root.join("Cargo.toml")))
        // Symbols off: a debug build of the DataFusion package is 250 MB with them, 160 MB
        // without; stripping is done at link time only, so no dependency is rebuilt for it.
        .env("CARGO_PROFILE_DEV_STRIP", "symbols")
        .current_dir(root)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|error| PackageError::Start { program: cargo.clone(), error })?;
    if !status.success() {
        return Err(PackageError::HostBuildFailed { binary: binary.to_owned(), status });
    }
    let executable = target_dir(root).join("debug").join(binary);
    std::fs::read(&executable).map_err(|error| PackageError::NoBinary { path: executable, error })
}

/// The last 30 lines of a build's error output.
fn tail(stderr: &[u8]) -> String {
    let stderr = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = stderr.lines().rev().take(30).collect();
    lines.into_iter().rev().collect::<Vec<_>>().join("\n")
}

/// `PATH` with the venv's bin first: cargo-lambda finds zig through `python3 -m ziglang`, so
/// the venv's python must come first.
fn path_with(venv_bin: &Path) -> Result<std::ffi::OsString, PackageError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![venv_bin.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    std::env::join_paths(paths).map_err(|e| PackageError::Path(e.to_string()))
}

/// The Rust standard library for a cross target (cargo-lambda with zig needs no more).
fn add_rust_target(target: &str) -> Result<(), PackageError> {
    let output = Command::new("rustup")
        .args(["target", "add", target])
        .output()
        .map_err(|error| PackageError::Start { program: "rustup".into(), error })?;
    if output.status.success() {
        Ok(())
    } else {
        let detail = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        Err(PackageError::RustTarget { target: target.to_owned(), detail })
    }
}

/// The project's pinned tools (cargo-lambda, zig), installed by its own script.
fn install_tools(root: &Path) -> Result<(), PackageError> {
    let script = root.join("tests/support/tools.sh");
    eprintln!("installing the pinned cargo-lambda and zig ({} path cargo-lambda)", script.display());
    // `path`, not `ensure`: only the venv that holds cargo-lambda, not checkov's.
    let status = Command::new("bash")
        .arg(&script)
        .args(["path", "cargo-lambda"])
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|error| PackageError::Start { program: script.clone(), error })?;
    if status.success() { Ok(()) } else { Err(PackageError::ToolsInstall { script, status }) }
}

fn find_cargo_lambda(venv_bin: &Path) -> Option<PathBuf> {
    let in_venv = venv_bin.join("cargo-lambda");
    if in_venv.is_file() {
        return Some(in_venv);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join("cargo-lambda")).find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_architecture_builds_for_its_own_target_with_the_lambda_profile() {
        let args = |a| {
            build_args("sdlf-lambda", a, Path::new("/o"), Path::new("/r/Cargo.toml"))
                .into_iter()
                .map(|s| s.into_string().unwrap())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let rest = "--package sdlf-lambda --bin sdlf-lambda --lambda-dir /o --manifest-path /r/Cargo.toml";
        assert_eq!(args(LambdaArchitecture::X86_64), format!("lambda build --profile lambda --x86-64 {rest}"));
        assert_eq!(args(LambdaArchitecture::Arm64), format!("lambda build --profile lambda --arm64 {rest}"));
    }
}
