//! `sdlf diff`: what a deploy would change, per stack.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use sdlf_deploy::engine::diff::{Method, Upload, diff_stacks};
use sdlf_deploy::select::{Direction, select};
use sdlf_diff::{Style, render_json, render_text, summary_line};

use crate::aws_target::{AwsArgs, connect};
use crate::{CliError, exit, session};

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Environment of the lake definition (dev, test, prod or local).
    #[arg(long, short, default_value = "dev")]
    pub env: String,
    /// Stacks to compare (default: all of the environment).
    pub stacks: Vec<String>,
    /// template: compare templates only; change-set: ask CloudFormation too (its answer wins);
    /// auto: change sets where possible.
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    pub method: MethodArg,
    /// Print the diff as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit with 1 when there are changes (for CI gates).
    #[arg(long)]
    pub fail: bool,
    /// Also write the diff as JSON to this file (the CI/CD's plan artifact).
    #[arg(long, value_name = "FILE")]
    pub json_out: Option<std::path::PathBuf>,
    /// Also write the one-line summary to this file (what the CI/CD's approval shows).
    #[arg(long, value_name = "FILE")]
    pub summary_out: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    Template,
    ChangeSet,
    Auto,
}

pub fn run(args: &DiffArgs) -> Result<ExitCode, CliError> {
    let (lake, output) = session::synthesize(&args.env)?;
    let env = session::environment(&lake, &output);
    let selected = select(&sdlf_deploy::select::nodes(&output), &args.env, &args.stacks, Direction::Exclusively)?;
    let stacks: Vec<_> = output.stacks.iter().filter(|s| selected.contains(&s.name)).collect();
    let method = match args.method {
        MethodArg::Template => Method::Template,
        MethodArg::ChangeSet => Method::ChangeSet,
        MethodArg::Auto => Method::Auto,
    };

    let diffs = crate::runtime()?.block_on(async {
        let conn = connect(env, &args.aws).await?;
        let deployed = session::deployed(&conn, &output).await?;
        let upload = Upload { objects: &conn.s3, bucket: &output.assets_bucket };
        diff_stacks(&conn.cloudformation, Some(&upload), &stacks, &deployed, method).await.map_err(CliError::from)
    })?;

    let write = |path: &std::path::Path, text: String| std::fs::write(path, text).map_err(|e| CliError::io(path, e));
    if let Some(path) = &args.json_out {
        write(path, serde_json::to_string_pretty(&render_json(&diffs)).expect("JSON values serialize") + "\n")?;
    }
    if let Some(path) = &args.summary_out {
        write(path, summary_line(&diffs) + "\n")?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&render_json(&diffs)).expect("JSON values serialize"));
    } else {
        let style = if std::io::stdout().is_terminal() { Style::COLOUR } else { Style::PLAIN };
        print!("{}", render_text(&diffs, &style));
    }
    let changed = diffs.iter().any(|d| !d.is_empty());
    Ok(ExitCode::from(if args.fail && changed { exit::CHANGES } else { exit::OK }))
}
