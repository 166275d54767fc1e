//! `sdlf diff`: what a deploy would change, per stack.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use sdlf_deploy::api::Stacks;
use sdlf_deploy::engine::diff::{Method, Upload, diff_stacks};
use sdlf_deploy::select::{Direction, Node, select};
use sdlf_diff::{Style, render_json, render_text};
use sdlf_lake::output::EnvironmentOutput;

use crate::aws_target::{AwsArgs, connect};
use crate::{CliError, exit};

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
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    Template,
    ChangeSet,
    Auto,
}

/// The graph nodes of an environment's stacks.
pub fn nodes(output: &EnvironmentOutput) -> Vec<Node> {
    output.stacks.iter().map(|s| Node { name: s.name.clone(), depends_on: s.depends_on.clone() }).collect()
}

/// The longest common prefix of the stack names: one DescribeStacks listing covers them all.
pub fn stack_prefix(output: &EnvironmentOutput) -> String {
    let mut names = output.stacks.iter().map(|s| s.name.as_str());
    let Some(first) = names.next() else { return String::new() };
    names.fold(first.to_owned(), |prefix, n| {
        prefix.chars().zip(n.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect()
    })
}

pub fn run(args: &DiffArgs) -> Result<ExitCode, CliError> {
    let lake = sdlf_pipelines::lake();
    let env = sdlf_lake::names::environment(&lake, &args.env)
        .map_err(|e| CliError::Synth(sdlf_lake::stacks::SynthError::Definition(vec![e])))?;
    let fingerprints = crate::assets::RepoFingerprints::new(crate::repo_root());
    let output = sdlf_lake::output::synth_environment(&lake, &args.env, &fingerprints).map_err(CliError::Synth)?;
    let selected = select(&nodes(&output), &args.env, &args.stacks, Direction::Exclusively)?;
    let stacks: Vec<_> = output.stacks.iter().filter(|s| selected.contains(&s.name)).collect();
    let method = match args.method {
        MethodArg::Template => Method::Template,
        MethodArg::ChangeSet => Method::ChangeSet,
        MethodArg::Auto => Method::Auto,
    };

    let diffs = crate::runtime()?.block_on(async {
        let conn = connect(env, &args.aws).await?;
        let deployed: BTreeMap<String, _> = conn
            .cloudformation
            .describe_all(&stack_prefix(&output))
            .await?
            .into_iter()
            .map(|d| (d.name.clone(), d))
            .collect();
        let upload = Upload { objects: &conn.s3, bucket: &output.assets_bucket };
        diff_stacks(&conn.cloudformation, Some(&upload), &stacks, &deployed, method).await.map_err(CliError::from)
    })?;

    if args.json {
        println!("{}", serde_json::to_string_pretty(&render_json(&diffs)).expect("JSON values serialize"));
    } else {
        let style = if std::io::stdout().is_terminal() { Style::COLOUR } else { Style::PLAIN };
        print!("{}", render_text(&diffs, &style));
    }
    let changed = diffs.iter().any(|d| !d.is_empty());
    Ok(ExitCode::from(if args.fail && changed { exit::CHANGES } else { exit::OK }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_prefix_covers_every_stack_of_the_environment() {
        let lake = sdlf_pipelines::lake();
        let out = sdlf_lake::output::synth_environment(&lake, "dev", &sdlf_lake::assets::StandInFingerprints).unwrap();
        assert_eq!(super::stack_prefix(&out), "anycompany-datalake-dev-");
    }
}
