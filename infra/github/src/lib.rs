//! The plan comment on a pull request at a Git host
//! ([`sdlf_cicd::review::PullRequestComments`] over the host's REST API): GitHub's issue
//! comments, GitLab's merge-request notes.
//!
//! The token comes from the caller (in CodeBuild, from Secrets Manager into the environment)
//! and is never part of an error, a log line or `Debug` output.

mod github;
mod gitlab;
mod rest;

pub use github::{API, GitHub};
pub use gitlab::{GITLAB_API, GitLab};
