//! GitLab: a merge request's comments are its notes (the system's own notes left out).

use std::fmt;

use sdlf_cicd::review::{Comment, CommentError, PullRequestComments};
use serde_json::{Value, json};

use crate::rest::Rest;

/// GitLab.com's API unless `--api-url` says otherwise (a self-managed instance, a test's fake).
pub const GITLAB_API: &str = "https://gitlab.com/api/v4";
/// Notes per page when listing: GitLab's largest.
const PAGE: usize = 100;

/// One merge request of a project.
pub struct GitLab {
    rest: Rest,
    project: String,
    iid: u64,
}

impl fmt::Debug for GitLab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitLab")
            .field("api", &self.rest.api)
            .field("project", &self.project)
            .field("iid", &self.iid)
            .finish()
    }
}

impl GitLab {
    /// Merge request `iid` of `project` (`group[/subgroup...]/name`) at `api`.
    pub fn new(api: &str, project: &str, iid: u64, token: String) -> GitLab {
        let headers = vec![("PRIVATE-TOKEN", token), ("User-Agent", "sdlf".to_owned())];
        GitLab { rest: Rest::new(api, headers), project: project.to_owned(), iid }
    }

    fn error(&self, operation: &'static str, message: String) -> CommentError {
        CommentError { pull_request: self.pull_request(), operation, message }
    }

    /// `/projects/group%2Fname/merge_requests/12/notes`: the project's path is its id.
    fn notes_path(&self) -> String {
        format!("/projects/{}/merge_requests/{}/notes", encode(&self.project), self.iid)
    }

    fn call(
        &self,
        operation: &'static str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, CommentError> {
        let (status, answer) = self.rest.request(method, path, body).map_err(|e| self.error(operation, e))?;
        if (200..300).contains(&status) {
            return Ok(answer);
        }
        Err(self.error(operation, explain(status, &said(&answer), &self.project)))
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// GitLab's error text: `message` (a string, or a map of field errors) or `error`.
fn said(answer: &Value) -> String {
    match (&answer["message"], &answer["error"]) {
        (Value::String(m), _) | (_, Value::String(m)) => m.clone(),
        (Value::Null, _) => "no message".to_owned(),
        (other, _) => other.to_string(),
    }
}

fn explain(status: u16, said: &str, project: &str) -> String {
    match status {
        401 => format!("GitLab refused the token (401: {said}); check the token secret named in the lake definition"),
        403 => format!(
            "the token may not comment here (403: {said}); it needs the api scope and Reporter access to {project}"
        ),
        404 => format!(
            "not found (404: {said}); check the project path and the merge request number, and that the token can see {project}"
        ),
        400 | 422 => {
            format!("GitLab rejected the note ({status}: {said}); a body over 1,000,000 characters is one cause")
        }
        other => format!("GitLab answered {other}: {said}"),
    }
}

fn note(value: &Value) -> Option<Comment> {
    if value["system"].as_bool() == Some(true) {
        return None;
    }
    Some(Comment {
        id: value["id"].as_u64()?.to_string(),
        body: value["body"].as_str().unwrap_or_default().to_owned(),
        author: value["author"]["username"].as_str().map(str::to_owned),
    })
}

impl PullRequestComments for GitLab {
    fn pull_request(&self) -> String {
        format!("{}!{}", self.project, self.iid)
    }

    async fn poster(&self) -> Result<Option<String>, CommentError> {
        let user = self.call("finding who the token posts as", "GET", "/user", None)?;
        Ok(user["username"].as_str().map(str::to_owned))
    }

    async fn comments(&self) -> Result<Vec<Comment>, CommentError> {
        let mut all = Vec::new();
        for page in 1.. {
            let path = format!("{}?sort=asc&order_by=created_at&per_page={PAGE}&page={page}", self.notes_path());
            let answer = self.call("listing the notes", "GET", &path, None)?;
            let items = answer.as_array().map(Vec::as_slice).unwrap_or_default();
            all.extend(items.iter().filter_map(note));
            if items.len() < PAGE {
                break;
            }
        }
        Ok(all)
    }

    async fn create(&self, body: &str) -> Result<String, CommentError> {
        let operation = "creating the plan note";
        let answer = self.call(operation, "POST", &self.notes_path(), Some(json!({ "body": body })))?;
        note(&answer).map(|c| c.id).ok_or_else(|| self.error(operation, "no note id in GitLab's answer".into()))
    }

    async fn update(&self, id: &str, body: &str) -> Result<(), CommentError> {
        let path = format!("{}/{id}", self.notes_path());
        self.call("updating the plan note", "PUT", &path, Some(json!({ "body": body }))).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nested_project_path_is_one_encoded_segment() {
        assert_eq!(encode("group/sub/lake.rs"), "group%2Fsub%2Flake.rs");
    }
}
