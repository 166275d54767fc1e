//! What both stages have for what fails: the error function (dead-letter queue, catalog rows
//! marked failed) and the redrive function that takes dead letters back (run by hand).

use sdlf_cfn::{Expr, Handle};
use sdlf_cfn_types::sqs;
use sdlf_lambda_core::contract::env::{ErrorEnv, FunctionVars, RedriveEnv, RedriveTarget, Stage};
use sdlf_lambda_core::contract::resources::PipelineResource;
use sdlf_policy::Statement;

use super::{Builder, FunctionDef, tables_key};
use crate::stack::Stack;
use crate::stacks::BuildError;
use crate::stacks::constructs::{self, FunctionParts, table_arn};

/// The stage's error function: sends what failed (`failed`, e.g. "a failed batch") to the
/// stage's dead-letter queue and marks its catalog rows failed.
pub(super) fn error_function(
    b: &mut Builder,
    stack: &mut Stack,
    stage: Stage,
    failed: &str,
    dead_letter: &Handle<sqs::Queue>,
) -> Result<FunctionParts, BuildError> {
    let (team, pipeline) = (&b.team.name, &b.pipeline.name);
    let (id, what, name) = match stage {
        Stage::A => ("StageAError", PipelineResource::ErrorA, "A"),
        Stage::B => ("StageBError", PipelineResource::ErrorB, "B"),
    };
    let im = &b.imports;
    let def = FunctionDef {
        id,
        what,
        description: format!("Stage {name} of {team}/{pipeline}: sends {failed} to the dead-letter queue"),
        memory_mb: 128,
        timeout_seconds: 30,
        env: FunctionVars::of(ErrorEnv {
            dead_letter_queue_url: dead_letter.reference(),
            catalog_table: im.catalog_table.clone(),
            stage,
        }),
        statements: error_statements(dead_letter.arn(), &im.team_key, &im.catalog_table, &im.lake_key),
    };
    b.function(stack, def)
}

/// The stage's redrive function: takes the dead letters to `target` (queue A, or new stage B
/// executions); `does` completes its description, `target_statements` allow reaching the target.
pub(super) fn redrive_function(
    b: &mut Builder,
    stack: &mut Stack,
    stage: Stage,
    does: &str,
    dead_letter: &Handle<sqs::Queue>,
    target: RedriveTarget<Expr>,
    target_statements: impl IntoIterator<Item = Statement>,
) -> Result<FunctionParts, BuildError> {
    let (team, pipeline) = (&b.team.name, &b.pipeline.name);
    let (id, name) = match stage {
        Stage::A => ("StageARedrive", "A"),
        Stage::B => ("StageBRedrive", "B"),
    };
    let def = FunctionDef {
        id,
        what: PipelineResource::redrive(stage),
        description: format!("Stage {name} of {team}/{pipeline}: {does} (run by hand)"),
        memory_mb: 256,
        timeout_seconds: 300,
        env: FunctionVars::of(RedriveEnv { dead_letter_queue_url: dead_letter.reference(), target }),
        statements: constructs::consume_queue(dead_letter.arn(), b.imports.team_key.clone())
            .into_iter()
            .chain(target_statements)
            .collect(),
    };
    b.function(stack, def)
}

/// The error function's needs: send to the dead-letter queue, mark the catalog rows failed.
fn error_statements(dead_letter: Expr, team_key: &Expr, catalog_table: &Expr, lake_key: &Expr) -> Vec<Statement> {
    constructs::send_to_queue(dead_letter, team_key.clone())
        .into_iter()
        .chain([
            Statement::allow().action("dynamodb:UpdateItem").resource(table_arn(catalog_table.clone(), "")),
            tables_key(lake_key),
        ])
        .collect()
}
