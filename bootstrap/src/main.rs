//! `cargo run -p bootstrap`: deploys the CI/CD stack that tests, plans and deploys the lake on
//! every push (`synth` writes it without touching AWS; `run-local` runs its pipeline here).
//! One error path and the `sdlf` exit codes (README, "Exit codes").

mod first_push;
mod local_review;
mod local_run;
mod status;
mod sync;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use sdlf::aws_target::AwsArgs;
use sdlf::deploy::DeployArgs;
use sdlf::{CliError, exit};
use sdlf_cicd::output::{CicdError, synth, synth_trust};
use sdlf_cicd::pipeline::{DEFAULT_BRANCH, DEFAULT_TEST_COMMAND, Settings, Source, aws_environments};
use sdlf_cicd::stack::Request;
use sdlf_cicd::status::Connections;
use sdlf_lake::output::EnvironmentOutput;
use sdlf_lake::{Environment, Lake};

#[derive(Debug, Parser)]
#[command(
    name = "bootstrap",
    about = "Sets up the CI/CD that tests, plans and deploys the lake on every push",
    long_about = "Deploys the CI/CD stack {org}-{domain}-cicd (source, CodeBuild projects, CodePipeline, \
                  execution roles, notifications) through the same change sets as `sdlf deploy`. \
                  `synth` writes its template without touching AWS; `run-local` runs the pipeline on \
                  this machine against the local emulator.\n\nExit codes: as sdlf's (0 success, 2 usage, \
                  3 refused, 4 failed, 5 local files, 130 interrupted).",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    deploy: BootstrapArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the CI/CD stack's template and manifest without touching AWS.
    Synth(SynthArgs),
    /// Run the pipeline here: a commit checked out afresh, each stage's buildspec with
    /// CodeBuild's semantics, against the local emulator.
    RunLocal(local_run::RunLocalArgs),
}

/// What the CI/CD is made of.
#[derive(Debug, Args, Clone)]
pub(crate) struct PipelineArgs {
    /// Environment whose account and region host the CI/CD (default: the lake's first AWS
    /// environment); with --trust, the environment that lends its roles.
    #[arg(long, short)]
    pub(crate) env: Option<String>,
    /// codecommit, github:OWNER/REPO, gitlab:GROUP/REPO or bitbucket:OWNER/REPO.
    #[arg(long, default_value = "codecommit")]
    source: String,
    /// The branch that is tested, planned and deployed.
    #[arg(long, default_value = DEFAULT_BRANCH)]
    branch: String,
    /// The Test stage's command.
    #[arg(long, default_value = DEFAULT_TEST_COMMAND)]
    test_command: String,
    /// The Secrets Manager secret holding the GitHub or GitLab token pull-request reviews
    /// comment with (default: {org}-{domain}-cicd/review-token). Create it yourself; the
    /// token never goes into a template.
    #[arg(long, value_name = "NAME")]
    review_token_secret: Option<String>,
    /// Create, in this (the environment's) account, the roles a pipeline in account
    /// PIPELINE_ACCOUNT uses to deploy the environment, as `cdk bootstrap --trust` does.
    #[arg(long, value_name = "PIPELINE_ACCOUNT")]
    trust: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct BootstrapArgs {
    #[command(flatten)]
    pub(crate) pipeline: PipelineArgs,
    /// Execute without asking (required without a terminal).
    #[arg(long, short)]
    yes: bool,
    /// Show each pipeline stage's latest state, the latest execution and the connection's
    /// state, instead of deploying.
    #[arg(long, conflicts_with = "wait")]
    status: bool,
    /// Follow the latest execution until it ends, instead of deploying; exits 0 when it
    /// succeeded, 4 otherwise.
    #[arg(long)]
    pub(crate) wait: bool,
    #[command(flatten)]
    pub(crate) aws: AwsArgs,
}

#[derive(Debug, Args)]
struct SynthArgs {
    #[command(flatten)]
    pipeline: PipelineArgs,
    /// Output directory; the stack's environment gets a subdirectory.
    #[arg(long, short, default_value = "sdlf.out/cicd")]
    out: PathBuf,
    /// With the review project's pull-request webhook, as a deploy adds it once the
    /// connection is available.
    #[arg(long)]
    review_webhook: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Synth(args)) => run_synth(&args),
        Some(Command::RunLocal(args)) => local_run::run(&args),
        None if cli.deploy.status || cli.deploy.wait => status::run(&cli.deploy),
        None => run_deploy(&cli.deploy),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// The environment the CI/CD lives in: the named one, else the lake's first AWS environment.
pub(crate) fn home<'l>(lake: &'l Lake, env: Option<&str>) -> Result<&'l Environment, CliError> {
    match env {
        Some(name) => lake.environment(name).ok_or_else(|| {
            let known: Vec<&str> = lake.environments.iter().map(|e| e.name.as_str()).collect();
            CliError::Usage(format!("the lake defines no environment `{name}` (it has: {})", known.join(", ")))
        }),
        None => aws_environments(lake)
            .into_iter()
            .next()
            .ok_or_else(|| CliError::Usage("the lake defines no AWS environment; name one with --env".into())),
    }
}

