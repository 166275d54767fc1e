//! Data-quality rules: the contract's own (`sdlf_lambda_core::quality`), which the stacks
//! render to DQDL and the heavy-transform engine evaluates.

pub use sdlf_lambda_core::quality::*;
