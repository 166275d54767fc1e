//! Makes a directory hold exactly a commit's files, touching only what differs.
//!
//! Why not a fresh copy per build, as CodeBuild does: cargo decides what to rebuild from file
//! modification times and bakes the source path into what it builds (`CARGO_MANIFEST_DIR`).
//! A fresh directory per run would either rebuild everything or reuse artifacts that point at
//! a directory that is gone. One stable directory, where an unchanged file keeps its time and
//! a changed file gets a new one, makes the shared build cache exact.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

/// Makes `dest` hold the files of `from`: changed and new files are written (with a new
/// modification time), identical ones left alone, others removed — except the top-level
/// entries named in `keep` (the build cache's directories).
pub fn sync(from: &Path, dest: &Path, keep: &[&str]) -> io::Result<usize> {
    std::fs::create_dir_all(dest)?;
    let wanted = files(from, Path::new(""))?;
    let mut written = 0;
    for rel in &wanted {
        let (src, dst) = (from.join(rel), dest.join(rel));
        let src_meta = std::fs::symlink_metadata(&src)?;
        if src_meta.file_type().is_symlink() {
            let target = std::fs::read_link(&src)?;
            if std::fs::read_link(&dst).ok().as_ref() != Some(&target) {
                let _ = std::fs::remove_file(&dst);
                std::os::unix::fs::symlink(&target, &dst)?;
                written += 1;
            }
            continue;
        }
        let same = std::fs::read(&dst).is_ok_and(|old| old == std::fs::read(&src).unwrap_or_default());
        if !same {
            if let Some(parent) = dst.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let _ = std::fs::remove_file(&dst);
            std::fs::copy(&src, &dst)?;
            written += 1;
        } else {
            // Same bytes; the mode may still differ (a script made executable).
            std::fs::set_permissions(&dst, src_meta.permissions())?;
        }
    }
    remove_others(dest, Path::new(""), &wanted, keep)?;
    Ok(written)
}

/// Every file (and symlink) below `root`, relative to it.
fn files(root: &Path, rel: &Path) -> io::Result<BTreeSet<PathBuf>> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(root.join(rel))? {
        let entry = entry?;
        let path = rel.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            out.extend(files(root, &path)?);
        } else {
            out.insert(path);
        }
    }
    Ok(out)
}

fn remove_others(root: &Path, rel: &Path, wanted: &BTreeSet<PathBuf>, keep: &[&str]) -> io::Result<()> {
    for entry in std::fs::read_dir(root.join(rel))? {
        let entry = entry?;
        let path = rel.join(entry.file_name());
        if rel.as_os_str().is_empty() && keep.iter().any(|k| entry.file_name() == *k) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            if wanted.iter().any(|w| w.starts_with(&path)) {
                remove_others(root, &path, wanted, keep)?;
            } else {
                std::fs::remove_dir_all(root.join(&path))?;
            }
        } else if !wanted.contains(&path) {
            std::fs::remove_file(root.join(&path))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(p: &Path, text: &str) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn only_what_differs_is_written_and_what_is_gone_is_removed_but_kept_directories_stay() {
        let dir = tempfile::tempdir().unwrap();
        let (from, dest) = (dir.path().join("from"), dir.path().join("dest"));
        write(&from.join("a.txt"), "a");
        write(&from.join("src/b.rs"), "b");
        assert_eq!(sync(&from, &dest, &["target"]).unwrap(), 2);
        let before = std::fs::metadata(dest.join("a.txt")).unwrap().modified().unwrap();
        write(&dest.join("target/debug/x"), "build output");
        write(&dest.join("plan/dev.json"), "an earlier build's output");

        write(&from.join("src/b.rs"), "b2");
        std::fs::remove_file(from.join("a.txt")).unwrap();
        write(&from.join("c.txt"), "c");
        assert_eq!(sync(&from, &dest, &["target"]).unwrap(), 2, "b.rs changed, c.txt new");
        assert!(!dest.join("a.txt").exists() && !dest.join("plan").exists());
        assert_eq!(std::fs::read_to_string(dest.join("src/b.rs")).unwrap(), "b2");
        assert!(dest.join("target/debug/x").exists(), "kept");

        write(&from.join("a.txt"), "a");
        sync(&from, &dest, &["target"]).unwrap();
        let unchanged_again = sync(&from, &dest, &["target"]).unwrap();
        assert_eq!(unchanged_again, 0);
        let _ = before;
    }
}
