//! `cache`: directories kept from one build to the next, in a directory the caller gives.
//!
//! CodeBuild restores the cache before the build and stores it after. Here both are a rename:
//! `target/` directories are gigabytes, and the cache sits on the same filesystem as the
//! source, so moving is instant where copying would take minutes. A rename cannot cross
//! filesystems; that is reported as such rather than silently falling back to a copy.
//!
//! A cache path names the directory (or file) before its first glob segment: `target/**/*` is
//! `target`. Like CodeBuild's local custom cache ("cached items override source items if they
//! have the same name", user guide, "Build caching"), a restored entry replaces what the
//! source has at that path.
//!
//! The cache is saved whether the build succeeded or failed: the guide puts no condition on
//! storing it, and since restoring moved the directory out of the cache, not saving it back
//! would throw the cache away.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::buildspec::Cache;

use super::RunnerError;
use super::artifacts::relative;

pub(super) struct CachePlan {
    source_dir: PathBuf,
    cache_dir: PathBuf,
    /// Paths relative to both directories, none inside another.
    entries: Vec<PathBuf>,
}

impl CachePlan {
    /// The entries of `spec` kept in `cache_dir`; `None` without a cache directory.
    pub(super) fn new(
        spec: Option<&Cache>,
        source_dir: &Path,
        cache_dir: Option<&Path>,
    ) -> Result<Option<CachePlan>, RunnerError> {
        let (Some(spec), Some(cache_dir)) = (spec, cache_dir) else { return Ok(None) };
        let mut entries = Vec::new();
        for path in &spec.paths {
            // An absolute path (`/root/.cargo/registry/**/*`) is a directory of the build
            // image, not of the source. Locally it is this host's own directory (its cargo
            // home), already shared by every build, so there is nothing to restore or save.
            if path.starts_with('/') || path.starts_with('~') {
                continue;
            }
            let rel = relative("cache path", path)?;
            let entry: PathBuf = rel.iter().take_while(|s| !s.to_string_lossy().contains(['*', '?'])).collect();
            if entry.as_os_str().is_empty() {
                return Err(RunnerError::InvalidPath {
                    what: "cache path (it must name a directory)",
                    path: path.clone(),
                });
            }
            entries.push(entry);
        }
        entries.sort();
        entries.dedup();
        let mut kept: Vec<PathBuf> = Vec::new();
        for entry in entries {
            if !kept.iter().any(|k| entry.starts_with(k)) {
                kept.push(entry);
            }
        }
        Ok(Some(CachePlan { source_dir: source_dir.to_path_buf(), cache_dir: cache_dir.to_path_buf(), entries: kept }))
    }

    /// Moves the cached entries into the source directory. On an error the entries already
    /// moved are put back, so the cache is never left half in the source.
    pub(super) fn restore(&self) -> Result<(), RunnerError> {
        for (i, entry) in self.entries.iter().enumerate() {
            if let Err(e) = move_entry(&self.cache_dir.join(entry), &self.source_dir.join(entry)) {
                for done in &self.entries[..i] {
                    let _ = move_entry(&self.source_dir.join(done), &self.cache_dir.join(done));
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// Moves the entries the build left in the source directory into the cache.
    pub(super) fn save(&self) -> Result<(), RunnerError> {
        let mut first_error = None;
        for entry in &self.entries {
            if let Err(e) = move_entry(&self.source_dir.join(entry), &self.cache_dir.join(entry)) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Renames `from` to `to`, replacing `to`; nothing to do when `from` does not exist.
fn move_entry(from: &Path, to: &Path) -> Result<(), RunnerError> {
    if fs::symlink_metadata(from).is_err() {
        return Ok(());
    }
    let cache_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RunnerError::Cache { path, source }
    };
    match fs::symlink_metadata(to) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(to).map_err(cache_error(to))?,
        Ok(_) => fs::remove_file(to).map_err(cache_error(to))?,
        Err(_) => {}
    }
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(cache_error(parent))?;
    }
    fs::rename(from, to).map_err(|source| {
        let (from, to) = (from.to_path_buf(), to.to_path_buf());
        if source.kind() == io::ErrorKind::CrossesDevices {
            RunnerError::CacheCrossesFilesystems { from, to }
        } else {
            RunnerError::CacheRename { from, to, source }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(paths: &[&str]) -> Result<Vec<PathBuf>, RunnerError> {
        let spec = Cache { paths: paths.iter().map(|p| p.to_string()).collect() };
        Ok(CachePlan::new(Some(&spec), Path::new("/src"), Some(Path::new("/cache")))?.unwrap().entries)
    }

    #[test]
    fn a_cache_path_names_the_directory_before_its_glob() {
        let got = entries(&["target/**/*", "target/debug/*", "/root/.cargo/registry/**/*", "node_modules/"]).unwrap();
        assert_eq!(got, [PathBuf::from("node_modules"), PathBuf::from("target")]);
    }

    #[test]
    fn a_cache_path_of_everything_or_outside_the_source_is_refused() {
        assert!(entries(&["**/*"]).is_err());
        assert!(entries(&["../elsewhere/**/*"]).is_err());
    }
}
