//! A pull request simulated on this machine: `bootstrap run-local --pull-request BRANCH` runs
//! the review build on it, and its comments are one JSON file, so a reviewer (or a test) reads
//! the comment the review would post, and a second run updates it as a provider would.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Comment, CommentError, PullRequestComments};

/// Who posts on a simulated pull request.
pub const POSTER: &str = "sdlf-review";
/// The file of a pull request's comments, in its directory.
pub const COMMENTS_FILE: &str = "comments.json";

/// Pull request `id` of the simulated repository at `dir`: its comments are in
/// `dir/id/comments.json`.
#[derive(Debug, Clone)]
pub struct LocalPullRequest {
    dir: PathBuf,
    id: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    id: String,
    author: String,
    body: String,
}

impl LocalPullRequest {
    pub fn new(repository: &Path, id: &str) -> LocalPullRequest {
        LocalPullRequest { dir: repository.join(id), id: id.to_owned() }
    }

    /// Where the comments are.
    pub fn comments_file(&self) -> PathBuf {
        self.dir.join(COMMENTS_FILE)
    }

    fn error(&self, operation: &'static str, e: impl std::fmt::Display) -> CommentError {
        CommentError {
            pull_request: self.pull_request(),
            operation,
            message: format!("{}: {e}", self.comments_file().display()),
        }
    }

    fn load(&self, operation: &'static str) -> Result<Vec<Stored>, CommentError> {
        match std::fs::read_to_string(self.comments_file()) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| self.error(operation, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(self.error(operation, e)),
        }
    }

    fn save(&self, operation: &'static str, comments: &[Stored]) -> Result<(), CommentError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| self.error(operation, e))?;
        let text = serde_json::to_string_pretty(comments).expect("plain data") + "\n";
        std::fs::write(self.comments_file(), text).map_err(|e| self.error(operation, e))
    }
}

impl PullRequestComments for LocalPullRequest {
    fn pull_request(&self) -> String {
        format!("simulated pull request {}", self.id)
    }

    async fn poster(&self) -> Result<Option<String>, CommentError> {
        Ok(Some(POSTER.to_owned()))
    }

    async fn comments(&self) -> Result<Vec<Comment>, CommentError> {
        let stored = self.load("listing the comments")?;
        Ok(stored.into_iter().map(|c| Comment { id: c.id, body: c.body, author: Some(c.author) }).collect())
    }

    async fn create(&self, body: &str) -> Result<String, CommentError> {
        let operation = "creating the plan comment";
        let mut comments = self.load(operation)?;
        let id = (comments.len() + 1).to_string();
        comments.push(Stored { id: id.clone(), author: POSTER.to_owned(), body: body.to_owned() });
        self.save(operation, &comments)?;
        Ok(id)
    }

    async fn update(&self, id: &str, body: &str) -> Result<(), CommentError> {
        let operation = "updating the plan comment";
        let mut comments = self.load(operation)?;
        let comment =
            comments.iter_mut().find(|c| c.id == id).ok_or_else(|| self.error(operation, "no such comment"))?;
        comment.body = body.to_owned();
        self.save(operation, &comments)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::{MARKER, Posted, post_plan};

    #[tokio::test]
    async fn comments_live_in_a_file_and_the_plan_comment_is_updated_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let pr = LocalPullRequest::new(dir.path(), "feature-x");
        pr.create("first!").await.unwrap();
        assert_eq!(post_plan(&pr, "plan 1").await.unwrap(), Posted::Created("2".into()));
        // A second handle reads what the first wrote: the file is the pull request.
        let again = LocalPullRequest::new(dir.path(), "feature-x");
        assert_eq!(post_plan(&again, "plan 2").await.unwrap(), Posted::Updated("2".into()));
        let comments = again.comments().await.unwrap();
        assert_eq!(comments.len(), 2);
        assert_eq!(comments[1].body, format!("{MARKER}\nplan 2"));
        assert!(again.comments_file().ends_with("feature-x/comments.json"));
    }

    #[tokio::test]
    async fn a_damaged_file_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let pr = LocalPullRequest::new(dir.path(), "1");
        std::fs::create_dir_all(dir.path().join("1")).unwrap();
        std::fs::write(pr.comments_file(), "not json").unwrap();
        let e = post_plan(&pr, "plan").await.unwrap_err();
        assert!(e.to_string().starts_with("simulated pull request 1: listing the comments failed: "), "{e}");
        assert!(e.to_string().contains("comments.json"), "{e}");
    }
}
