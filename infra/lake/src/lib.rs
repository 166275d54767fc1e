//! The data lake as typed stacks.
//!
//! A [`Lake`] describes an organisation's data domain: environments, teams, their pipelines
//! and datasets. [`names::validate`] checks every name and every physical name derived from
//! them; [`stacks::synthesize`] builds the stacks of one environment.

pub mod assets;
pub mod definition;
pub mod names;
pub mod output;
pub mod parallel;
pub mod portable;
pub mod protection;
pub mod quality;
pub mod settings;
pub mod stack;
pub mod stacks;

pub use definition::*;
pub use names::{DefinitionError, Layer, Names};
pub use stack::{Assembly, AssemblyError, LeftOut, Published, Stack};
