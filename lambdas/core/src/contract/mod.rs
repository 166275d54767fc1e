//! The agreement between the stacks (`sdlf-lake`) and the functions (`sdlf-lambda`), defined
//! once and used by both, so that a mismatch is a compile error:
//!
//! - [`config`]: the dataset and pipeline config rows (the `Custom::*Config` resources'
//!   properties, the rows the functions read);
//! - [`env`]: each handler's environment;
//! - [`status`]: the catalog rows' statuses (the state machines' updates are rendered from
//!   [`crate::catalog`]'s);
//! - [`layout`]: the data buckets' key layout and the table keys;
//! - [`resources`]: the names of the per-lake, per-pipeline and per-dataset resources;
//! - [`replies`]: the answers of the functions the command line invokes.

pub mod config;
pub mod env;
pub mod layout;
pub mod replies;
pub mod resources;
pub mod status;
pub mod text;
