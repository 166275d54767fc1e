//! `artifacts`: the files of the build handed to the next action, copied into a directory.
//!
//! Patterns are relative to `base-directory`, or to the source directory (never to where a
//! `cd` left the shell). The forms the buildspec reference documents are a file path, `dir/*`
//! (the files directly in `dir`), `dir/**/*` and `**/*` (all files below); within a path
//! segment `*` and `?` match as in a shell. That is all this matcher does: a few lines instead
//! of a glob crate.

use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::buildspec::Artifacts;

use super::RunnerError;

/// What the copy did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Upload {
    /// The files copied, relative to the artifacts directory, in order.
    pub files: Vec<PathBuf>,
    /// The patterns that matched no file.
    pub unmatched: Vec<String>,
}

/// Copies the files `spec` names, keeping their paths relative to the base directory.
pub(super) fn copy(spec: &Artifacts, source_dir: &Path, out_dir: &Path) -> Result<Upload, RunnerError> {
    let base = match &spec.base_directory {
        Some(dir) => source_dir.join(relative("artifacts base-directory", dir)?),
        None => source_dir.to_path_buf(),
    };
    let mut upload = Upload::default();
    let mut found: Vec<PathBuf> = Vec::new();
    for pattern in &spec.files {
        let before = found.len();
        matching(&base, &relative("artifacts file pattern", pattern)?, &mut found)?;
        if found.len() == before {
            upload.unmatched.push(pattern.clone());
        }
    }
    found.sort();
    found.dedup();
    for rel in found {
        let to = out_dir.join(&rel);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(|source| RunnerError::Artifact { path: parent.into(), source })?;
        }
        fs::copy(base.join(&rel), &to).map_err(|source| RunnerError::Artifact { path: base.join(&rel), source })?;
        upload.files.push(rel);
    }
    Ok(upload)
}

/// Adds the files below `base` that `pattern` matches (paths relative to `base`) to `found`.
fn matching(base: &Path, pattern: &Path, found: &mut Vec<PathBuf>) -> Result<(), RunnerError> {
    let segments: Vec<&str> = pattern.iter().filter_map(|s| s.to_str()).collect();
    // Walk only below the literal part of the pattern: `plan/**/*` must not read all of target/.
    let literal = segments.iter().take_while(|s| !is_glob(s)).count();
    let start: PathBuf = segments[..literal].iter().collect();
    if literal == segments.len() {
        if base.join(&start).is_file() {
            found.push(start);
        }
        return Ok(());
    }
    let mut files = Vec::new();
    walk(&base.join(&start), &start, &mut files)?;
    let rest = &segments[literal..];
    for rel in files {
        let tail: Vec<&str> = rel.iter().skip(literal).filter_map(|s| s.to_str()).collect();
        if matches(rest, &tail) {
            found.push(rel);
        }
    }
    Ok(())
}

/// All files below `dir` (not following symbolic links to directories, which could loop).
fn walk(dir: &Path, rel: &Path, files: &mut Vec<PathBuf>) -> Result<(), RunnerError> {
    let Ok(entries) = fs::read_dir(dir) else { return Ok(()) };
    for entry in entries {
        let entry = entry.map_err(|source| RunnerError::Artifact { path: dir.into(), source })?;
        let kind = entry.file_type().map_err(|source| RunnerError::Artifact { path: entry.path(), source })?;
        let rel = rel.join(entry.file_name());
        if kind.is_dir() {
            walk(&entry.path(), &rel, files)?;
        } else if entry.path().is_file() {
            files.push(rel);
        }
    }
    Ok(())
}

fn is_glob(segment: &str) -> bool {
    segment.contains(['*', '?'])
}

/// Whether path segments match pattern segments; `**` stands for any number of segments.
pub(super) fn matches(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| matches(rest, &path[skip..])),
        Some((first, rest)) => {
            path.split_first().is_some_and(|(name, tail)| segment_matches(first, name) && matches(rest, tail))
        }
    }
}

/// One segment: `*` any run of characters, `?` one character, anything else itself.
fn segment_matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    fn go(p: &[char], n: &[char]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some(('*', rest)) => (0..=n.len()).any(|skip| go(rest, &n[skip..])),
            Some(('?', rest)) => !n.is_empty() && go(rest, &n[1..]),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    go(&p, &n)
}

/// `path` as a path inside the source directory: no root, no `..`; `./` prefixes dropped.
pub(super) fn relative(what: &'static str, path: &str) -> Result<PathBuf, RunnerError> {
    let mut out = PathBuf::new();
    for component in Path::new(path).components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return Err(RunnerError::InvalidPath { what, path: path.to_owned() }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, path: &str) -> bool {
        let p: Vec<&str> = pattern.split('/').collect();
        let f: Vec<&str> = path.split('/').collect();
        matches(&p, &f)
    }

    #[test]
    fn double_star_matches_any_depth_and_star_one_segment() {
        assert!(m("**/*", "a"));
        assert!(m("**/*", "a/b/c.txt"));
        assert!(m("dir/**/*", "dir/x"));
        assert!(m("dir/**/*", "dir/x/y"));
        assert!(!m("dir/**/*", "other/x"));
        assert!(m("dir/*", "dir/x"));
        assert!(!m("dir/*", "dir/x/y"), "`dir/*` is the files directly in dir");
        assert!(m("*.json", "plan.json"));
        assert!(!m("*.json", "plan.txt"));
        assert!(m("p?an.json", "plan.json"));
    }

    #[test]
    fn paths_leaving_the_source_directory_are_refused() {
        assert!(relative("x", "../etc/passwd").is_err());
        assert!(relative("x", "/etc/passwd").is_err());
        assert_eq!(relative("x", "./plan/out").unwrap(), PathBuf::from("plan/out"));
    }
}
