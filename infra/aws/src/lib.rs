//! The one place `sdlf` talks to AWS: CloudFormation, S3 and SQS, behind the small interfaces of
//! `sdlf_deploy::api`, and the running lake's tables, functions and state machines ([`Lake`]).
//! Everything above this crate is tested without a network.
//!
//! Credentials and region come from the standard chain (`--profile` / `AWS_PROFILE`,
//! `--region` / `AWS_REGION`, `AWS_ENDPOINT_URL`); the `local` environment points every
//! client at the local emulator.

mod cloudformation;
mod codecommit;
#[cfg(feature = "cicd")]
mod codepipeline;
mod connect;
mod lake;
mod s3;
mod sqs;

pub use cloudformation::CloudFormation;
pub use codecommit::{CodeCommit, CodeCommitPullRequest};
#[cfg(feature = "cicd")]
pub use codepipeline::{CodeConnections, CodePipeline};
pub use connect::{Connection, Target, connect};
pub use lake::{Execution, Lake, Object, Row};
pub use s3::S3;
pub use sqs::Sqs;

use std::sync::atomic::{AtomicU64, Ordering};

/// Counts API calls, so a run can report how many it made (a no-op deploy of the whole lake
/// should take one listing plus one template read per stack).
#[derive(Debug, Default)]
pub struct CallCounter(AtomicU64);

impl CallCounter {
    pub fn tick(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// An SDK error as the engine sees it: the service's own message when there is one (else the
/// whole error chain), and whether it was throttling, which is worth waiting out (the codes of
/// CloudFormation, S3, STS and SQS). The SDK crates share the error and metadata types, so one
/// conversion serves every client.
pub(crate) fn api_error<E>(
    operation: &'static str,
    stack: Option<&str>,
    e: aws_sdk_cloudformation::error::SdkError<E>,
) -> sdlf_deploy::api::ApiError
where
    E: aws_sdk_cloudformation::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = e.as_service_error().and_then(|s| s.code()).unwrap_or_default();
    let throttled =
        matches!(code, "Throttling" | "ThrottlingException" | "SlowDown" | "RequestLimitExceeded" | "RequestThrottled");
    let message = match e.as_service_error().and_then(|s| s.message()) {
        Some(m) => m.to_owned(),
        None => aws_sdk_cloudformation::error::DisplayErrorContext(&e).to_string(),
    };
    let conflict = is_conflict(code, &message);
    sdlf_deploy::api::ApiError { operation, stack: stack.map(str::to_owned), message, throttled, conflict }
}

/// Another operation got there first (see `ApiError::conflict`): the codes CloudFormation
/// answers when a change set or stack already exists, a change set is gone or was made
/// obsolete by another execution, or the stack is busy ("… is in UPDATE_IN_PROGRESS state
/// and can not be updated").
fn is_conflict(code: &str, message: &str) -> bool {
    matches!(
        code,
        "AlreadyExistsException" | "ChangeSetNotFound" | "InvalidChangeSetStatus" | "OperationInProgressException"
    ) || (code == "ValidationError" && message.contains("_IN_PROGRESS state"))
}
