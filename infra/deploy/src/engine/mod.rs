//! The deploy engine: `diff`, `deploy`, `destroy` and `status` as async functions over the
//! [`api`](crate::api) interfaces. Decisions come from the pure modules of this crate; this
//! module sequences the calls, waits, and reports progress through [`deploy::Reporter`].

pub mod deploy;
pub mod destroy;
pub mod diff;
pub mod wait;

use crate::api::ApiError;

/// Why an engine operation stopped.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("stack `{stack}`: the deployed template cannot be read: {problem}")]
    DeployedTemplate { stack: String, problem: String },
    #[error("stack `{stack}`: change set `{change_set}` failed: {reason}")]
    ChangeSetFailed { stack: String, change_set: String, reason: String },
    #[error("stack `{stack}`: {problem}")]
    Stack { stack: String, problem: String },
    /// Another deploy changed the stack first (or made this run's change set obsolete): the
    /// stack is started again from what is deployed now.
    #[error("stack `{stack}`: another deploy changed it first ({by}); run again to deploy on top of it")]
    Overtaken { stack: String, by: String },
    /// Ctrl-C; `state` says what the stack was left as.
    #[error("interrupted: {state}")]
    Interrupted { state: String },
}
