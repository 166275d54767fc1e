//! `sdlf destroy` and `sdlf status`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::process::ExitCode;

use clap::Args;
use sdlf_deploy::api::{DeployedStack, Stacks};
use sdlf_deploy::engine::deploy::Interrupts;
use sdlf_deploy::engine::destroy::{Destroyed, destroy};
use sdlf_deploy::select::{Direction, select};
use sdlf_diff::Style;
use sdlf_lake::output::EnvironmentOutput;

use crate::aws_target::{AwsArgs, connect};
use crate::console::Console;
use crate::{CliError, exit, session};

#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// The global `--env`, always named: a deletion never picks an environment itself.
    #[arg(skip)]
    pub env: String,
    /// Stacks to delete, with the stacks that depend on them (default: all); names or glob
    /// patterns (`'*-team-*'`).
    pub stacks: Vec<String>,
    /// Delete without asking (required without a terminal).
    #[arg(long, short)]
    pub yes: bool,
    /// Print what was done per stack as JSON on standard output (progress goes to standard
    /// error).
    #[arg(long)]
    pub json: bool,
    /// The global `--profile`, `--region` and `--endpoint-url`.
    #[arg(skip)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The global `--env` (default: dev).
    #[arg(skip)]
    pub env: String,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
    /// Show the latest stage B batches instead (from the execution history): what each
    /// published, its Glue table and its data-quality results.
    #[arg(long)]
    pub batches: bool,
    /// The global `--profile`, `--region` and `--endpoint-url`.
    #[arg(skip)]
    pub aws: AwsArgs,
}

/// Batches `status --batches` shows.
const LATEST_BATCHES: usize = 20;

pub fn run_destroy(args: &DestroyArgs, console: &Console) -> Result<ExitCode, CliError> {
    let (lake, output) = session::synthesize(&args.env)?;
    let env = session::environment(&lake, &output);
    let interrupts = std::sync::Arc::new(Interrupts::default());
    let code = crate::runtime()?.block_on(async {
        crate::watch_interrupts(
            interrupts.clone(),
            Some(
                "interrupted: no further stack will be deleted; the deletion under way cannot be cancelled and is \
                 followed to its end; press Ctrl-C again to stop watching",
            ),
        )?;
        let conn = connect(env, &args.aws).await?;
        destroy_with(&conn.cloudformation, &output, args, console, &interrupts).await
    })?;
    Ok(ExitCode::from(code))
}

/// The deletion after connecting: what is deployed, the confirmation, the engine's run with
/// its progress on `console`, and what each stack ended as. Returns the exit code.
pub async fn destroy_with(
    api: &impl Stacks,
    output: &EnvironmentOutput,
    args: &DestroyArgs,
    console: &Console,
    interrupts: &Interrupts,
) -> Result<u8, CliError> {
    let selected = select(&sdlf_deploy::select::nodes(output), &args.env, &args.stacks, Direction::Dependents)?;
    let stacks: Vec<_> = output.stacks.iter().filter(|s| selected.contains(&s.name)).collect();
    let deployed = session::deployed(api, output).await?;
    let present: Vec<&str> = stacks.iter().map(|s| s.name.as_str()).filter(|n| deployed.contains_key(*n)).collect();
    if !present.is_empty() && !args.yes {
        if !console.interactive {
            return Err(CliError::NeedsYes { what: format!("deleting {} stack(s)", present.len()) });
        }
        let question =
            format!("Delete {} stack(s) of environment {}: {}?", present.len(), args.env, present.join(", "));
        if !console.ask(&question, args.json) {
            return Err(CliError::NeedsYes { what: "deleting (declined)".into() });
        }
    }
    let results = if present.is_empty() {
        Vec::new()
    } else {
        let progress = |stack: &str, what: &str| {
            let line = format!("{stack}: {what}");
            if args.json { console.error(&line) } else { console.line(&line) }
        };
        destroy(api, &stacks, &deployed, interrupts, progress).await?
    };
    let code = destroy_exit_code(&results, interrupts.count() > 0);
    if args.json {
        console.print(&crate::to_json_text(&destroyed_json(&args.env, &results, code)));
    } else {
        report_destroyed(console, &args.env, &results);
    }
    Ok(code)
}

/// The most severe outcome decides: interrupted, else failed.
fn destroy_exit_code(results: &[(String, Destroyed)], interrupted: bool) -> u8 {
    let failed = results
        .iter()
        .any(|(_, r)| matches!(r, Destroyed::Protected | Destroyed::Failed { .. } | Destroyed::Blocked { .. }));
    match (interrupted, failed) {
        (true, _) => exit::INTERRUPTED,
        (false, true) => exit::FAILED,
        (false, false) => exit::OK,
    }
}

