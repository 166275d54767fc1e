//! `sdlf diff`: what a deploy would change, per stack, for one or more environments.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use sdlf_deploy::engine::diff::{Method, Upload, diff_stacks};
use sdlf_deploy::select::{Direction, select};
use sdlf_diff::{
    EnvironmentPlan, MarkdownOptions, Style, TemplateDiff, render_json, render_markdown, render_text, summary_line,
};

use sdlf_deploy::api::{Objects, Stacks};
use sdlf_lake::output::EnvironmentOutput;

use crate::aws_target::{AwsArgs, connect};
use crate::console::Console;
use crate::{CliError, exit, session};

#[derive(Debug, Args, Clone)]
pub struct DiffArgs {
    /// The global `--env`, repeatable here for several environments (text and Markdown;
    /// default: dev).
    #[arg(skip)]
    pub envs: Vec<String>,
    /// Stacks to compare (default: all of the environment), names or glob patterns
    /// (`'*-team-*'`); or two template files, OLD.json NEW.json, compared with each other
    /// without AWS (as `rain diff`).
    pub stacks: Vec<String>,
    /// template: compare templates only; change-set: ask CloudFormation too (its answer wins);
    /// auto: change sets where possible.
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    pub method: MethodArg,
    /// How to show the diff: text for people, markdown for a pull request, json for programs.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print the diff as JSON (the same as --format json).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Write the diff to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Markdown: at most N bytes (at least 8192) with what `sdlf review` adds, the most severe
    /// changes kept (CodeCommit comments hold 10240 characters, GitHub's 65536).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(8192..))]
    pub max_bytes: Option<u32>,
    /// Markdown: also write the whole plan, however long, to FILE (the build's artifact that
    /// --full-plan names).
    #[arg(long, value_name = "FILE")]
    pub full_out: Option<PathBuf>,
    /// The AWS profile for one environment, as ENV=PROFILE (repeatable): environments in other
    /// accounts planned in one run (the review build assumes a role in each).
    #[arg(long = "env-profile", value_name = "ENV=PROFILE", value_parser = parse_env_profile)]
    pub env_profiles: Vec<(String, String)>,
    /// Markdown: where the full plan can be read, named when the plan is cut (e.g. the build's
    /// artifact).
    #[arg(long, value_name = "WHERE")]
    pub full_plan: Option<String>,
    /// Exit with 1 when there are changes (for CI gates).
    #[arg(long)]
    pub fail: bool,
    /// Exit with 3 when the data-loss guard would refuse the deploy of a stack (a pull
    /// request's check; a queue counts as refused, its messages are only counted at deploy).
    #[arg(long)]
    pub fail_if_refused: bool,
    /// Also write the diff as JSON to this file (the CI/CD's plan artifact).
    #[arg(long, value_name = "FILE")]
    pub json_out: Option<PathBuf>,
    /// Also write the one-line summary to this file (what the CI/CD's approval shows).
    #[arg(long, value_name = "FILE")]
    pub summary_out: Option<PathBuf>,
    /// The global `--profile`, `--region` and `--endpoint-url`.
    #[arg(skip)]
    pub aws: AwsArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    Template,
    ChangeSet,
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

/// One environment's diffs, and what of them the data-loss guard would refuse (by stack, as
/// the deploy engine's own rule decides it).
struct EnvironmentDiffs {
    environment: String,
    diffs: Vec<TemplateDiff>,
    refused: BTreeMap<String, BTreeMap<String, String>>,
}

pub fn run(args: &DiffArgs, console: &Console) -> Result<ExitCode, CliError> {
    if let [old, new] = args.stacks.as_slice()
        && [old, new].iter().all(|p| p.ends_with(".json") || Path::new(p).is_file())
    {
        return run_files(Path::new(old), Path::new(new), args, console);
    }
    let single = args.envs.len() == 1;
    if !single && (format(args) == Format::Json || args.json_out.is_some() || args.summary_out.is_some()) {
        return Err(CliError::Usage(
            "JSON and the summary file are of one environment: pass a single --env, or use --format markdown or text"
                .into(),
        ));
    }
    if !single && !args.stacks.is_empty() {
        return Err(CliError::Usage(
            "stack names belong to one environment: pass a single --env with them, or no stack names".into(),
        ));
    }
    if let Some((env, _)) = args.env_profiles.iter().find(|(e, _)| !args.envs.contains(e)) {
        return Err(CliError::Usage(format!("--env-profile {env}=...: {env} is not one of the --env given")));
    }
    let mut all = Vec::new();
    for env in &args.envs {
        let (lake, output) = session::synthesize(env)?;
        let environment = session::environment(&lake, &output);
        let mut aws = args.aws.clone();
        if let Some((_, profile)) = args.env_profiles.iter().find(|(e, _)| e == env) {
            aws.profile = Some(profile.clone());
        }
        let diffs = crate::runtime()?.block_on(async {
            let conn = connect(environment, &aws).await?;
            let parameters = crate::aws_target::stack_parameters(environment, &aws);
            diff_environment(&conn.cloudformation, &conn.s3, &output, &parameters, args).await
        })?;
        all.push(diffs);
    }
    Ok(ExitCode::from(finish(&all, args, console)?))
}

/// `diff` of one environment after connecting: its diffs, written and printed as asked, and
/// the exit code.
pub async fn diff_with(
    stacks: &impl Stacks,
    objects: &impl Objects,
    output: &EnvironmentOutput,
    parameters: &BTreeMap<String, String>,
    args: &DiffArgs,
    console: &Console,
) -> Result<u8, CliError> {
    let diffs = diff_environment(stacks, objects, output, parameters, args).await?;
    finish(&[diffs], args, console)
}

fn format(args: &DiffArgs) -> Format {
    if args.json { Format::Json } else { args.format }
}

/// Writes the files asked for, prints the diff (or writes it to `--out`) and returns the exit code.
fn finish(all: &[EnvironmentDiffs], args: &DiffArgs, console: &Console) -> Result<u8, CliError> {
    let write = |path: &Path, text: String| std::fs::write(path, text).map_err(|e| CliError::io(path, e));
    if let (Some(path), [one]) = (&args.json_out, all) {
        write(path, crate::to_json_text(&render_json(&one.diffs)))?;
    }
    if let (Some(path), [one]) = (&args.summary_out, all) {
        write(path, summary_line(&one.diffs) + "\n")?;
    }
    if let Some(path) = &args.full_out {
        write(path, render(all, Format::Markdown, &DiffArgs { max_bytes: None, ..args.clone() }, console))?;
    }
    let rendered = render(all, format(args), args, console);
    match &args.out {
        Some(path) => write(path, rendered)?,
        None => console.print(&rendered),
    }
    let changed = all.iter().flat_map(|e| &e.diffs).any(|d| !d.is_empty());
    let refused = all.iter().flat_map(|e| e.refused.values()).any(|r| !r.is_empty());
    Ok(exit_code(changed && args.fail, refused && args.fail_if_refused))
}

/// `sdlf diff OLD.json NEW.json`: two template files, no AWS; the diff is named after NEW.
fn run_files(old: &Path, new: &Path, args: &DiffArgs, console: &Console) -> Result<ExitCode, CliError> {
    let read = |path: &Path| {
        let body = std::fs::read_to_string(path).map_err(|e| CliError::io(path, e))?;
        let mut template =
            sdlf_cfn::parse(&body).map_err(|e| CliError::Template { path: path.to_owned(), problem: e.to_string() })?;
        template.name = path.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        Ok::<_, CliError>(template)
    };
    let (old, new) = (read(old)?, read(new)?);
    let diff = sdlf_diff::diff(Some(&old), &new, &sdlf_cfn_types::Registry);
    let refused = BTreeMap::from([(diff.stack.clone(), sdlf_deploy::guard::at_review(&diff))]);
    let all = [EnvironmentDiffs { environment: "files".into(), diffs: vec![diff], refused }];
    Ok(ExitCode::from(finish(&all, args, console)?))
}

fn parse_env_profile(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((env, profile)) if !env.is_empty() && !profile.is_empty() => Ok((env.to_owned(), profile.to_owned())),
        _ => Err(format!("`{text}` is not ENV=PROFILE, e.g. prod=sdlf-review-prod")),
    }
}

