//! (being written)
use crate::stack::Stack;
use crate::stacks::{BuildError, Ctx, FoundationsOutputs};

pub fn build(ctx: &Ctx) -> Result<(Stack, FoundationsOutputs), BuildError> {
    let _ = ctx;
    todo!("foundations stack")
}
