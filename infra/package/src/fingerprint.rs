//! Asset fingerprints from the project's files (the I/O half of `sdlf_lake::assets`).
//!
//! A file asset hashes its content. A Lambda package hashes its inputs — every file under
//! `lambdas/` (except build output), the workspace's `Cargo.toml` (profiles) and `Cargo.lock`
//! (dependency versions), plus the binary's name — because it is built only at deploy time
//! (see [`crate::build`]): `synth` and `diff` must not compile, and a binary's bytes depend
//! on the toolchain while its inputs do not.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sdlf_lake::LambdaArchitecture;
use sdlf_lake::assets::{AssetError, AssetSource, Fingerprint, Fingerprints};
use sha2::{Digest, Sha256};

/// Directory of the functions' crates, relative to the repository root.
pub const LAMBDAS_DIR: &str = "lambdas";
/// Files of the workspace root that shape every build.
const WORKSPACE_FILES: [&str; 2] = ["Cargo.toml", "Cargo.lock"];

pub struct RepoFingerprints {
    root: PathBuf,
    cache: Mutex<BTreeMap<AssetSource, Fingerprint>>,
}

impl RepoFingerprints {
    pub fn new(root: impl Into<PathBuf>) -> RepoFingerprints {
        RepoFingerprints { root: root.into(), cache: Mutex::new(BTreeMap::new()) }
    }

    fn compute(&self, source: &AssetSource) -> Result<Fingerprint, AssetError> {
        let error = |problem: String| AssetError { asset: source.clone(), problem };
        match source {
            AssetSource::File(path) => {
                let full = self.root.join(path);
                let bytes = std::fs::read(&full).map_err(|e| {
                    error(format!("{} ({e}); create it or fix the path in the lake definition", full.display()))
                })?;
                Ok(Fingerprint { sha256: hex(&Sha256::digest(&bytes)) })
            }
            AssetSource::LambdaBinary(name, architecture) => {
                // x86_64 hashes as before architectures existed, so its keys stay put.
                let arch = (*architecture != LambdaArchitecture::X86_64).then(|| architecture.as_str());
                self.binary_inputs(b"lambda-binary\0", name, arch).map_err(error)
            }
            AssetSource::HostBinary(name) => self.binary_inputs(b"host-binary\0", name, None).map_err(error),
        }
    }

    /// The hash of what a binary is built from: `tag`, its name, its architecture (when not
    /// the default), every file under `lambdas/`, the workspace's manifest and lock file.
    fn binary_inputs(&self, tag: &[u8], name: &str, architecture: Option<&str>) -> Result<Fingerprint, String> {
        let dir = self.root.join(LAMBDAS_DIR);
        let mut hasher = Sha256::new();
        hasher.update(tag);
        hasher.update(name.as_bytes());
        if let Some(architecture) = architecture {
            hasher.update(b"\0");
            hasher.update(architecture.as_bytes());
        }
        let mut files = Vec::new();
        collect_files(&dir, &mut files).map_err(|e| format!("{}: {e}", dir.display()))?;
        files.extend(WORKSPACE_FILES.iter().map(|f| self.root.join(f)));
        files.sort();
        for file in files {
            let relative = file.strip_prefix(&self.root).unwrap_or(&file);
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            hasher.update(b"\0");
            hasher.update(relative.to_string_lossy().replace('\\', "/").as_bytes());
            hasher.update(b"\0");
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
        }
        Ok(Fingerprint { sha256: hex(&hasher.finalize()) })
    }
}

impl Fingerprints for RepoFingerprints {
    fn fingerprint(&self, source: &AssetSource) -> Result<Fingerprint, AssetError> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still valid.
        if let Some(f) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(source) {
            return Ok(f.clone());
        }
        let f = self.compute(source)?;
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).insert(source.clone(), f.clone());
        Ok(f)
    }
}

/// Every file under `dir`, skipping build output and hidden entries.
fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_addressed_by_its_content() {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path().to_path_buf();
        std::fs::write(root.join("job.py"), "print('a')\n").unwrap();
        let f = RepoFingerprints::new(&root).fingerprint(&AssetSource::file("job.py")).unwrap();
        // `printf "print('a')\n" | sha256sum`
        assert_eq!(f.sha256, "62bdb208de6dc6b169a467f646f50ca39e6c203fa6f6732431624d8dec1e77fb");
        std::fs::write(root.join("job.py"), "print('b')\n").unwrap();
        let g = RepoFingerprints::new(&root).fingerprint(&AssetSource::file("job.py")).unwrap();
        assert_ne!(f.sha256, g.sha256);
    }

    #[test]
    fn a_missing_file_says_which_and_what_to_do() {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path().to_path_buf();
        let e = RepoFingerprints::new(&root).fingerprint(&AssetSource::file("pipelines/glue/x.py")).unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("file `pipelines/glue/x.py` cannot be read: "), "{text}");
        assert!(text.ends_with("create it or fix the path in the lake definition"), "{text}");
    }

    #[test]
    fn lambda_binaries_change_with_their_sources_and_ignore_build_output() {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path().to_path_buf();
        let lambdas = root.join(LAMBDAS_DIR);
        std::fs::create_dir_all(lambdas.join("src")).unwrap();
        std::fs::create_dir_all(lambdas.join("target")).unwrap();
        std::fs::write(root.join("Cargo.toml"), "[workspace]\n").unwrap();
        std::fs::write(root.join("Cargo.lock"), "version = 4\n").unwrap();
        std::fs::write(lambdas.join("src/main.rs"), "fn main() {}\n").unwrap();
        let fp = |name: &str| {
            RepoFingerprints::new(&root).fingerprint(&AssetSource::lambda(name, LambdaArchitecture::X86_64)).unwrap()
        };
        let first = fp("catalog");
        assert_ne!(first, fp("routing"), "each binary has its own key");
        let arm = RepoFingerprints::new(&root).fingerprint(&AssetSource::lambda("catalog", LambdaArchitecture::Arm64));
        assert_ne!(first, arm.unwrap(), "each architecture has its own key");
        std::fs::write(lambdas.join("target/junk"), "build output").unwrap();
        assert_eq!(first, fp("catalog"), "build output does not count");
        std::fs::write(lambdas.join("src/main.rs"), "fn main() { }\n").unwrap();
        assert_ne!(first, fp("catalog"), "a source change gives a new key");
        let second = fp("catalog");
        std::fs::write(root.join("Cargo.lock"), "version = 4\n# another dependency\n").unwrap();
        assert_ne!(second, fp("catalog"), "a dependency change gives a new key");
    }
}
