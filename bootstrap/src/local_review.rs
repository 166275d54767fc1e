//! `bootstrap run-local --pull-request BRANCH`: the review build of a pull request simulated
//! from BRANCH into the pipeline's branch, since no emulator has CodeCommit's pull requests.
//! The branch's head is checked out afresh and the review buildspec *rendered into the CI/CD
//! template* runs with CodeBuild's semantics, told the pull request as the EventBridge rule
//! would tell it; its comment goes to a pull request kept in files
//! (`sdlf_cicd::review::local`), which the next run updates.

use std::collections::BTreeMap;
use std::process::ExitCode;

use sdlf::{CliError, exit};
use sdlf_cicd::buildspecs::vars;
use sdlf_cicd::pipeline::Project;
use sdlf_cicd::review::local::LocalPullRequest;
use sdlf_cicd::review::{MARKER, Provider, PullRequestComments};

use crate::local_run::{self, Build, RunLocalArgs, StageContext};

/// The directory of the simulated pull requests, in the work directory.
const PULL_REQUESTS: &str = "pull-requests";

pub fn run(args: &RunLocalArgs, branch: &str) -> Result<ExitCode, CliError> {
    let repo = local_run::repository()?;
    let head =
        local_run::resolve(&repo, branch).map_err(|e| CliError::Usage(format!("--pull-request {branch}: {e}")))?;
    let base =
        local_run::resolve(&repo, &args.into).map_err(|e| CliError::Usage(format!("--into {}: {e}", args.into)))?;
    let work = local_run::work_dir(args, &repo);
    let id = pull_request_id(branch);
    let run_dir = work.join("runs").join(format!("pr-{id}-{}-{}", &head[..12], std::process::id()));
    local_run::checkout(&repo, &head, &run_dir.join("export"))?;

    let lake = sdlf_pipelines::lake();
    let local = local_run::local_environment(&lake)?;
    let buildspecs = local_run::local_buildspecs(&lake, &local, args)?;
    let repository = work.join(PULL_REQUESTS);
    println!("review of simulated pull request {id}: {branch} ({}) into {} ({})", &head[..12], args.into, &base[..12]);
    let variables = BTreeMap::from([
        (vars::REVIEW_PROVIDER.to_owned(), Provider::Local.as_str().to_owned()),
        (vars::REVIEW_REPOSITORY.to_owned(), repository.display().to_string()),
        (vars::PULL_REQUEST.to_owned(), id.clone()),
        (vars::BEFORE_COMMIT.to_owned(), base),
        (vars::AFTER_COMMIT.to_owned(), head.clone()),
    ]);
    let spec = &buildspecs[Project::Review.as_str()];
    let build = Build {
        name: "Review",
        project: Project::Review,
        spec,
        variables,
        artifacts: Some(run_dir.join("artifacts").join("review")),
        cache: work.join("cache").join(Project::Review.as_str()),
    };
    let ctx = StageContext {
        args,
        lake: &lake,
        local: &local,
        commit: &head,
        run_dir: &run_dir,
        work: &work,
        buildspecs: &buildspecs,
    };
    let outcome = local_run::run_build(&ctx, &build)?;
    print_comment(&LocalPullRequest::new(&repository, &id))?;
    Ok(match outcome {
        Ok(_) => {
            println!("review Succeeded");
            ExitCode::from(exit::OK)
        }
        Err(why) => {
            println!("review Failed: {why}");
            ExitCode::from(exit::FAILED)
        }
    })
}

/// A branch as a pull request's id and directory name: `feature/x` → `feature-x`.
fn pull_request_id(branch: &str) -> String {
    branch.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' }).collect()
}

/// The plan comment as a reviewer reads it (without the hidden marker), and where it is kept.
fn print_comment(pr: &LocalPullRequest) -> Result<(), CliError> {
    let comments = sdlf::runtime()?.block_on(pr.comments())?;
    match comments.iter().find(|c| c.body.starts_with(MARKER)) {
        Some(comment) => {
            let shown = comment.body.strip_prefix(MARKER).unwrap_or(&comment.body).trim_start_matches('\n');
            println!("--- the plan comment on {} ({}):\n{shown}---", pr.pull_request(), pr.comments_file().display());
        }
        None => println!("--- no plan comment on {} (the review did not get to post it)", pr.pull_request()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_branch_becomes_a_directory_name() {
        assert_eq!(pull_request_id("feature/slower schedule"), "feature-slower-schedule");
        assert_eq!(pull_request_id("fix_1.2"), "fix_1.2");
    }
}
