//! GitHub: a pull request's conversation comments are its issue's comments.

use std::fmt;

use sdlf_cicd::review::{Comment, CommentError, PullRequestComments};
use serde_json::{Value, json};

use crate::rest::Rest;

/// GitHub's API unless `--api-url` says otherwise (GitHub Enterprise, a test's fake).
pub const API: &str = "https://api.github.com";
/// Comments per page when listing: GitHub's largest.
const PAGE: usize = 100;

/// One pull request of a repository.
pub struct GitHub {
    rest: Rest,
    repository: String,
    number: u64,
}

impl fmt::Debug for GitHub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitHub")
            .field("api", &self.rest.api)
            .field("repository", &self.repository)
            .field("number", &self.number)
            .finish()
    }
}

impl GitHub {
    /// Pull request `number` of `repository` (`owner/name`) at `api`.
    pub fn new(api: &str, repository: &str, number: u64, token: String) -> GitHub {
        let headers = vec![
            ("Authorization", format!("Bearer {token}")),
            ("Accept", "application/vnd.github+json".to_owned()),
            ("X-GitHub-Api-Version", "2022-11-28".to_owned()),
            ("User-Agent", "sdlf".to_owned()),
        ];
        GitHub { rest: Rest::new(api, headers), repository: repository.to_owned(), number }
    }

    fn error(&self, operation: &'static str, message: String) -> CommentError {
        CommentError { pull_request: self.pull_request(), operation, message }
    }

    /// One request; its JSON answer, or an error that says what the status means here.
    fn call(
        &self,
        operation: &'static str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, CommentError> {
        let (status, answer) = self.request(operation, method, path, body)?;
        if (200..300).contains(&status) {
            return Ok(answer);
        }
        let said = answer["message"].as_str().unwrap_or("no message").to_owned();
        Err(self.error(operation, explain(status, &said, &self.repository)))
    }

    fn request(
        &self,
        operation: &'static str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<(u16, Value), CommentError> {
        self.rest.request(method, path, body).map_err(|e| self.error(operation, e))
    }
}

/// What an error status means for the plan comment, and what to do.
fn explain(status: u16, said: &str, repository: &str) -> String {
    match status {
        401 => format!("GitHub refused the token (401: {said}); check the token secret named in the lake definition"),
        403 => format!(
            "the token may not comment here (403: {said}); it needs write access to the pull requests of {repository}"
        ),
        404 => format!(
            "not found (404: {said}); check the repository and the pull request number, and that the token can see \
             {repository}"
        ),
        422 => format!("GitHub rejected the comment (422: {said}); a body over 65,536 characters is one cause"),
        other => format!("GitHub answered {other}: {said}"),
    }
}

fn comment(value: &Value) -> Option<Comment> {
    Some(Comment {
        id: value["id"].as_u64()?.to_string(),
        body: value["body"].as_str().unwrap_or_default().to_owned(),
        author: value["user"]["login"].as_str().map(str::to_owned),
    })
}

impl PullRequestComments for GitHub {
    fn pull_request(&self) -> String {
        format!("{}#{}", self.repository, self.number)
    }

    /// The token's user. A GitHub App's installation token may not ask (403): then `None`.
    async fn poster(&self) -> Result<Option<String>, CommentError> {
        let operation = "finding who the token posts as";
        match self.request(operation, "GET", "/user", None)? {
            (200, user) => Ok(user["login"].as_str().map(str::to_owned)),
            (403 | 404, _) => Ok(None),
            (status, answer) => {
                let said = answer["message"].as_str().unwrap_or("no message");
                Err(self.error(operation, explain(status, said, &self.repository)))
            }
        }
    }

    async fn comments(&self) -> Result<Vec<Comment>, CommentError> {
        let mut all = Vec::new();
        for page in 1.. {
            let path =
                format!("/repos/{}/issues/{}/comments?per_page={PAGE}&page={page}", self.repository, self.number);
            let answer = self.call("listing the comments", "GET", &path, None)?;
            let items = answer.as_array().map(Vec::as_slice).unwrap_or_default();
            all.extend(items.iter().filter_map(comment));
            if items.len() < PAGE {
                break;
            }
        }
        Ok(all)
    }

    async fn create(&self, body: &str) -> Result<String, CommentError> {
        let path = format!("/repos/{}/issues/{}/comments", self.repository, self.number);
        let answer = self.call("creating the plan comment", "POST", &path, Some(json!({ "body": body })))?;
        comment(&answer)
            .map(|c| c.id)
            .ok_or_else(|| self.error("creating the plan comment", "no comment id in GitHub's answer".into()))
    }

    async fn update(&self, id: &str, body: &str) -> Result<(), CommentError> {
        let path = format!("/repos/{}/issues/comments/{id}", self.repository);
        self.call("updating the plan comment", "PATCH", &path, Some(json!({ "body": body }))).map(|_| ())
    }
}
