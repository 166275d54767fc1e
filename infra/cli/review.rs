//! `sdlf review`: the plan (`sdlf diff --format markdown`) as the pull request's one plan
//! comment, created on the first run and updated in place on later ones.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use sdlf_cicd::review::{Posted, PullRequestComments, post_plan};

use crate::aws_target::AwsArgs;
use crate::{CliError, exit};

/// Where the GitHub token is read from (in CodeBuild: from Secrets Manager into the
/// environment); never from a flag, so it stays out of the process list and build logs.
pub const GITHUB_TOKEN: &str = "GITHUB_TOKEN";

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Where the pull request is.
    #[arg(long, value_enum)]
    pub provider: Provider,
    /// The repository: `owner/name` on GitHub, the repository's name on CodeCommit.
    #[arg(long)]
    pub repository: String,
    /// The pull request's number (GitHub) or id (CodeCommit).
    #[arg(long)]
    pub pull_request: String,
    /// The plan to post, as `sdlf diff --format markdown --out FILE` wrote it.
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,
    /// CodeCommit: the destination branch's commit the pull request compares with.
    #[arg(long, required_if_eq("provider", "codecommit"))]
    pub before_commit: Option<String>,
    /// CodeCommit: the source branch's commit.
    #[arg(long, required_if_eq("provider", "codecommit"))]
    pub after_commit: Option<String>,
    /// GitHub: the API's URL (GitHub Enterprise Server: `https://HOST/api/v3`).
    #[arg(long, default_value = sdlf_github::API)]
    pub api_url: String,
    /// CodeCommit: the environment whose region the repository is in (the CI/CD's home).
    #[arg(long, short, default_value = "dev")]
    pub env: String,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Provider {
    Github,
    Codecommit,
}

pub fn run(args: &ReviewArgs) -> Result<ExitCode, CliError> {
    let plan = std::fs::read_to_string(&args.plan).map_err(|e| CliError::io(&args.plan, e))?;
    let posted = crate::runtime()?.block_on(async {
        match args.provider {
            Provider::Github => post(&github(args)?, &plan).await,
            Provider::Codecommit => {
                let conn = sdlf_aws::connect(&codecommit_target(args)?).await;
                // Unknown (no STS answer): any marked comment is taken for the plan's.
                let poster = conn.caller_arn().await.ok();
                let pull_request = sdlf_aws::CodeCommitPullRequest {
                    codecommit: &conn.codecommit,
                    repository: args.repository.clone(),
                    pull_request_id: args.pull_request.clone(),
                    before_commit: args.before_commit.clone().unwrap_or_default(),
                    after_commit: args.after_commit.clone().unwrap_or_default(),
                    poster,
                };
                post(&pull_request, &plan).await
            }
        }
    })?;
    println!("{posted}");
    Ok(ExitCode::from(exit::OK))
}

async fn post<C: PullRequestComments>(comments: &C, plan: &str) -> Result<String, CliError> {
    let what = match post_plan(comments, plan).await? {
        Posted::Created(id) => format!("created the plan comment {id}"),
        Posted::Updated(id) => format!("updated the plan comment {id}"),
        Posted::Unchanged(id) => format!("the plan comment {id} already shows this plan"),
    };
    Ok(format!("{}: {what}", comments.pull_request()))
}

fn github(args: &ReviewArgs) -> Result<sdlf_github::GitHub, CliError> {
    let number = args.pull_request.parse().map_err(|_| {
        CliError::Usage(format!("--pull-request `{}`: a GitHub pull request is a number", args.pull_request))
    })?;
    let token = std::env::var(GITHUB_TOKEN).ok().filter(|t| !t.is_empty()).ok_or_else(|| {
        CliError::Usage(format!(
            "{GITHUB_TOKEN} is not set: the GitHub poster needs a token that may comment on {}'s pull requests",
            args.repository
        ))
    })?;
    Ok(sdlf_github::GitHub::new(&args.api_url, &args.repository, number, token))
}

fn codecommit_target(args: &ReviewArgs) -> Result<sdlf_aws::Target, CliError> {
    let lake = sdlf_pipelines::lake();
    let env = lake.environment(&args.env).ok_or_else(|| CliError::Usage(format!("no environment `{}`", args.env)))?;
    Ok(sdlf_aws::Target {
        profile: args.aws.profile.clone(),
        region: args.aws.region.clone(),
        default_region: env.region().to_owned(),
        endpoint_url: args.aws.endpoint_url.clone(),
        emulator: env.is_local(),
    })
}