/// A refusal outranks changes, as in every command (the most severe outcome wins).
fn exit_code(fail_on_changes: bool, fail_on_refusal: bool) -> u8 {
    match (fail_on_refusal, fail_on_changes) {
        (true, _) => exit::INVALID,
        (false, true) => exit::CHANGES,
        (false, false) => exit::OK,
    }
}

/// The diffs of the selected stacks of an environment against what is deployed, and what of
/// them the data-loss guard would refuse.
async fn diff_environment(
    api: &impl Stacks,
    objects: &impl Objects,
    output: &EnvironmentOutput,
    parameters: &BTreeMap<String, String>,
    args: &DiffArgs,
) -> Result<EnvironmentDiffs, CliError> {
    let env = &output.environment;
    let selected = select(&sdlf_deploy::select::nodes(output), env, &args.stacks, Direction::Exclusively)?;
    let stacks: Vec<_> = output.stacks.iter().filter(|s| selected.contains(&s.name)).collect();
    let method = match args.method {
        MethodArg::Template => Method::Template,
        MethodArg::ChangeSet => Method::ChangeSet,
        MethodArg::Auto => Method::Auto,
    };
    let deployed = session::deployed(api, output).await?;
    let upload = Upload { objects, bucket: &output.assets_bucket };
    let diffs = diff_stacks(api, Some(&upload), &stacks, &deployed, method, parameters).await?;
    let refused = diffs.iter().map(|d| (d.stack.clone(), sdlf_deploy::guard::at_review(d))).collect();
    Ok(EnvironmentDiffs { environment: env.clone(), diffs, refused })
}

fn render(all: &[EnvironmentDiffs], format: Format, args: &DiffArgs, console: &Console) -> String {
    match format {
        Format::Json => crate::to_json_text(&render_json(all.first().map_or(&[][..], |e| e.diffs.as_slice()))),
        Format::Markdown => {
            let plans: Vec<EnvironmentPlan<'_>> = all
                .iter()
                .map(|e| EnvironmentPlan { environment: &e.environment, diffs: &e.diffs, refused: &e.refused })
                .collect();
            // Room for the marker `sdlf review` puts before the plan: the limit is the comment's.
            let options = MarkdownOptions {
                max_bytes: args.max_bytes.map(|n| (n as usize).saturating_sub(sdlf_cicd::review::overhead())),
                full_plan: args.full_plan.as_deref(),
            };
            render_markdown(&plans, &options)
        }
        Format::Text => {
            // A file gets neither colour nor the terminal's width.
            let style = if args.out.is_none() { console.style() } else { Style::PLAIN };
            let texts: Vec<String> = all
                .iter()
                .map(|e| {
                    let text = render_text(&e.diffs, &style);
                    if all.len() > 1 { format!("Environment {}\n\n{text}", e.environment) } else { text }
                })
                .collect();
            texts.join("\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_outranks_changes_and_nothing_asked_for_is_success() {
        assert_eq!(exit_code(true, true), exit::INVALID);
        assert_eq!(exit_code(false, true), exit::INVALID);
        assert_eq!(exit_code(true, false), exit::CHANGES);
        assert_eq!(exit_code(false, false), exit::OK);
    }
}
