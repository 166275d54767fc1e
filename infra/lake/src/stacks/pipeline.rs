//! (being written)
use crate::definition::{Pipeline, Team};
use crate::stack::Stack;
use crate::stacks::{BuildError, Ctx, FoundationsOutputs, PipelineOutputs, TeamOutputs};

pub fn build(
    ctx: &Ctx,
    team: &Team,
    pipeline: &Pipeline,
    foundations: &FoundationsOutputs,
    team_outputs: &TeamOutputs,
) -> Result<(Stack, PipelineOutputs), BuildError> {
    let _ = (ctx, team, pipeline, foundations, team_outputs);
    todo!("pipeline stack")
}
