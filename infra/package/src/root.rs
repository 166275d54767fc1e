//! The project the command runs in: asset paths, the functions' sources and the pinned tools'
//! scripts are relative to it. Found from the working directory as cargo finds a workspace
//! (the nearest `Cargo.toml` with a `[workspace]` table), never from where the binary was built.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error(
    "no sdlf project in {} or any directory above it (looked for a Cargo.toml with a [workspace] table); \
     run the command inside the project's checkout",
    .start.display()
)]
pub struct NoProject {
    pub start: PathBuf,
}

/// The nearest directory at or above `start` whose `Cargo.toml` declares a workspace.
pub fn find_project_root(start: &Path) -> Result<PathBuf, NoProject> {
    start
        .ancestors()
        .find(|dir| declares_workspace(&dir.join("Cargo.toml")))
        .map(Path::to_path_buf)
        .ok_or_else(|| NoProject { start: start.to_path_buf() })
}

/// Whether the manifest at `path` has a `[workspace]` table (a line of its own, as cargo
/// writes it; a TOML parser would be a dependency for one header).
fn declares_workspace(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_above_a_member_crate_is_the_root() {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path().to_path_buf();
        std::fs::write(root.join("Cargo.toml"), "[workspace]\nmembers = [\"lambdas/core\"]\n").unwrap();
        let member = root.join("lambdas/core/src");
        std::fs::create_dir_all(&member).unwrap();
        std::fs::write(root.join("lambdas/core/Cargo.toml"), "[package]\nname = \"core\"\n").unwrap();
        assert_eq!(find_project_root(&member).unwrap(), root);
        assert_eq!(find_project_root(&root).unwrap(), root);
    }

    #[test]
    fn outside_a_project_the_error_names_the_directory_and_what_to_do() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path().to_path_buf();
        std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"lonely\"\n# [workspace] in a comment\n").unwrap();
        // Everything above the scratch directory (the temp dir) is outside any project too.
        let error = find_project_root(&dir).unwrap_err();
        assert_eq!(error.start, dir);
        let text = error.to_string();
        assert!(text.starts_with(&format!("no sdlf project in {}", dir.display())), "{text}");
        assert!(text.ends_with("run the command inside the project's checkout"), "{text}");
    }
}
