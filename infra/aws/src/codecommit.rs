//! The first push into the lake's new CodeCommit repository (what CloudFormation cannot do).

use std::sync::Arc;

use aws_sdk_codecommit::primitives::Blob;
use aws_sdk_codecommit::types::{FileModeTypeEnum, PutFileEntry};
use sdlf_cicd::first_commit::{FileEntry, Repository};
use sdlf_cicd::review::{Comment, CommentError, PullRequestComments};
use sdlf_deploy::api::ApiError;

use crate::CallCounter;

#[derive(Debug, Clone)]
pub struct CodeCommit {
    client: aws_sdk_codecommit::Client,
    calls: Arc<CallCounter>,
}

impl CodeCommit {
    pub fn new(client: aws_sdk_codecommit::Client, calls: Arc<CallCounter>) -> CodeCommit {
        CodeCommit { client, calls }
    }
}

impl Repository for CodeCommit {
    async fn has_commits(&self, repository: &str) -> Result<bool, ApiError> {
        self.calls.tick();
        // An empty repository has no branch; any branch means history.
        let out = self
            .client
            .list_branches()
            .repository_name(repository)
            .send()
            .await
            .map_err(|e| crate::api_error("ListBranches", None, e))?;
        Ok(!out.branches().is_empty())
    }

    async fn create_commit(
        &self,
        repository: &str,
        branch: &str,
        parent: Option<&str>,
        message: &str,
        files: &[FileEntry],
    ) -> Result<String, ApiError> {
        self.calls.tick();
        let entries = files.iter().map(|f| {
            PutFileEntry::builder()
                .file_path(&f.path)
                .file_content(Blob::new(f.bytes.clone()))
                .file_mode(if f.executable { FileModeTypeEnum::Executable } else { FileModeTypeEnum::Normal })
                .build()
                .expect("path given")
        });
        let out = self
            .client
            .create_commit()
            .repository_name(repository)
            .branch_name(branch)
            .set_parent_commit_id(parent.map(str::to_owned))
            .commit_message(message)
            .author_name("sdlf bootstrap")
            .set_put_files(Some(entries.collect()))
            .send()
            .await
            .map_err(|e| crate::api_error("CreateCommit", None, e))?;
        Ok(out.commit_id().unwrap_or_default().to_owned())
    }
}

/// One pull request of a CodeCommit repository, for its plan comment. Comments are listed
/// across every commit pair (each push moves the pair; the earlier plan comment stays on the
/// old one) and posted on the current pair.
#[derive(Debug, Clone)]
pub struct CodeCommitPullRequest<'a> {
    pub codecommit: &'a CodeCommit,
    pub repository: String,
    pub pull_request_id: String,
    /// The destination branch's commit the pull request is compared with.
    pub before_commit: String,
    /// The source branch's commit.
    pub after_commit: String,
    /// The caller's ARN (GetCallerIdentity), when known: only its marked comment is the plan's.
    pub poster: Option<String>,
}

/// The principal behind an ARN: an assumed role's session is left out, since every build
/// assumes its role in a session of its own.
pub fn principal(arn: &str) -> String {
    match arn.split_once(":assumed-role/") {
        Some((account, path)) => format!("{account}:assumed-role/{}", path.split('/').next().unwrap_or_default()),
        None => arn.to_owned(),
    }
}

impl CodeCommitPullRequest<'_> {
    fn error(&self, operation: &'static str, error: impl std::error::Error + 'static) -> CommentError {
        let message = aws_sdk_codecommit::error::DisplayErrorContext(&error).to_string();
        CommentError { pull_request: self.pull_request(), operation, message }
    }
}

impl PullRequestComments for CodeCommitPullRequest<'_> {
    fn pull_request(&self) -> String {
        format!("{} pull request {}", self.repository, self.pull_request_id)
    }

    async fn poster(&self) -> Result<Option<String>, CommentError> {
        Ok(self.poster.as_deref().map(principal))
    }

    async fn comments(&self) -> Result<Vec<Comment>, CommentError> {
        let client = &self.codecommit.client;
        // The pull request alone: with a repository name the API wants a commit pair too, and
        // would list only that pair's comments (the earlier plan comment is on an older pair).
        let request = client.get_comments_for_pull_request().pull_request_id(&self.pull_request_id);
        let mut pages = request.into_paginator().send();
        let mut all = Vec::new();
        while let Some(page) = pages.next().await {
            self.codecommit.calls.tick();
            let page = page.map_err(|e| self.error("GetCommentsForPullRequest", e))?;
            let comments = page.comments_for_pull_request_data().iter().flat_map(|c| c.comments());
            all.extend(comments.filter_map(|c| {
                let (id, body) = (c.comment_id()?.to_owned(), c.content().unwrap_or_default().to_owned());
                Some(Comment { id, body, author: c.author_arn().map(principal) })
            }));
        }
        Ok(all)
    }

    async fn create(&self, body: &str) -> Result<String, CommentError> {
        self.codecommit.calls.tick();
        let out = self
            .codecommit
            .client
            .post_comment_for_pull_request()
            .pull_request_id(&self.pull_request_id)
            .repository_name(&self.repository)
            .before_commit_id(&self.before_commit)
            .after_commit_id(&self.after_commit)
            .content(body)
            .send()
            .await
            .map_err(|e| self.error("PostCommentForPullRequest", e))?;
        let id = out.comment().and_then(|c| c.comment_id()).unwrap_or_default();
        Ok(id.to_owned())
    }

    async fn update(&self, id: &str, body: &str) -> Result<(), CommentError> {
        self.codecommit.calls.tick();
        self.codecommit
            .client
            .update_comment()
            .comment_id(id)
            .content(body)
            .send()
            .await
            .map_err(|e| self.error("UpdateComment", e))?;
        Ok(())
    }
}
