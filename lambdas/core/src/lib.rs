//! The lake functions' decisions, as pure functions over data (no AWS SDK, no I/O).

pub mod config_row;
pub mod handler;
