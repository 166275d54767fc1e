//! Stage B on one machine: the heavy transform's SQL on Apache DataFusion, and the dataset's
//! data-quality rules evaluated over its output with AWS Glue Data Quality's semantics.
//!
//! The `local` environment runs stage B here (the emulator runs no Glue job and has no Data
//! Quality API), and so can small batches on AWS; Spark on Glue stays the engine for data
//! that outgrows one machine, running the same SQL.

pub mod batch;
mod distinct;
pub mod glue;
pub mod glue_batch;
pub mod publish;
pub mod quality;
pub mod session;
mod sort_key;
mod sql;
pub mod stage;
pub mod transform;
mod value;

pub use session::{Limits, context};
