//! The first commit of a new CodeCommit repository, made through the CodeCommit API: the
//! working tree's tracked files, in as few `CreateCommit` calls as the API's quotas allow,
//! each commit the parent of the next. A repository that has commits is never written.

use std::fmt::Write as _;
use std::future::Future;
use std::path::Path;
use std::process::Command;

use sdlf_deploy::api::ApiError;

/// One file of the tree, as CreateCommit's `PutFileEntry` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    pub bytes: Vec<u8>,
    /// CodeCommit's EXECUTABLE file mode (else NORMAL).
    pub executable: bool,
}

/// What one CreateCommit call may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    pub file_bytes: usize,
    /// All files of one call together; also what one folder's changes may add up to.
    pub commit_bytes: usize,
    pub files_per_commit: usize,
    pub path_chars: usize,
    pub depth: usize,
}

impl Quotas {
    /// CodeCommit's own numbers.
    pub const CODECOMMIT: Quotas = Quotas {
        // FileContentSizeLimitExceededException: "the maximum file size is 6 MB".
        file_bytes: 6 * 1024 * 1024,
        // The same exception allows 7 MB of combined changes, but
        // FolderContentSizeLimitExceededException refuses a commit whose changes make any
        // folder (the root included) exceed 6 MB: 6 MB per call keeps within both.
        commit_bytes: 6 * 1024 * 1024,
        // MaximumFileEntriesExceededException; the quotas page gives 100 files per commit
        // made through the console or the API.
        files_per_commit: 100,
        // The quotas page: file paths up to 4,096 characters, folders 20 levels deep.
        path_chars: 4096,
        depth: 20,
    };
}

/// The files of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub files: Vec<FileEntry>,
}

impl Batch {
    pub fn bytes(&self) -> usize {
        self.files.iter().map(|f| f.bytes.len()).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    #[error(
        "{} cannot go through the CodeCommit API ({}); nothing was written. Push with git instead:\n{git}",
        .files.iter().map(|(p, why)| format!("{p}: {why}")).collect::<Vec<_>>().join("; "),
        "its quotas: 6 MB per file, 4,096-character paths, 20 folders deep"
    )]
    TooLarge { files: Vec<(String, String)>, git: String },
    #[error("repository {repository} already has commits, so bootstrap does not write to it. Push with git:\n{git}")]
    NotEmpty { repository: String, git: String },
    #[error("the tree to push has no files")]
    NoFiles,
    #[error("reading the files git tracks in {dir}: {problem}")]
    Tree { dir: String, problem: String },
    #[error("{0}")]
    Api(#[from] ApiError),
}

/// The git commands that push the checkout to `clone_url` instead.
pub fn git_commands(clone_url: &str, branch: &str) -> String {
    format!("  git remote add codecommit {clone_url}\n  git push codecommit HEAD:{branch}")
}

/// Checks every file against the quotas, then packs them, sorted by path, into batches.
pub fn plan(mut files: Vec<FileEntry>, quotas: &Quotas, git: &str) -> Result<Vec<Batch>, PushError> {
    if files.is_empty() {
        return Err(PushError::NoFiles);
    }
    let offenders: Vec<(String, String)> = files
        .iter()
        .filter_map(|f| {
            let mut why = String::new();
            if f.bytes.len() > quotas.file_bytes {
                let _ = write!(why, "{} bytes, over {}", f.bytes.len(), quotas.file_bytes);
            }
            if f.path.chars().count() > quotas.path_chars {
                let _ = write!(
                    why,
                    "{}a path over {} characters",
                    if why.is_empty() { "" } else { ", " },
                    quotas.path_chars
                );
            }
            if f.path.matches('/').count() > quotas.depth {
                let _ =
                    write!(why, "{}more than {} folders deep", if why.is_empty() { "" } else { ", " }, quotas.depth);
            }
            (!why.is_empty()).then(|| (f.path.clone(), why))
        })
        .collect();
    if !offenders.is_empty() {
        return Err(PushError::TooLarge { files: offenders, git: git.to_owned() });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut batches = vec![Batch { files: Vec::new() }];
    for file in files {
        let last = batches.last_mut().expect("one batch at least");
        let full = last.files.len() == quotas.files_per_commit || last.bytes() + file.bytes.len() > quotas.commit_bytes;
        if full {
            batches.push(Batch { files: vec![file] });
        } else {
            last.files.push(file);
        }
    }
    Ok(batches)
}

/// CodeCommit, as the first push uses it.
pub trait Repository: Sync {
    /// Whether the repository has any commit (any branch).
    fn has_commits(&self, repository: &str) -> impl Future<Output = Result<bool, ApiError>> + Send;
    /// Creates a commit on `branch` holding `files`; returns its id. `parent` is `None` only
    /// for the repository's first commit.
    fn create_commit(
        &self,
        repository: &str,
        branch: &str,
        parent: Option<&str>,
        message: &str,
        files: &[FileEntry],
    ) -> impl Future<Output = Result<String, ApiError>> + Send;
}

/// What the first push made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    pub commits: Vec<String>,
    pub files: usize,
    pub bytes: usize,
}

/// Pushes `files` as the first commits of the empty `repository` (see the module doc).
pub async fn push_initial<R: Repository>(
    repo: &R,
    repository: &str,
    clone_url: &str,
    branch: &str,
    files: Vec<FileEntry>,
    message: &str,
) -> Result<Pushed, PushError> {
    let git = git_commands(clone_url, branch);
    if repo.has_commits(repository).await? {
        return Err(PushError::NotEmpty { repository: repository.to_owned(), git });
    }
    let batches = plan(files, &Quotas::CODECOMMIT, &git)?;
    let mut commits: Vec<String> = Vec::with_capacity(batches.len());
    let (mut count, mut bytes) = (0, 0);
    for (i, batch) in batches.iter().enumerate() {
        let text =
            if batches.len() == 1 { message.to_owned() } else { format!("{message} ({}/{})", i + 1, batches.len()) };
        let id =
            repo.create_commit(repository, branch, commits.last().map(String::as_str), &text, &batch.files).await?;
        commits.push(id);
        count += batch.files.len();
        bytes += batch.bytes();
    }
    Ok(Pushed { commits, files: count, bytes })
}

/// The files git tracks in `root`, as they are in the working tree (`git ls-files`). A
/// symbolic link is refused by name: the first push is meant for the plain files of a lake
/// definition; git handles links.
pub fn tracked_files(root: &Path) -> Result<Vec<FileEntry>, PushError> {
    let tree_error = |problem: String| PushError::Tree { dir: root.display().to_string(), problem };
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "-z"])
        .output()
        .map_err(|e| tree_error(format!("git could not be started: {e}")))?;
    if !out.status.success() {
        return Err(tree_error(format!(
            "git ls-files failed ({}); run bootstrap inside the lake's git checkout",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let mut files = Vec::new();
    for path in out.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let path = String::from_utf8(path.to_vec()).map_err(|_| tree_error("a path is not UTF-8".into()))?;
        let full = root.join(&path);
        let meta = std::fs::symlink_metadata(&full);
        let meta = match meta {
            Ok(m) => m,
            Err(_) => continue, // tracked but deleted in the working tree: not pushed
        };
        if meta.file_type().is_symlink() {
            return Err(tree_error(format!("{path} is a symbolic link; push with git instead")));
        }
        use std::os::unix::fs::PermissionsExt;
        let bytes = std::fs::read(&full).map_err(|e| tree_error(format!("{path}: {e}")))?;
        files.push(FileEntry { path, bytes, executable: meta.permissions().mode() & 0o111 != 0 });
    }
    Ok(files)
}
