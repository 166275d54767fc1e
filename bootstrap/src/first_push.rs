//! After the CI/CD stack: the working tree's tracked files as the first commit of the new
//! CodeCommit repository, or — when it already has commits — the git commands to push instead.

use sdlf::CliError;
use sdlf::aws_target::AwsArgs;
use sdlf_cicd::first_commit::{PushError, git_commands, push_initial, tracked_files};
use sdlf_cicd::names::CicdNames;
use sdlf_deploy::api::Stacks;
use sdlf_lake::{Environment, Lake};

/// What happened, as a line for the closing "Next:" list; `None` when there was nothing to do.
pub fn run(lake: &Lake, home: &Environment, branch: &str, aws: &AwsArgs) -> Result<Option<String>, CliError> {
    let names = CicdNames::new(lake);
    let root = sdlf::project_root()?;
    sdlf::runtime()?.block_on(async {
        let conn = sdlf::aws_target::connect(home, aws).await?;
        let Some(stack) = conn.cloudformation.describe(&names.stack()).await? else { return Ok(None) };
        let (Some(repository), Some(url)) =
            (stack.outputs.get("RepositoryName"), stack.outputs.get("RepositoryCloneUrlHttp"))
        else {
            return Ok(None);
        };
        let files = tracked_files(&root).map_err(|e| CliError::Usage(e.to_string()))?;
        match push_initial(&conn.codecommit, repository, url, branch, files, "Initial commit (sdlf bootstrap)").await {
            Ok(pushed) => Ok(Some(format!(
                "Pushed {} files ({} bytes) to {repository} in {} commit(s); the pipeline starts on its own. Later \
                 changes go with git:\n{}",
                pushed.files,
                pushed.bytes,
                pushed.commits.len(),
                git_commands(url, branch)
            ))),
            Err(PushError::NotEmpty { repository, git }) => {
                Ok(Some(format!("{repository} already has commits: bootstrap left it alone. Push with git:\n{git}")))
            }
            Err(PushError::Api(e)) => Err(CliError::Api(e)),
            Err(other) => Err(CliError::Usage(other.to_string())),
        }
    })
}
