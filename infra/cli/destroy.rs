//! `sdlf destroy` and `sdlf status`.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::Args;
use sdlf_deploy::engine::deploy::Interrupts;
use sdlf_deploy::engine::destroy::{Destroyed, destroy};
use sdlf_deploy::select::{Direction, select};

use crate::aws_target::{AwsArgs, connect};
use crate::{CliError, exit, session};

#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Environment of the lake definition (dev, test, prod or local); always named: a
    /// deletion never picks an environment itself.
    #[arg(long, short)]
    pub env: String,
    /// Stacks to delete, with the stacks that depend on them (default: all).
    pub stacks: Vec<String>,
    /// Delete without asking (required without a terminal).
    #[arg(long, short)]
    pub yes: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Environment of the lake definition (dev, test, prod or local).
    #[arg(long, short, default_value = "dev")]
    pub env: String,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
    /// Show the latest stage B batches instead (from the execution history): what each
    /// published, its Glue table and its data-quality results.
    #[arg(long)]
    pub batches: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Batches `status --batches` shows.
const LATEST_BATCHES: usize = 20;

pub fn run_destroy(args: &DestroyArgs) -> Result<ExitCode, CliError> {
    let (lake, output) = session::synthesize(&args.env)?;
    let env = session::environment(&lake, &output);
    let selected = select(&sdlf_deploy::select::nodes(&output), &args.env, &args.stacks, Direction::Dependents)?;
    let stacks: Vec<_> = output.stacks.iter().filter(|s| selected.contains(&s.name)).collect();
    let interrupts = std::sync::Arc::new(Interrupts::default());
    let results = crate::runtime()?.block_on(async {
        crate::watch_interrupts(
            interrupts.clone(),
            Some(
                "interrupted: no further stack will be deleted; the deletion under way cannot be cancelled and is \
                 followed to its end; press Ctrl-C again to stop watching",
            ),
        )?;
        let conn = connect(env, &args.aws).await?;
        let deployed = session::deployed(&conn, &output).await?;
        let present: Vec<&str> = stacks.iter().map(|s| s.name.as_str()).filter(|n| deployed.contains_key(*n)).collect();
        if present.is_empty() {
            return Ok(Vec::new());
        }
        if !args.yes {
            let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
            if !interactive {
                return Err(CliError::NeedsYes { what: format!("deleting {} stack(s)", present.len()) });
            }
            print!("Delete {} stack(s) of environment {}: {}? [y/N] ", present.len(), args.env, present.join(", "));
            let _ = std::io::stdout().flush();
            let mut answer = String::new();
            let _ = std::io::stdin().lock().read_line(&mut answer);
            if !matches!(answer.trim(), "y" | "Y" | "yes") {
                return Err(CliError::NeedsYes { what: "deleting (declined)".into() });
            }
        }
        let progress = |stack: &str, what: &str| println!("{stack}: {what}");
        destroy(&conn.cloudformation, &stacks, &deployed, &interrupts, progress).await.map_err(CliError::from)
    })?;
    let mut code = exit::OK;
    if results.is_empty() {
        println!("nothing to delete: no stack of environment {} is deployed", args.env);
    }
    for (stack, r) in &results {
        match r {
            Destroyed::Deleted { retained } if !retained.is_empty() => {
                println!("{stack}: deleted; kept (DeletionPolicy Retain), delete them yourself if no longer needed:");
                for k in retained {
                    println!("    {} ({})", k.logical_id, k.resource_type);
                }
            }
            Destroyed::Deleted { .. } | Destroyed::NotDeployed => {}
            Destroyed::Protected => {
                code = exit::FAILED;
                eprintln!(
                    "{stack}: termination protection is on; nothing was deleted. If you mean it: aws cloudformation \
                     update-termination-protection --no-enable-termination-protection --stack-name {stack}"
                );
            }
            Destroyed::Failed { status, reasons } => {
                code = exit::FAILED;
                eprintln!("{stack}: {status}");
                for reason in reasons {
                    eprintln!("    {reason}");
                }
            }
            Destroyed::Blocked { dependent } => {
                code = exit::FAILED;
                eprintln!("{stack}: not deleted: {dependent}, which depends on it, is still there");
            }
            Destroyed::Interrupted { state } => eprintln!("{stack}: interrupted: {state}"),
        }
    }
    if interrupts.count() > 0 {
        code = exit::INTERRUPTED;
    }
    Ok(ExitCode::from(code))
}

pub fn run_status(args: &StatusArgs) -> Result<ExitCode, CliError> {
    let (lake, output) = session::synthesize(&args.env)?;
    let env = session::environment(&lake, &output);
    if args.batches {
        return run_status_batches(args, &lake, env);
    }
    let deployed = crate::runtime()?.block_on(async {
        let conn = connect(env, &args.aws).await?;
        session::deployed(&conn, &output).await
    })?;
    if args.json {
        let stacks: Vec<serde_json::Value> = output
            .stacks
            .iter()
            .map(|s| {
                let d = deployed.get(&s.name);
                serde_json::json!({
                    "name": s.name,
                    "status": d.map(|d| d.status.as_str()),
                    "reason": d.and_then(|d| d.status_reason.as_deref()),
                    "lastUpdated": d.and_then(|d| d.last_updated.as_deref()),
                    "drift": d.and_then(|d| d.drift.as_deref()),
                    "terminationProtection": d.map(|d| d.termination_protection),
                    "outputs": d.map(|d| &d.outputs),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&stacks).expect("JSON values serialize"));
        return Ok(ExitCode::from(exit::OK));
    }
    let width = output.stacks.iter().map(|s| s.name.len()).max().unwrap_or(5);
    println!("{:<width$}  {:<28}  {:<24}  DRIFT", "STACK", "STATUS", "LAST UPDATE");
    for s in &output.stacks {
        match deployed.get(&s.name) {
            Some(d) => println!(
                "{:<width$}  {:<28}  {:<24}  {}",
                s.name,
                d.status,
                d.last_updated.as_deref().unwrap_or("-"),
                d.drift.as_deref().unwrap_or("unknown")
            ),
            None => println!("{:<width$}  {:<28}  {:<24}  -", s.name, "not deployed", "-"),
        }
    }
    for (name, d) in output.stacks.iter().filter_map(|s| Some((&s.name, deployed.get(&s.name)?))) {
        if !d.outputs.is_empty() {
            println!("\nOutputs of {name}:");
            for (key, value) in &d.outputs {
                println!("  {key} = {value}");
            }
        }
    }
    Ok(ExitCode::from(exit::OK))
}

fn run_status_batches(
    args: &StatusArgs,
    lake: &sdlf_lake::Lake,
    env: &sdlf_lake::Environment,
) -> Result<ExitCode, CliError> {
    let table = sdlf_lake::Names::new(lake, env)
        .lake_resource(sdlf_lambda_core::contract::resources::LakeResource::ExecutionHistoryTable.suffix());
    let rows = crate::runtime()?.block_on(async {
        let conn = connect(env, &args.aws).await?;
        conn.lake.scan(&table).await.map_err(CliError::from)
    })?;
    let batches = sdlf_local::batches::latest(&rows, LATEST_BATCHES);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&sdlf_local::batches::to_json(&batches)).expect("JSON values serialize")
        );
    } else {
        print!("{}", sdlf_local::batches::render_text(&batches));
    }
    Ok(ExitCode::from(exit::OK))
}
