//! The sample files `sdlf local` drops into the raw bucket.

use std::path::{Path, PathBuf};

use crate::LocalError;

/// A sample file and its key in the raw bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub path: PathBuf,
    pub key: String,
}

/// The files under `dir/{team}/{dataset}/` (sorted, so runs upload in the same order).
pub fn sample_files(dir: &Path) -> Result<Vec<Sample>, LocalError> {
    let mut samples = Vec::new();
    for team in sorted_entries(dir)?.into_iter().filter(|p| p.is_dir()) {
        for dataset in sorted_entries(&team)?.into_iter().filter(|p| p.is_dir()) {
            for file in sorted_entries(&dataset)?.into_iter().filter(|p| p.is_file()) {
                let key = format!("{}/{}/{}", file_name(&team), file_name(&dataset), file_name(&file));
                samples.push(Sample { key, path: file });
            }
        }
    }
    if samples.is_empty() {
        return Err(LocalError::NoSamples { dir: dir.to_path_buf() });
    }
    Ok(samples)
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, LocalError> {
    let io = |error| LocalError::Io { path: dir.to_path_buf(), error };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        entries.push(entry.map_err(io)?.path());
    }
    entries.sort();
    Ok(entries)
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_keyed_by_team_and_dataset_in_sorted_order() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path().to_path_buf();
        for (path, body) in [("eng/b/2.csv", "x"), ("eng/b/1.csv", "y"), ("eng/a/z.json", "{}"), ("loose.txt", "")] {
            std::fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
            std::fs::write(dir.join(path), body).unwrap();
        }
        let keys: Vec<String> = sample_files(&dir).unwrap().into_iter().map(|s| s.key).collect();
        assert_eq!(
            keys,
            ["eng/a/z.json", "eng/b/1.csv", "eng/b/2.csv"],
            "files outside {{team}}/{{dataset}}/ are left out"
        );
    }

    #[test]
    fn no_samples_is_an_error_that_says_where_it_looked() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path().to_path_buf();
        std::fs::create_dir_all(dir.join("eng/a")).unwrap();
        let error = sample_files(&dir).unwrap_err();
        assert!(matches!(&error, LocalError::NoSamples { dir: d } if *d == dir), "{error}");
        assert!(matches!(sample_files(&dir.join("missing")), Err(LocalError::Io { .. })));
    }
}