/// The CI/CD stack (or, with --trust, the trust stack) of `args`; with the review's webhook
/// when `review_webhook`.
fn synthesize(
    lake: &Lake,
    args: &PipelineArgs,
    review_webhook: bool,
) -> Result<(Environment, EnvironmentOutput), CliError> {
    let home = home(lake, args.env.as_deref())?;
    let output = match &args.trust {
        Some(account) => {
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                return Err(CliError::Usage(format!("--trust {account}: an AWS account id is 12 digits")));
            }
            synth_trust(lake, home, account)
        }
        None => {
            let source = Source::parse(&args.source).map_err(|e| CliError::Usage(e.to_string()))?;
            let settings = Settings {
                branch: args.branch.clone(),
                test_command: args.test_command.clone(),
                review_token_secret: args.review_token_secret.clone(),
                review_webhook,
                ..Settings::new(source)
            };
            let targets = if home.is_local() { vec![home] } else { aws_environments(lake) };
            synth(&Request { lake, home, targets, settings: &settings })
        }
    };
    let output = output.map_err(|e| match e {
        CicdError::Synth(s) => CliError::Synth(s),
        other => CliError::Usage(other.to_string()),
    })?;
    Ok((home.clone(), output))
}

fn run_synth(args: &SynthArgs) -> Result<ExitCode, CliError> {
    let lake = sdlf_pipelines::lake();
    let (_, output) = synthesize(&lake, &args.pipeline, args.review_webhook)?;
    let outputs = [output];
    sdlf::synth::write(&lake, &args.out, &outputs)?;
    print!("{}", sdlf::synth::render(&lake, &args.out, &outputs));
    Ok(ExitCode::from(exit::OK))
}

fn run_deploy(args: &BootstrapArgs) -> Result<ExitCode, CliError> {
    let lake = sdlf_pipelines::lake();
    let review_webhook = connection_available(&lake, args)?;
    let (home, output) = synthesize(&lake, &args.pipeline, review_webhook)?;
    let selected: Vec<String> = output.stacks.iter().map(|s| s.name.clone()).collect();
    let deploy = DeployArgs {
        compact: false,
        env: Some(home.name.clone()),
        stacks: selected.clone(),
        exclusively: true,
        yes: args.yes,
        concurrency: 1,
        allow_replace: Vec::new(),
        no_wait: false,
        role_arn: None,
        json: false,
        aws: args.aws.clone(),
    };
    let console = sdlf::console::Console::process();
    let code = sdlf::deploy::deploy_output(&home, &output, &selected, BTreeSet::new(), &deploy, &console)?;
    if code != ExitCode::from(exit::OK) || args.pipeline.trust.is_some() {
        return Ok(code);
    }
    let pushed = if args.pipeline.source == "codecommit" && !home.is_local() {
        first_push::run(&lake, &home, &args.pipeline.branch, &args.aws)?
    } else {
        None
    };
    print!("{}", next_steps(&lake, &home, &args.pipeline, pushed.as_deref(), review_webhook));
    Ok(code)
}

/// Whether the deployed CI/CD's connection has had its handshake: CodeBuild creates the
/// review's webhook only through an AVAILABLE connection, so until then the project goes
/// without it.
fn connection_available(lake: &Lake, args: &BootstrapArgs) -> Result<bool, CliError> {
    let home = home(lake, args.pipeline.env.as_deref())?;
    let connection_source = matches!(Source::parse(&args.pipeline.source), Ok(Source::Connection { .. }));
    if !connection_source || home.is_local() || args.pipeline.trust.is_some() {
        return Ok(false);
    }
    let names = sdlf_cicd::names::CicdNames::new(lake);
    sdlf::runtime()?.block_on(async {
        let conn = sdlf::aws_target::connect(home, &args.aws).await?;
        let Some(stack) = sdlf_deploy::api::Stacks::describe(&conn.cloudformation, &names.stack()).await? else {
            return Ok(false);
        };
        Ok(match stack.outputs.get("ConnectionArn") {
            Some(arn) => Connections::status(&conn.connections, arn).await?.as_deref() == Some("AVAILABLE"),
            None => false,
        })
    })
}

/// What a person must do once the stack is there.
fn next_steps(
    lake: &Lake,
    home: &Environment,
    args: &PipelineArgs,
    pushed: Option<&str>,
    review_webhook: bool,
) -> String {
    let names = sdlf_cicd::names::CicdNames::new(lake);
    let mut out = String::from("\nNext:\n");
    match Source::parse(&args.source) {
        Ok(Source::Connection { provider, repository }) => {
            if !review_webhook {
                out.push_str(&format!(
                    "  - The {} connection `{}` is PENDING until you complete its handshake: open \
                     https://console.aws.amazon.com/codesuite/settings/connections?region={} , choose the connection, \
                     \"Update pending connection\", and authorise access to {repository}. Then run this command \
                     again: it adds the webhook that reviews pull requests (CodeBuild needs the connection \
                     available).\n",
                    provider.as_str(),
                    names.connection(provider.as_str()),
                    home.region()
                ));
            }
            if provider != sdlf_cicd::pipeline::Provider::Bitbucket {
                let secret = args.review_token_secret.clone().unwrap_or_else(|| names.review_token_secret());
                out.push_str(&format!(
                    "  - Pull-request reviews comment with a {} token (scope: comment on pull requests) kept in \
                     Secrets Manager: `aws secretsmanager create-secret --region {} --name {secret} --secret-string \
                     \"$TOKEN\"` (the token never goes into a template).\n",
                    provider.as_str(),
                    home.region()
                ));
            }
        }
        _ if home.is_local() => out.push_str("  - Run the pipeline here: cargo run -p bootstrap -- run-local\n"),
        _ => out.push_str(&format!("  - {}\n", pushed.unwrap_or("Push this repository to CodeCommit (see above)."))),
    }
    for env in aws_environments(lake).into_iter().filter(|e| e.account() != home.account()) {
        out.push_str(&format!(
            "  - With credentials of account {} run: cargo run -p bootstrap -- --env {} --trust {}\n",
            env.account(),
            env.name,
            home.account()
        ));
    }
    out.push_str("  - Approvals: each environment after the first waits for a person in the CodePipeline console.\n");
    out
}
