//! `sdlf review`: the plan (`sdlf diff --format markdown`), or the review build's whole check
//! (`--results`: tests and plan, headed by the verdict), as the pull request's one plan
//! comment, created on the first run and updated in place on later ones.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgGroup, Args, ValueEnum};
use sdlf_cicd::review::check::{Check, Plan, Tests, files};
use sdlf_cicd::review::{Posted, Provider as Host, PullRequestComments, post_plan};

use crate::aws_target::AwsArgs;
use crate::{CliError, exit};

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).args(["plan", "results"])))]
pub struct ReviewArgs {
    /// Where the pull request is (`local`: one simulated by `bootstrap run-local
    /// --pull-request`, whose comments are files).
    #[arg(long, value_enum)]
    pub provider: Provider,
    /// The repository: `owner/name` on GitHub, `group/name` on GitLab, the repository's name
    /// on CodeCommit, the simulated repository's directory for `local`.
    #[arg(long)]
    pub repository: String,
    /// The pull request's number (GitHub, GitLab: the merge request's iid) or id.
    #[arg(long)]
    pub pull_request: String,
    /// The plan to post, as `sdlf diff --format markdown --out FILE` wrote it.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// The review build's results directory (tests' log and status, plan, plan's status):
    /// posts the check's verdict with the plan and exits 1 when the check fails.
    #[arg(long, value_name = "DIR")]
    pub results: Option<PathBuf>,
    /// CodeCommit: the destination branch's commit the pull request compares with.
    #[arg(long, required_if_eq("provider", "codecommit"))]
    pub before_commit: Option<String>,
    /// CodeCommit: the source branch's commit.
    #[arg(long, required_if_eq("provider", "codecommit"))]
    pub after_commit: Option<String>,
    /// GitHub, GitLab: the API's URL (default: github.com's or gitlab.com's; GitHub Enterprise
    /// Server `https://HOST/api/v3`, self-managed GitLab `https://HOST/api/v4`).
    #[arg(long)]
    pub api_url: Option<String>,
    /// The global `--env`; CodeCommit: the environment whose region the repository is in (the
    /// CI/CD's home; default: dev).
    #[arg(skip)]
    pub env: String,
    /// The global `--profile`, `--region` and `--endpoint-url`.
    #[arg(skip)]
    pub aws: AwsArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Provider {
    Github,
    Gitlab,
    Codecommit,
    Local,
}

impl Provider {
    fn host(self) -> Host {
        match self {
            Provider::Github => Host::GitHub,
            Provider::Gitlab => Host::GitLab,
            Provider::Codecommit => Host::CodeCommit,
            Provider::Local => Host::Local,
        }
    }
}

pub fn run(args: &ReviewArgs) -> Result<ExitCode, CliError> {
    let (body, failures) = match (&args.plan, &args.results) {
        (Some(plan), _) => (read(plan)?, Vec::new()),
        (None, Some(dir)) => {
            let check = read_check(dir)?;
            (check.comment(), check.failures())
        }
        (None, None) => {
            return Err(CliError::Usage("give the plan to post (--plan) or the results (--results)".into()));
        }
    };
    let posted = crate::runtime()?.block_on(async {
        match args.provider {
            Provider::Github => post(&github(args)?, &body).await,
            Provider::Gitlab => post(&gitlab(args)?, &body).await,
            Provider::Local => {
                post(
                    &sdlf_cicd::review::local::LocalPullRequest::new(Path::new(&args.repository), &args.pull_request),
                    &body,
                )
                .await
            }
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
                post(&pull_request, &body).await
            }
        }
    })?;
    println!("{posted}");
    if failures.is_empty() {
        return Ok(ExitCode::from(exit::OK));
    }
    eprintln!("error: the check fails: {}", failures.join("; "));
    Ok(ExitCode::from(exit::CHANGES))
}

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::io(path, e))
}

/// A step's exit status, as the buildspec wrote it; `None` when the step never wrote it.
fn status(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The check from what the review build's steps wrote in `dir` (`sdlf diff` exits 3 with a
/// plan when the guard would refuse a deploy, 3 without one when the definition is invalid).
fn read_check(dir: &Path) -> Result<Check, CliError> {
    if !dir.is_dir() {
        return Err(CliError::Usage(format!("--results {}: no such directory", dir.display())));
    }
    let tests = match status(&dir.join(files::TESTS_EXIT)) {
        Some(0) => Tests::Passed,
        status => {
            Tests::Failed { status, log: std::fs::read_to_string(dir.join(files::TESTS_LOG)).unwrap_or_default() }
        }
    };
    let plan_file = dir.join(files::PLAN);
    let plan = match status(&dir.join(files::PLAN_EXIT)) {
        Some(code) if code == i32::from(exit::OK) => Plan::Planned { markdown: read(&plan_file)?, refused: false },
        Some(code) if code == i32::from(exit::INVALID) && plan_file.is_file() => {
            Plan::Planned { markdown: read(&plan_file)?, refused: true }
        }
        status => {
            Plan::Failed { status, errors: std::fs::read_to_string(dir.join(files::PLAN_ERRORS)).unwrap_or_default() }
        }
    };
    Ok(Check { tests, plan })
}

async fn post<C: PullRequestComments>(comments: &C, body: &str) -> Result<String, CliError> {
    let what = match post_plan(comments, body).await? {
        Posted::Created(id) => format!("created the plan comment {id}"),
        Posted::Updated(id) => format!("updated the plan comment {id}"),
        Posted::Unchanged(id) => format!("the plan comment {id} already shows this plan"),
    };
    Ok(format!("{}: {what}", comments.pull_request()))
}

/// The provider's token, from its variable (in CodeBuild: from Secrets Manager); never from a
/// flag, so it stays out of the process list and build logs.
fn token(args: &ReviewArgs) -> Result<String, CliError> {
    let variable = args.provider.host().token_variable().expect("a provider with a token");
    std::env::var(variable).ok().filter(|t| !t.is_empty()).ok_or_else(|| {
        CliError::Usage(format!(
            "{variable} is not set: the {} poster needs a token that may comment on {}'s pull requests",
            args.provider.host().as_str(),
            args.repository
        ))
    })
}

fn number(args: &ReviewArgs) -> Result<u64, CliError> {
    args.pull_request.parse().map_err(|_| {
        CliError::Usage(format!(
            "--pull-request `{}`: a {} pull request is a number",
            args.pull_request,
            args.provider.host().as_str()
        ))
    })
}

fn github(args: &ReviewArgs) -> Result<sdlf_github::GitHub, CliError> {
    let api = args.api_url.as_deref().unwrap_or(sdlf_github::API);
    Ok(sdlf_github::GitHub::new(api, &args.repository, number(args)?, token(args)?))
}

fn gitlab(args: &ReviewArgs) -> Result<sdlf_github::GitLab, CliError> {
    let api = args.api_url.as_deref().unwrap_or(sdlf_github::GITLAB_API);
    Ok(sdlf_github::GitLab::new(api, &args.repository, number(args)?, token(args)?))
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
