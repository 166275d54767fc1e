//! Asset fingerprints from the repository's files (the I/O half of `sdlf_lake::assets`).
//!
//! A file asset hashes its content. A Lambda binary hashes its inputs — every file of the
//! `lambdas/` workspace (except build output) plus the binary's name — because the package is
//! built from them at deploy time and a zip's bytes are not reproducible across machines;
//! the inputs are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sdlf_lake::assets::{AssetError, AssetSource, Fingerprint, Fingerprints};
use sha2::{Digest, Sha256};

/// Directory of the functions' workspace, relative to the repository root.
pub const LAMBDAS_DIR: &str = "lambdas";

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
                Ok(Fingerprint { sha256: hex(&Sha256::digest(&bytes)), placeholder: false })
            }
            AssetSource::LambdaBinary(name) => {
                let dir = self.root.join(LAMBDAS_DIR);
                let mut hasher = Sha256::new();
                hasher.update(b"lambda-binary\0");
                hasher.update(name.as_bytes());
                if !dir.join("Cargo.toml").is_file() {
                    // The functions' workspace does not exist yet: a stable stand-in, flagged.
                    return Ok(Fingerprint { sha256: hex(&hasher.finalize()), placeholder: true });
                }
                let mut files = Vec::new();
                collect_files(&dir, &mut files).map_err(|e| error(format!("{}: {e}", dir.display())))?;
                files.sort();
                for file in files {
                    let relative = file.strip_prefix(&self.root).unwrap_or(&file);
                    let bytes = std::fs::read(&file).map_err(|e| error(format!("{}: {e}", file.display())))?;
                    hasher.update(b"\0");
                    hasher.update(relative.to_string_lossy().replace('\\', "/").as_bytes());
                    hasher.update(b"\0");
                    hasher.update((bytes.len() as u64).to_le_bytes());
                    hasher.update(&bytes);
                }
                Ok(Fingerprint { sha256: hex(&hasher.finalize()), placeholder: false })
            }
        }
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

/// The bytes of each asset, for the deploy's upload.
pub struct RepoAssets {
    root: PathBuf,
    /// Whether a Lambda binary whose sources do not exist yet may be shipped as a stand-in (a
    /// package whose `bootstrap` only says so): allowed for the local emulator, never for an
    /// AWS account.
    stand_ins: bool,
}

impl RepoAssets {
    pub fn new(root: impl Into<PathBuf>, stand_ins: bool) -> RepoAssets {
        RepoAssets { root: root.into(), stand_ins }
    }
}

impl sdlf_deploy::engine::deploy::AssetBytes for RepoAssets {
    fn bytes(&self, asset: &sdlf_lake::assets::Asset) -> Result<Vec<u8>, String> {
        match &asset.source {
            AssetSource::File(path) => {
                let full = self.root.join(path);
                std::fs::read(&full).map_err(|e| format!("{}: {e}", full.display()))
            }
            AssetSource::LambdaBinary(name) if asset.fingerprint.placeholder => {
                if !self.stand_ins {
                    return Err(format!(
                        "the functions in {LAMBDAS_DIR}/ are not written yet, so `{name}` has no package; only the \
                         local environment deploys stand-ins"
                    ));
                }
                let script = format!(
                    "#!/bin/sh\necho 'sdlf: function {name} is a stand-in: the functions in {LAMBDAS_DIR}/ are not \
                     written yet' >&2\nexit 1\n"
                );
                Ok(crate::zip::store(&[crate::zip::Entry {
                    name: "bootstrap",
                    data: script.as_bytes(),
                    executable: true,
                }]))
            }
            AssetSource::LambdaBinary(name) => Err(format!(
                "packaging Lambda binary `{name}` (cargo lambda build) is not part of sdlf yet; it arrives with the \
                 runtime"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sdlf-assets-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_file_is_addressed_by_its_content() {
        let root = scratch("file");
        std::fs::write(root.join("job.py"), "print('a')\n").unwrap();
        let f = RepoFingerprints::new(&root).fingerprint(&AssetSource::file("job.py")).unwrap();
        // `printf "print('a')\n" | sha256sum`
        assert_eq!(f.sha256, "62bdb208de6dc6b169a467f646f50ca39e6c203fa6f6732431624d8dec1e77fb");
        assert!(!f.placeholder);
        std::fs::write(root.join("job.py"), "print('b')\n").unwrap();
        let g = RepoFingerprints::new(&root).fingerprint(&AssetSource::file("job.py")).unwrap();
        assert_ne!(f.sha256, g.sha256);
    }

    #[test]
    fn a_missing_file_says_which_and_what_to_do() {
        let root = scratch("missing");
        let e = RepoFingerprints::new(&root).fingerprint(&AssetSource::file("pipelines/glue/x.py")).unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("file `pipelines/glue/x.py` cannot be read: "), "{text}");
        assert!(text.ends_with("create it or fix the path in the lake definition"), "{text}");
    }

    #[test]
    fn lambda_binaries_without_a_functions_workspace_get_a_flagged_stand_in() {
        let root = scratch("nolambdas");
        let f = RepoFingerprints::new(&root).fingerprint(&AssetSource::lambda("catalog")).unwrap();
        // `printf "lambda-binary\0catalog" | sha256sum`
        assert_eq!(f.sha256, "40a2ce6e11eb370a0098e55354dda7aeb10273e4d0f7c278a6a22e98126e0e15");
        assert!(f.placeholder);
    }

    #[test]
    fn lambda_binaries_change_with_their_sources_and_ignore_build_output() {
        let root = scratch("lambdas");
        let lambdas = root.join(LAMBDAS_DIR);
        std::fs::create_dir_all(lambdas.join("src")).unwrap();
        std::fs::create_dir_all(lambdas.join("target")).unwrap();
        std::fs::write(lambdas.join("Cargo.toml"), "[workspace]\n").unwrap();
        std::fs::write(lambdas.join("src/main.rs"), "fn main() {}\n").unwrap();
        let fp = |name: &str| RepoFingerprints::new(&root).fingerprint(&AssetSource::lambda(name)).unwrap();
        let first = fp("catalog");
        assert!(!first.placeholder);
        assert_ne!(first, fp("routing"), "each binary has its own key");
        std::fs::write(lambdas.join("target/junk"), "build output").unwrap();
        assert_eq!(first, fp("catalog"), "build output does not count");
        std::fs::write(lambdas.join("src/main.rs"), "fn main() { }\n").unwrap();
        assert_ne!(first, fp("catalog"), "a source change gives a new key");
    }
}
