//! The decisions `sdlf deploy`, `diff` and `destroy` make, as pure functions over data — no
//! AWS calls here (those live in the command line's AWS layer, behind small interfaces):
//!
//! - [`select`]: which stacks a command acts on, and in which waves they may run concurrently;
//! - [`status`]: what a stack's CloudFormation status means and what to do about it;
//! - [`skip`]: whether a stack can be left alone without even creating a change set;
//! - [`guard`]: the data-loss guard over a diff;
//! - [`naming`]: change-set names, deterministic per template and unique per run;
//! - [`rivals`]: another deploy's change sets on a stack;
//! - [`api`]: the interfaces to CloudFormation, S3 and SQS the engine runs against.

pub mod api;
pub mod engine;
#[cfg(feature = "fake")]
pub mod fake;
pub mod guard;
pub mod naming;
pub mod rivals;
pub mod select;
pub mod skip;
pub mod status;
