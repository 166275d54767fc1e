//! `sdlf redrive`: takes a pipeline stage's dead letters back into the pipeline, by invoking
//! the stage's redrive function (the one implementation of how; see the runtime's `redrive`).

use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::aws_target::{AwsArgs, connect};
use sdlf_lambda_core::contract::{self, replies::RedriveReply, resources::PipelineResource};

use crate::{CliError, exit, session};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Stage {
    /// Light transform: dead letters go back to the stage A queue.
    A,
    /// Heavy transform: each dead-lettered batch runs again as a new execution.
    B,
}

impl From<Stage> for contract::env::Stage {
    fn from(stage: Stage) -> contract::env::Stage {
        match stage {
            Stage::A => contract::env::Stage::A,
            Stage::B => contract::env::Stage::B,
        }
    }
}

#[derive(Debug, Args)]
pub struct RedriveArgs {
    /// The global `--env` (default: dev).
    #[arg(skip)]
    pub env: String,
    /// Team that owns the pipeline.
    #[arg(long)]
    pub team: String,
    /// Pipeline whose stage is redriven.
    #[arg(long)]
    pub pipeline: String,
    /// Stage whose dead letters go back.
    #[arg(long, value_enum)]
    pub stage: Stage,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// The global `--profile`, `--region` and `--endpoint-url`.
    #[arg(skip)]
    pub aws: AwsArgs,
}

/// The redrive function of a team's pipeline stage, if the lake has that pipeline.
pub fn function(
    lake: &sdlf_lake::Lake,
    env: &sdlf_lake::Environment,
    team: &str,
    pipeline: &str,
    stage: Stage,
) -> Option<String> {
    let t = lake.teams.iter().find(|t| t.name == team)?;
    t.pipelines.iter().find(|p| p.name == pipeline)?;
    let what = PipelineResource::redrive(stage.into());
    Some(sdlf_lake::Names::new(lake, env).pipeline_resource(team, pipeline, what.suffix()))
}

pub fn run(args: &RedriveArgs) -> Result<ExitCode, CliError> {
    let (lake, output) = session::synthesize(&args.env)?;
    let env = session::environment(&lake, &output);
    let function = function(&lake, env, &args.team, &args.pipeline, args.stage).ok_or_else(|| {
        let pipelines: Vec<String> =
            lake.teams.iter().flat_map(|t| t.pipelines.iter().map(move |p| format!("{}/{}", t.name, p.name))).collect();
        CliError::Usage(format!(
            "the lake has no pipeline {}/{} (it has {})",
            args.team,
            args.pipeline,
            pipelines.join(", ")
        ))
    })?;
    let answer = crate::runtime()?.block_on(async {
        let conn = connect(env, &args.aws).await?;
        conn.lake.invoke(&function, &serde_json::json!({})).await.map_err(CliError::from)
    })?;
    let RedriveReply { moved } = serde_json::from_value(answer.clone()).map_err(|e| {
        CliError::Api(sdlf_deploy::api::ApiError {
            operation: "Invoke",
            stack: None,
            message: format!("{function} answered {answer}, not a redrive's reply ({e}); deploy the lake again"),
            ..sdlf_deploy::api::ApiError::default()
        })
    })?;
    if args.json {
        println!("{}", serde_json::json!({"function": function, "moved": moved}));
    } else {
        let stage = match args.stage {
            Stage::A => "back to the stage A queue",
            Stage::B => "started again as new stage B executions",
        };
        println!("{moved} dead letter(s) of {}/{} {stage} ({function})", args.team, args.pipeline);
    }
    Ok(ExitCode::from(exit::OK))
}
