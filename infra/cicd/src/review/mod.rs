//! The plan on the pull request: one comment that later runs find again (by a marker the
//! reader does not see) and update in place, instead of a new comment per push. The provider
//! (CodeCommit, GitHub, GitLab, or a simulated pull request here) is behind
//! [`PullRequestComments`]; this module decides.
//!
//! - [`check`]: the review build's results (tests, plan) and the comment they make.
//! - [`local`]: a pull request simulated on this machine (`bootstrap run-local --pull-request`).

pub mod check;
pub mod local;

/// Where a pull request is, and what its comments hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    CodeCommit,
    GitHub,
    GitLab,
    /// A pull request simulated on this machine; its comments are files.
    Local,
}

impl Provider {
    pub const ALL: [Provider; 4] = [Provider::CodeCommit, Provider::GitHub, Provider::GitLab, Provider::Local];

    /// As `sdlf review --provider` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::CodeCommit => "codecommit",
            Provider::GitHub => "github",
            Provider::GitLab => "gitlab",
            Provider::Local => "local",
        }
    }

    pub fn parse(text: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// The most a comment may hold, in bytes (the providers count characters; a byte limit is
    /// never over theirs): CodeCommit 10,240, GitHub 65,536, GitLab 1,000,000.
    pub fn comment_limit(self) -> usize {
        match self {
            Provider::CodeCommit => 10_240,
            Provider::GitHub => 65_536,
            Provider::GitLab | Provider::Local => 1_000_000,
        }
    }

    /// The environment variable the provider's token is read from (CodeBuild fills it from
    /// Secrets Manager); `None` where the build's IAM role is enough.
    pub fn token_variable(self) -> Option<&'static str> {
        match self {
            Provider::GitHub => Some("GITHUB_TOKEN"),
            Provider::GitLab => Some("GITLAB_TOKEN"),
            Provider::CodeCommit | Provider::Local => None,
        }
    }
}

/// Starts every plan comment; an HTML comment, so the rendered page does not show it.
pub const MARKER: &str = "<!-- sdlf:plan -->";

/// A comment on the pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: String,
    pub body: String,
    /// Who wrote it, as the provider names its poster ([`PullRequestComments::poster`]).
    pub author: Option<String>,
}

/// A provider call that failed, naming the pull request and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pull_request}: {operation} failed: {message}")]
pub struct CommentError {
    /// `owner/repo#12`, `repository pull request 7`.
    pub pull_request: String,
    pub operation: &'static str,
    pub message: String,
}

/// The comments of one pull request at a provider.
pub trait PullRequestComments: Sync {
    /// The pull request, as messages name it.
    fn pull_request(&self) -> String;
    /// Who this client posts as, when the provider can say: only that author's marked comment
    /// is the plan comment (anyone can write the marker; nobody else's comment is edited).
    fn poster(&self) -> impl Future<Output = Result<Option<String>, CommentError>> + Send;
    /// Every comment, oldest first.
    fn comments(&self) -> impl Future<Output = Result<Vec<Comment>, CommentError>> + Send;
    /// A new comment; its id.
    fn create(&self, body: &str) -> impl Future<Output = Result<String, CommentError>> + Send;
    fn update(&self, id: &str, body: &str) -> impl Future<Output = Result<(), CommentError>> + Send;
}

/// What posting the plan did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    Created(String),
    Updated(String),
    /// The earlier comment already says this.
    Unchanged(String),
}

/// The bytes the marker and the check's own lines add to a plan: what a plan's size limit
/// must leave room for.
pub fn overhead() -> usize {
    MARKER.len() + 1 + check::STATUS_RESERVE
}

/// Posts `plan` as the pull request's plan comment: updates the earliest comment of this
/// poster that starts with [`MARKER`], or creates one.
pub async fn post_plan<C: PullRequestComments>(comments: &C, plan: &str) -> Result<Posted, CommentError> {
    let body = format!("{MARKER}\n{plan}");
    let poster = comments.poster().await?;
    let ours = |c: &Comment| poster.is_none() || c.author == poster;
    let earlier = comments.comments().await?.into_iter().find(|c| c.body.starts_with(MARKER) && ours(c));
    match earlier {
        Some(c) if c.body == body => Ok(Posted::Unchanged(c.id)),
        Some(c) => {
            comments.update(&c.id, &body).await?;
            Ok(Posted::Updated(c.id))
        }
        None => Ok(Posted::Created(comments.create(&body).await?)),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// The pull request's comments in memory: what `post_plan` decides is checked here; the
    /// providers' own mapping is tested against their APIs' fakes.
    #[derive(Default)]
    struct InMemory {
        comments: Mutex<Vec<Comment>>,
    }

    const BOT: &str = "sdlf-bot";

    impl PullRequestComments for InMemory {
        fn pull_request(&self) -> String {
            "repo pull request 7".into()
        }
        async fn poster(&self) -> Result<Option<String>, CommentError> {
            Ok(Some(BOT.into()))
        }
        async fn comments(&self) -> Result<Vec<Comment>, CommentError> {
            Ok(self.comments.lock().unwrap().clone())
        }
        async fn create(&self, body: &str) -> Result<String, CommentError> {
            let mut comments = self.comments.lock().unwrap();
            let id = format!("c{}", comments.len() + 1);
            comments.push(Comment { id: id.clone(), body: body.into(), author: Some(BOT.into()) });
            Ok(id)
        }
        async fn update(&self, id: &str, body: &str) -> Result<(), CommentError> {
            let mut comments = self.comments.lock().unwrap();
            comments.iter_mut().find(|c| c.id == id).expect("an existing comment").body = body.into();
            Ok(())
        }
    }

    #[tokio::test]
    async fn the_first_run_creates_the_comment_and_later_runs_update_the_same_one() {
        let pr = InMemory::default();
        pr.create("LGTM").await.unwrap();
        // Someone else's comment with the marker is not the plan comment.
        let planted = Comment { id: "x".into(), body: format!("{MARKER}\nfake plan"), author: Some("mallory".into()) };
        pr.comments.lock().unwrap().push(planted);
        assert_eq!(post_plan(&pr, "plan 1").await.unwrap(), Posted::Created("c3".into()));
        assert_eq!(post_plan(&pr, "plan 2").await.unwrap(), Posted::Updated("c3".into()));
        assert_eq!(post_plan(&pr, "plan 2").await.unwrap(), Posted::Unchanged("c3".into()));
        let comments = pr.comments.lock().unwrap().clone();
        assert_eq!(comments.len(), 3, "one plan comment beside the others");
        assert_eq!(comments[2].body, format!("{MARKER}\nplan 2"));
        assert_eq!(comments[0].body, "LGTM", "other comments are left alone");
        assert_eq!(comments[1].body, format!("{MARKER}\nfake plan"), "a planted marker is not ours");
    }
}