fn report_destroyed(console: &Console, env: &str, results: &[(String, Destroyed)]) {
    if results.is_empty() {
        console.line(&format!("nothing to delete: no stack of environment {env} is deployed"));
    }
    for (stack, r) in results {
        match r {
            Destroyed::Deleted { retained } if !retained.is_empty() => {
                console.line(&format!(
                    "{stack}: deleted; kept (DeletionPolicy Retain), delete them yourself if no longer needed:"
                ));
                for k in retained {
                    console.line(&format!("    {} ({})", k.logical_id, k.resource_type));
                }
            }
            Destroyed::Deleted { .. } | Destroyed::NotDeployed => {}
            Destroyed::Protected => console.error(&format!(
                "{stack}: termination protection is on; nothing was deleted. If you mean it: aws cloudformation \
                 update-termination-protection --no-enable-termination-protection --stack-name {stack}"
            )),
            Destroyed::Failed { status, reasons } => {
                console.error(&format!("{stack}: {status}"));
                for reason in reasons {
                    console.error(&format!("    {reason}"));
                }
            }
            Destroyed::Blocked { dependent } => {
                console.error(&format!("{stack}: not deleted: {dependent}, which depends on it, is still there"))
            }
            Destroyed::Interrupted { state } => console.error(&format!("{stack}: interrupted: {state}")),
        }
    }
}

/// `destroy --json`: per stack what was done (deleted, with what was kept; or why not).
fn destroyed_json(env: &str, results: &[(String, Destroyed)], code: u8) -> serde_json::Value {
    let stacks: Vec<serde_json::Value> = results
        .iter()
        .map(|(name, r)| {
            let (result, detail) = match r {
                Destroyed::Deleted { .. } => ("deleted", None),
                Destroyed::NotDeployed => ("not-deployed", None),
                Destroyed::Protected => ("protected", Some("termination protection is on".to_owned())),
                Destroyed::Failed { status, reasons } => {
                    ("failed", Some(session::failure_lines(status, reasons).join("\n")))
                }
                Destroyed::Blocked { dependent } => ("blocked", Some(format!("{dependent} depends on it"))),
                Destroyed::Interrupted { state } => ("interrupted", Some(state.clone())),
            };
            let retained: Vec<serde_json::Value> = match r {
                Destroyed::Deleted { retained } => retained
                    .iter()
                    .map(|k| serde_json::json!({"logicalId": k.logical_id, "type": k.resource_type}))
                    .collect(),
                _ => Vec::new(),
            };
            serde_json::json!({"name": name, "result": result, "detail": detail, "retained": retained})
        })
        .collect();
    serde_json::json!({ "environment": env, "exitCode": code, "stacks": stacks })
}

pub fn run_status(args: &StatusArgs, console: &Console) -> Result<ExitCode, CliError> {
    let (lake, output) = session::synthesize(&args.env)?;
    let env = session::environment(&lake, &output);
    if args.batches {
        return run_status_batches(args, &lake, env, console);
    }
    crate::runtime()?.block_on(async {
        let conn = connect(env, &args.aws).await?;
        status_with(&conn.cloudformation, &output, args, console).await
    })?;
    Ok(ExitCode::from(exit::OK))
}

/// `status` after connecting: each stack's state and outputs, as text or JSON.
pub async fn status_with(
    api: &impl Stacks,
    output: &EnvironmentOutput,
    args: &StatusArgs,
    console: &Console,
) -> Result<(), CliError> {
    let deployed = session::deployed(api, output).await?;
    console.print(&if args.json {
        crate::to_json_text(&status_json(output, &deployed))
    } else {
        status_text(output, &deployed, &console.style())
    });
    Ok(())
}

/// `status --json`: each stack of the environment, deployed or not, with its outputs.
fn status_json(output: &EnvironmentOutput, deployed: &BTreeMap<String, DeployedStack>) -> serde_json::Value {
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
    serde_json::Value::Array(stacks)
}

/// `status`: a row per stack of the environment, then each deployed stack's outputs.
fn status_text(output: &EnvironmentOutput, deployed: &BTreeMap<String, DeployedStack>, style: &Style) -> String {
    let rows: Vec<Vec<String>> = output
        .stacks
        .iter()
        .map(|s| match deployed.get(&s.name) {
            Some(d) => vec![
                s.name.clone(),
                d.status.clone(),
                d.last_updated.clone().unwrap_or_else(|| "-".to_owned()),
                d.drift.clone().unwrap_or_else(|| "unknown".to_owned()),
            ],
            None => vec![s.name.clone(), "not deployed".to_owned(), "-".to_owned(), "-".to_owned()],
        })
        .collect();
    let mut text = sdlf_diff::render_table(&["STACK", "STATUS", "LAST UPDATE", "DRIFT"], &rows, style);
    for (name, d) in output.stacks.iter().filter_map(|s| Some((&s.name, deployed.get(&s.name)?))) {
        if !d.outputs.is_empty() {
            let _ = writeln!(text, "\nOutputs of {name}:");
            for (key, value) in &d.outputs {
                let _ = writeln!(text, "  {key} = {value}");
            }
        }
    }
    text
}

fn run_status_batches(
    args: &StatusArgs,
    lake: &sdlf_lake::Lake,
    env: &sdlf_lake::Environment,
    console: &Console,
) -> Result<ExitCode, CliError> {
    let table = sdlf_lake::Names::new(lake, env)
        .lake_resource(sdlf_lambda_core::contract::resources::LakeResource::ExecutionHistoryTable.suffix());
    let rows = crate::runtime()?.block_on(async {
        let conn = connect(env, &args.aws).await?;
        conn.lake.scan(&table).await.map_err(CliError::from)
    })?;
    let batches = sdlf_local::batches::latest(&rows, LATEST_BATCHES);
    console.print(&if args.json {
        crate::to_json_text(&sdlf_local::batches::to_json(&batches))
    } else {
        sdlf_local::batches::render_text(&batches)
    });
    Ok(ExitCode::from(exit::OK))
}
