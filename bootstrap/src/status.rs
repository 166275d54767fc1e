//! `bootstrap --status` and `--wait`: the CI/CD as CodePipeline and CodeConnections report it.

use std::process::ExitCode;
use std::time::Duration;

use sdlf::{CliError, exit};
use sdlf_cicd::names::CicdNames;
use sdlf_cicd::status::{Connections, Pipelines, follow, render};
use sdlf_deploy::api::Stacks;

use crate::BootstrapArgs;

/// How often `--wait` asks; an execution takes minutes.
const POLL: Duration = Duration::from_secs(10);

pub fn run(args: &BootstrapArgs) -> Result<ExitCode, CliError> {
    let lake = sdlf_pipelines::lake();
    let home = crate::home(&lake, args.pipeline.env.as_deref())?.clone();
    let names = CicdNames::new(&lake);
    if home.is_local() {
        println!(
            "the local emulator has no CodePipeline: run the pipeline here with `cargo run -p bootstrap -- run-local`"
        );
        return Ok(ExitCode::from(if args.wait { exit::USAGE } else { exit::OK }));
    }
    sdlf::runtime()?.block_on(async {
        let conn = sdlf::aws_target::connect(&home, &args.aws).await?;
        let Some(stack) = conn.cloudformation.describe(&names.stack()).await? else {
            println!("{}", render(&names.pipeline(), None, None, None).trim_end());
            return Ok(ExitCode::from(if args.wait { exit::FAILED } else { exit::OK }));
        };
        let pipeline = stack.outputs.get("PipelineName").cloned().unwrap_or_else(|| names.pipeline());
        let connection = match stack.outputs.get("ConnectionArn") {
            Some(arn) => conn.connections.status(arn).await?,
            None => None,
        };
        let stages = conn.codepipeline.state(&pipeline).await?;
        let latest = conn.codepipeline.latest_execution(&pipeline).await?;
        if !args.wait {
            print!("{}", render(&pipeline, stages.as_deref(), latest.as_ref(), connection.as_deref()));
            return Ok(ExitCode::from(exit::OK));
        }
        let Some(latest) = latest else {
            return Err(CliError::Usage(format!("pipeline {pipeline} has no execution to wait for")));
        };
        let done = follow(&conn.codepipeline, &pipeline, &latest.id, POLL, |execution, stages| {
            print!("{}", render(&pipeline, stages, Some(execution), None));
        })
        .await?;
        Ok(ExitCode::from(if done.status == "Succeeded" { exit::OK } else { exit::FAILED }))
    })
}
