//! The first push into the lake's new CodeCommit repository (what CloudFormation cannot do).

use std::sync::Arc;

use aws_sdk_codecommit::primitives::Blob;
use aws_sdk_codecommit::types::{FileModeTypeEnum, PutFileEntry};
use sdlf_cicd::first_commit::{FileEntry, Repository};
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
