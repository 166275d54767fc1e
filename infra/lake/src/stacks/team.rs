//! (being written)
use crate::definition::Team;
use crate::stack::Stack;
use crate::stacks::{BuildError, Ctx, FoundationsOutputs, TeamOutputs};

pub fn build(ctx: &Ctx, team: &Team, foundations: &FoundationsOutputs) -> Result<(Stack, TeamOutputs), BuildError> {
    let _ = (ctx, team, foundations);
    todo!("team stack")
}
