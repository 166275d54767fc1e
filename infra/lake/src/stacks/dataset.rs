//! (being written)
use crate::definition::{Dataset, Team};
use crate::stack::Stack;
use crate::stacks::{BuildError, Ctx, DatasetOutputs, FoundationsOutputs, PipelineOutputs, TeamOutputs};

pub fn build(
    ctx: &Ctx,
    team: &Team,
    dataset: &Dataset,
    foundations: &FoundationsOutputs,
    team_outputs: &TeamOutputs,
    pipeline: &PipelineOutputs,
) -> Result<(Stack, DatasetOutputs), BuildError> {
    let _ = (ctx, team, dataset, foundations, team_outputs, pipeline);
    todo!("dataset stack")
}
