//! The first push into a new CodeCommit repository, against `FakeCodeCommit`: an in-memory
//! CodeCommit that enforces the API's quotas on every CreateCommit. It exists because no
//! emulator implements CreateCommit or GetBranch (MiniStack has no CodeCommit at all; moto
//! answers both with NotImplemented).

use std::process::Command;
use std::sync::Mutex;

use sdlf_cicd::first_commit::{FileEntry, PushError, Quotas, Repository, plan, push_initial, tracked_files};
use sdlf_deploy::api::ApiError;

#[derive(Default)]
struct FakeCodeCommit {
    /// (parent, files) of every commit made, in order.
    commits: Mutex<Vec<(Option<String>, Vec<FileEntry>)>>,
    /// A repository that already has history.
    had_commits: bool,
}

fn refused(message: String) -> ApiError {
    ApiError { operation: "CreateCommit", stack: None, message, ..ApiError::default() }
}

impl Repository for FakeCodeCommit {
    async fn has_commits(&self, _: &str) -> Result<bool, ApiError> {
        Ok(self.had_commits || !self.commits.lock().unwrap().is_empty())
    }

    async fn create_commit(
        &self,
        _: &str,
        _: &str,
        parent: Option<&str>,
        _: &str,
        files: &[FileEntry],
    ) -> Result<String, ApiError> {
        let q = Quotas::CODECOMMIT;
        let mut commits = self.commits.lock().unwrap();
        if files.len() > q.files_per_commit {
            return Err(refused("MaximumFileEntriesExceededException".into()));
        }
        if files.iter().map(|f| f.bytes.len()).sum::<usize>() > q.commit_bytes {
            return Err(refused("FolderContentSizeLimitExceededException".into()));
        }
        if files.iter().any(|f| f.bytes.len() > q.file_bytes) {
            return Err(refused("FileContentSizeLimitExceededException".into()));
        }
        let head = commits.len().checked_sub(1).map(|i| format!("c{i}"));
        if parent.map(str::to_owned) != head {
            return Err(refused(format!("ParentCommitIdOutdatedException: parent {parent:?}, head {head:?}")));
        }
        commits.push((parent.map(str::to_owned), files.to_vec()));
        Ok(format!("c{}", commits.len() - 1))
    }
}

fn file(path: &str, size: usize) -> FileEntry {
    FileEntry { path: path.into(), bytes: vec![b'x'; size], executable: false }
}

const URL: &str = "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/acme-lake";

#[tokio::test]
async fn a_tree_over_one_calls_limits_becomes_a_chain_of_commits_each_within_them() {
    let mut files: Vec<FileEntry> = (0..250).map(|i| file(&format!("src/f{i:03}.rs"), 100)).collect();
    files.extend((0..4).map(|i| file(&format!("data/big{i}.bin"), 2 * 1024 * 1024)));
    let repo = FakeCodeCommit::default();
    let pushed = push_initial(&repo, "acme-lake", URL, "main", files.clone(), "Initial commit").await.unwrap();
    let commits = repo.commits.lock().unwrap();
    assert!(commits.len() >= 4, "250 files need 3 calls by count, 8 MB at least 2 by size: {}", commits.len());
    assert_eq!(pushed.commits.len(), commits.len());
    assert_eq!(commits[0].0, None, "the first commit has no parent");
    for (i, (parent, _)) in commits.iter().enumerate().skip(1) {
        assert_eq!(parent.as_deref(), Some(format!("c{}", i - 1).as_str()), "chained");
    }
    let mut pushed_paths: Vec<String> = commits.iter().flat_map(|(_, f)| f.iter().map(|f| f.path.clone())).collect();
    let mut expected: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    pushed_paths.sort();
    expected.sort();
    assert_eq!(pushed_paths, expected, "every file exactly once");
    assert_eq!(pushed.files, 254);
}

#[tokio::test]
async fn an_oversize_file_is_refused_by_name_before_anything_is_written() {
    let repo = FakeCodeCommit::default();
    let files = vec![file("README.md", 10), file("data/huge.parquet", 7 * 1024 * 1024)];
    let err = push_initial(&repo, "acme-lake", URL, "main", files, "Initial commit").await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, PushError::TooLarge { .. }), "{text}");
    assert!(text.contains("data/huge.parquet: 7340032 bytes, over 6291456"), "{text}");
    assert!(!text.contains("README.md"), "{text}");
    assert!(text.contains(&format!("git remote add codecommit {URL}")), "{text}");
    assert!(repo.commits.lock().unwrap().is_empty());
}

#[test]
fn too_long_and_too_deep_paths_are_refused_by_name() {
    let deep = format!("{}f.txt", "d/".repeat(21));
    let long = "a".repeat(4097);
    let err = plan(vec![file(&deep, 1), file(&long, 1), file("ok.txt", 1)], &Quotas::CODECOMMIT, "git…").unwrap_err();
    let PushError::TooLarge { files, .. } = err else { panic!("{err}") };
    let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, [deep.as_str(), long.as_str()]);
    assert!(files[0].1.contains("more than 20 folders deep"));
    assert!(files[1].1.contains("over 4096 characters"));
}

#[tokio::test]
async fn a_repository_with_commits_is_never_written() {
    let repo = FakeCodeCommit { had_commits: true, ..FakeCodeCommit::default() };
    let err = push_initial(&repo, "acme-lake", URL, "main", vec![file("a", 1)], "Initial commit").await.unwrap_err();
    assert!(matches!(err, PushError::NotEmpty { .. }));
    assert!(err.to_string().contains("git push codecommit HEAD:main"), "{err}");
    assert!(repo.commits.lock().unwrap().is_empty());
}

#[test]
fn plans_are_sorted_and_the_same_for_the_same_tree() {
    let files = vec![file("b", 1), file("a", 1), file("c/d", 1)];
    let one = plan(files.clone(), &Quotas::CODECOMMIT, "").unwrap();
    let mut reversed = files;
    reversed.reverse();
    assert_eq!(one, plan(reversed, &Quotas::CODECOMMIT, "").unwrap());
    let paths: Vec<&str> = one[0].files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["a", "b", "c/d"]);
}

#[test]
fn tracked_files_are_what_git_tracks_with_their_mode() {
    let dir = tempfile::tempdir().unwrap();
    let git =
        |args: &[&str]| assert!(Command::new("git").arg("-C").arg(dir.path()).args(args).status().unwrap().success());
    git(&["init", "-q"]);
    std::fs::write(dir.path().join("README.md"), "lake").unwrap();
    std::fs::create_dir(dir.path().join("tests")).unwrap();
    std::fs::write(dir.path().join("tests/run.sh"), "#!/bin/sh\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path().join("tests/run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    git(&["add", "README.md", "tests/run.sh"]);
    std::fs::write(dir.path().join("untracked.txt"), "not pushed").unwrap();
    let mut files = tracked_files(dir.path()).unwrap();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let seen: Vec<(&str, bool)> = files.iter().map(|f| (f.path.as_str(), f.executable)).collect();
    assert_eq!(seen, [("README.md", false), ("tests/run.sh", true)]);
    assert_eq!(files[0].bytes, b"lake");
    let outside = tempfile::tempdir().unwrap();
    assert!(tracked_files(outside.path()).unwrap_err().to_string().contains("git ls-files failed"));
}
