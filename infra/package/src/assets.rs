//! The bytes of each asset, for the deploy's upload: a file as it is, a function as its
//! package (built once per fingerprint).

use std::path::PathBuf;
use std::sync::Mutex;

use sdlf_lake::assets::{Asset, AssetSource};

use crate::PackageError;

/// Asset bytes from the project at `root`.
pub struct RepoAssets {
    root: PathBuf,
    /// Serializes package builds: two stacks needing the same package build it once.
    building: Mutex<()>,
}

impl RepoAssets {
    pub fn new(root: impl Into<PathBuf>) -> RepoAssets {
        RepoAssets { root: root.into(), building: Mutex::new(()) }
    }

    /// The bytes of `asset`.
    pub fn read(&self, asset: &Asset) -> Result<Vec<u8>, PackageError> {
        match &asset.source {
            AssetSource::File(path) => {
                let full = self.root.join(path);
                std::fs::read(&full).map_err(|e| PackageError::io(&full, e))
            }
            AssetSource::LambdaBinary(name, architecture) => {
                let _one_build_at_a_time = self.building.lock().unwrap_or_else(|p| p.into_inner());
                crate::build::package(&self.root, name, *architecture, &asset.fingerprint.sha256)
            }
            AssetSource::HostBinary(name) => {
                let _one_build_at_a_time = self.building.lock().unwrap_or_else(|p| p.into_inner());
                crate::build::package_host(&self.root, name, &asset.fingerprint.sha256)
            }
        }
    }
}

impl sdlf_deploy::engine::deploy::AssetBytes for RepoAssets {
    fn bytes(&self, asset: &Asset) -> Result<Vec<u8>, String> {
        self.read(asset).map_err(|e| e.to_string())
    }
}
