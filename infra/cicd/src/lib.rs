//! The lake's CI/CD as typed data.
//!
//! - [`buildspec`]: CodeBuild buildspecs, rendered into the templates and parsed back by the
//!   local runner.

pub mod buildspec;
pub mod buildspecs;
pub mod first_commit;
pub mod iam;
pub mod names;
pub mod output;
pub mod pipeline;
pub mod review;
mod review_project;
pub mod roles;
pub mod runner;
pub mod stack;
pub mod status;
