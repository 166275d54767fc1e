//! The interfaces to AWS the deploy engine needs — small, and in plain data, so the engine is
//! tested against an in-memory CloudFormation and the AWS layer (`sdlf-aws`) stays thin.

use std::collections::BTreeMap;
use std::future::Future;

/// A deployed stack, as `DescribeStacks` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeployedStack {
    pub name: String,
    pub id: String,
    pub status: String,
    pub status_reason: Option<String>,
    /// Parameter values as given (for SSM-typed parameters, the parameter's name).
    pub parameters: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub termination_protection: bool,
    pub outputs: BTreeMap<String, String>,
    /// RFC 3339, of the last update (or the creation).
    pub last_updated: Option<String>,
    pub drift: Option<String>,
}

/// Where CloudFormation reads a template from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateSource {
    Body(String),
    /// An object URL, for bodies over the 51,200-byte inline limit.
    Url(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSetRequest {
    pub stack: String,
    pub name: String,
    /// Create (the stack does not exist) or update.
    pub create: bool,
    pub template: TemplateSource,
    pub parameters: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub description: String,
    /// The role CloudFormation deploys with (`--role-arn`, a CI/CD execution role); `None`:
    /// the caller's credentials (or the role the stack was last deployed with).
    pub role_arn: Option<String>,
}

/// A change set once CloudFormation has computed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSetState {
    /// `CREATE_PENDING`, `CREATE_IN_PROGRESS`, `CREATE_COMPLETE`, `FAILED`, ...
    pub status: String,
    pub reason: Option<String>,
    pub changes: Vec<sdlf_diff::ChangeSetChange>,
}

impl ChangeSetState {
    pub fn is_pending(&self) -> bool {
        matches!(self.status.as_str(), "CREATE_PENDING" | "CREATE_IN_PROGRESS")
    }

    /// CloudFormation refuses to create a change set that changes nothing; that is "no
    /// changes", not a failure.
    pub fn is_empty_failure(&self) -> bool {
        self.status == "FAILED"
            && self
                .reason
                .as_deref()
                .is_some_and(|r| r.contains("didn't contain changes") || r.contains("No updates are to be performed"))
    }
}

/// One stack event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackEvent {
    pub id: String,
    /// RFC 3339.
    pub timestamp: String,
    pub logical_id: String,
    pub resource_type: String,
    pub status: String,
    pub reason: Option<String>,
}

/// A change set as `ListChangeSets` summarizes it: how a deploy finds another run's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSetSummary {
    pub name: String,
    /// `CREATE_PENDING`, `CREATE_IN_PROGRESS`, `CREATE_COMPLETE`, `DELETE_*`, `FAILED`.
    pub status: String,
    /// `UNAVAILABLE`, `AVAILABLE`, `EXECUTE_IN_PROGRESS`, `EXECUTE_COMPLETE`, `EXECUTE_FAILED`, `OBSOLETE`.
    pub execution_status: String,
    /// When it was created, if CloudFormation says.
    pub created: Option<std::time::SystemTime>,
}

/// A failed call, with what to tell the user.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{operation}{}: {message}", .stack.as_ref().map(|s| format!(" of stack `{s}`")).unwrap_or_default())]
pub struct ApiError {
    pub operation: &'static str,
    pub stack: Option<String>,
    pub message: String,
    /// Throttled: worth retrying after a pause.
    pub throttled: bool,
    /// Another operation got there first: the stack or change set already exists, the change
    /// set is gone or no longer executable, or the stack is busy. Worth settling and
    /// starting the stack again.
    pub conflict: bool,
}

/// CloudFormation, as the engine uses it.
pub trait Stacks: Sync {
    /// `None` when the stack does not exist.
    fn describe(&self, stack: &str) -> impl Future<Output = Result<Option<DeployedStack>, ApiError>> + Send;
    /// Every stack whose name starts with `prefix`, in one listing (a no-op deploy makes one
    /// call for the whole lake, not one per stack).
    fn describe_all(&self, prefix: &str) -> impl Future<Output = Result<Vec<DeployedStack>, ApiError>> + Send;
    /// The deployed template body, as submitted.
    fn template(&self, stack: &str) -> impl Future<Output = Result<String, ApiError>> + Send;
    fn create_change_set(&self, request: &ChangeSetRequest) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// `None` when there is no such change set.
    fn change_set(
        &self,
        stack: &str,
        name: &str,
    ) -> impl Future<Output = Result<Option<ChangeSetState>, ApiError>> + Send;
    fn execute_change_set(&self, stack: &str, name: &str) -> impl Future<Output = Result<(), ApiError>> + Send;
    fn delete_change_set(&self, stack: &str, name: &str) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// The stack's change sets (empty when the stack does not exist).
    fn change_sets(&self, stack: &str) -> impl Future<Output = Result<Vec<ChangeSetSummary>, ApiError>> + Send;
    /// The most recent events first (one page).
    fn events(&self, stack: &str) -> impl Future<Output = Result<Vec<StackEvent>, ApiError>> + Send;
    fn delete_stack(&self, stack: &str) -> impl Future<Output = Result<(), ApiError>> + Send;
    fn cancel_update(&self, stack: &str) -> impl Future<Output = Result<(), ApiError>> + Send;
    fn set_termination_protection(&self, stack: &str, on: bool) -> impl Future<Output = Result<(), ApiError>> + Send;
}

/// The artifacts bucket, as the asset upload uses it.
pub trait Objects: Sync {
    fn exists(&self, bucket: &str, key: &str) -> impl Future<Output = Result<bool, ApiError>> + Send;
    fn put(&self, bucket: &str, key: &str, body: Vec<u8>) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// The URL CloudFormation reads a template object from.
    fn url(&self, bucket: &str, key: &str) -> String;
}

/// SQS, as the data-loss guard uses it: an empty queue may be replaced, one holding messages
/// may not.
pub trait Queues: Sync {
    /// The messages the queue holds — visible, in flight and delayed together (SQS's
    /// approximate counts); `None` when the queue does not exist (any more).
    fn message_count(&self, queue_url: &str) -> impl Future<Output = Result<Option<u64>, ApiError>> + Send;
}
