//! Assets: files the stacks ship to the artifacts bucket (Lambda packages, Glue scripts).
//!
//! An asset is addressed by the SHA-256 of its content: its S3 key is
//! `assets/{hash}.{extension}`, so a changed file gets a new key (CloudFormation then sees a
//! changed property and updates the function or job) and an unchanged one keeps its key (no
//! spurious update). Computing the hash reads files, which the stack builders do not do: they
//! ask a [`Fingerprints`] implementation, which the command line provides (reading the
//! repository) and tests may replace.

use std::fmt;

use crate::definition::LambdaArchitecture;

/// What an asset is built from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AssetSource {
    /// The zip of a Lambda binary of the `lambdas/` crates (`bootstrap` inside), built with
    /// `cargo lambda` for the architecture at deploy time.
    LambdaBinary(String, LambdaArchitecture),
    /// The zip of a Lambda binary built with this machine's own toolchain (`cargo build`, the
    /// dev profile the command line is built with, so the two share compiled dependencies):
    /// for the local emulator, which runs a function's `bootstrap` as a process of this very
    /// machine. Never deployed to AWS.
    HostBinary(String),
    /// A file of the repository, shipped as is; path relative to the repository root.
    File(String),
}

impl AssetSource {
    pub fn lambda(binary: &str, architecture: LambdaArchitecture) -> AssetSource {
        AssetSource::LambdaBinary(binary.to_owned(), architecture)
    }

    pub fn file(path: &str) -> AssetSource {
        AssetSource::File(path.to_owned())
    }

    /// Extension of the uploaded object.
    pub fn extension(&self) -> &str {
        match self {
            AssetSource::LambdaBinary(..) | AssetSource::HostBinary(_) => "zip",
            AssetSource::File(path) => path.rsplit_once('.').map_or("bin", |(_, ext)| ext),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            AssetSource::LambdaBinary(..) => "lambda",
            AssetSource::HostBinary(_) => "host-lambda",
            AssetSource::File(_) => "file",
        }
    }

    /// The binary name or the path.
    pub fn name(&self) -> &str {
        match self {
            AssetSource::LambdaBinary(n, _) | AssetSource::HostBinary(n) | AssetSource::File(n) => n,
        }
    }
}

impl fmt::Display for AssetSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssetSource::LambdaBinary(n, arch) => write!(f, "Lambda binary `{n}` ({})", arch.as_str()),
            AssetSource::HostBinary(n) => write!(f, "Lambda binary `{n}` (this machine, for the emulator)"),
            AssetSource::File(p) => write!(f, "file `{p}`"),
        }
    }
}

/// The content hash of an asset's source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// Lowercase hex SHA-256.
    pub sha256: String,
}

/// Why an asset cannot be fingerprinted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{asset} cannot be read: {problem}")]
pub struct AssetError {
    pub asset: AssetSource,
    pub problem: String,
}

/// Computes fingerprints; implemented at the edge (files) and by tests. `Sync`, because
/// stacks are built on several threads.
pub trait Fingerprints: Sync {
    fn fingerprint(&self, source: &AssetSource) -> Result<Fingerprint, AssetError>;
}

/// An asset a stack uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    pub source: AssetSource,
    pub fingerprint: Fingerprint,
}

impl Asset {
    /// Key in the artifacts bucket.
    pub fn s3_key(&self) -> String {
        format!("assets/{}.{}", self.fingerprint.sha256, self.source.extension())
    }
}

/// Fingerprints from an asset's identity instead of its content: for snapshot tests and
/// benchmarks, whose templates should not change whenever a function's code does. Never used
/// to deploy.
#[derive(Debug, Clone, Copy, Default)]
pub struct StandInFingerprints;

impl Fingerprints for StandInFingerprints {
    fn fingerprint(&self, source: &AssetSource) -> Result<Fingerprint, AssetError> {
        // Four FNV-1a passes with different seeds: 64 stable hex digits, shaped like SHA-256.
        let mut hex = String::with_capacity(64);
        for seed in 0u64..4 {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
            // x86_64 hashes as it did before architectures existed, so those keys stay put.
            let arch: &[u8] = match source {
                AssetSource::LambdaBinary(_, LambdaArchitecture::Arm64) => b"arm64",
                _ => b"",
            };
            for &b in source.kind().as_bytes().iter().chain(source.name().as_bytes()).chain(arch) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
            hex.push_str(&format!("{h:016x}"));
        }
        Ok(Fingerprint { sha256: hex })
    }
}
