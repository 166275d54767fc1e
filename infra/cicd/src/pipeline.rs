//! The pipeline's stages, derived from the lake definition: Source → Test → Plan (every
//! environment) → Deploy to the first environment → for each further environment, in the
//! definition's order, a manual approval showing its plan summary → Deploy.
//!
//! One model serves both the CodePipeline resource ([`crate::stack`]) and the local runner
//! (`bootstrap run-local`), so what runs here is what AWS would run.

use sdlf_lake::{Environment, Lake};

/// Where the pipeline's source comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A CodeCommit repository the CI/CD stack creates (the default).
    CodeCommit,
    /// A repository at a Git provider, through a CodeConnections connection.
    Connection { provider: Provider, repository: String },
}

/// The Git providers a CodeConnections connection reaches (its `ProviderType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    GitHub,
    GitLab,
    Bitbucket,
}

impl Provider {
    /// As CodeConnections names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::GitHub => "GitHub",
            Provider::GitLab => "GitLab",
            Provider::Bitbucket => "Bitbucket",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Provider::GitHub => "github",
            Provider::GitLab => "gitlab",
            Provider::Bitbucket => "bitbucket",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error(
        "source `{0}` is not understood: use `codecommit`, `github:OWNER/REPO`, `gitlab:GROUP/REPO` or \
         `bitbucket:OWNER/REPO`"
    )]
    Unknown(String),
    #[error("source `{0}`: the repository must be OWNER/REPO (GitLab: GROUP[/SUBGROUP...]/REPO), without spaces")]
    BadRepository(String),
}

impl Source {
    /// `codecommit`, `github:OWNER/REPO`, `gitlab:GROUP/REPO` or `bitbucket:OWNER/REPO`.
    pub fn parse(text: &str) -> Result<Source, SourceError> {
        if text == "codecommit" {
            return Ok(Source::CodeCommit);
        }
        let (prefix, repository) = text.split_once(':').ok_or_else(|| SourceError::Unknown(text.to_owned()))?;
        let provider = [Provider::GitHub, Provider::GitLab, Provider::Bitbucket]
            .into_iter()
            .find(|p| p.prefix() == prefix)
            .ok_or_else(|| SourceError::Unknown(text.to_owned()))?;
        let parts: Vec<&str> = repository.split('/').collect();
        let nested_ok = provider == Provider::GitLab || parts.len() == 2;
        let well_formed = parts.len() >= 2
            && nested_ok
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')));
        if !well_formed {
            return Err(SourceError::BadRepository(text.to_owned()));
        }
        Ok(Source::Connection { provider, repository: repository.to_owned() })
    }

    /// How the command line spells it.
    pub fn spelling(&self) -> String {
        match self {
            Source::CodeCommit => "codecommit".to_owned(),
            Source::Connection { provider, repository } => format!("{}:{repository}", provider.prefix()),
        }
    }
}

/// What a bootstrap is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub source: Source,
    /// The branch that is tested, planned and deployed.
    pub branch: String,
    /// The Test stage's command (the README's test command by default).
    pub test_command: String,
    /// The Secrets Manager secret with the Git provider's token the pull-request review posts
    /// with (GitHub, GitLab); `None`: [`crate::names::CicdNames::review_token_secret`].
    pub review_token_secret: Option<String>,
    /// Whether the review project gets its webhook on pull-request events (a connection's
    /// source). CodeBuild creates a webhook only through an AVAILABLE connection, so bootstrap
    /// adds it once the connection's handshake is done.
    pub review_webhook: bool,
}

/// The README's test command, run by the Test stage.
pub const DEFAULT_TEST_COMMAND: &str = "tests/run-all.sh";
pub const DEFAULT_BRANCH: &str = "main";

impl Settings {
    pub fn new(source: Source) -> Settings {
        Settings {
            source,
            branch: DEFAULT_BRANCH.to_owned(),
            test_command: DEFAULT_TEST_COMMAND.to_owned(),
            review_token_secret: None,
            review_webhook: false,
        }
    }
}

/// The CodeBuild projects: the three the pipeline runs, and the pull requests' review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Project {
    Test,
    Plan,
    Deploy,
    /// Tests and plans a pull request and posts the plan on it (not a pipeline action).
    Review,
}

impl Project {
    /// The projects the pipeline's actions run.
    pub const PIPELINE: [Project; 3] = [Project::Test, Project::Plan, Project::Deploy];
    pub const ALL: [Project; 4] = [Project::Test, Project::Plan, Project::Deploy, Project::Review];

    pub fn as_str(self) -> &'static str {
        match self {
            Project::Test => "test",
            Project::Plan => "plan",
            Project::Deploy => "deploy",
            Project::Review => "review",
        }
    }

    /// Logical-id part: `Test`, `Plan`, `Deploy`.
    pub fn id(self) -> &'static str {
        match self {
            Project::Test => "Test",
            Project::Plan => "Plan",
            Project::Deploy => "Deploy",
            Project::Review => "Review",
        }
    }
}

/// The artifact the source action produces and every build reads.
pub const SOURCE_ARTIFACT: &str = "Source";

/// One action of a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Fetches the branch's head into [`SOURCE_ARTIFACT`].
    Source,
    /// A CodeBuild project run on the source, for one environment (`SDLF_ENV`) or none.
    Build {
        name: String,
        project: Project,
        environment: Option<String>,
        /// Artifact the build's `artifacts` become (the plan's files).
        output: Option<String>,
        /// Namespace of the variables it exports (the plan summary), for later actions.
        namespace: Option<String>,
    },
    /// A person approves the deploy to `environment`, shown the summary its plan exported.
    Approval { name: String, environment: String, plan_namespace: String },
}

impl Action {
    pub fn name(&self) -> &str {
        match self {
            Action::Source => "Source",
            Action::Build { name, .. } | Action::Approval { name, .. } => name,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub name: String,
    /// Run side by side (one run order).
    pub actions: Vec<Action>,
}

/// The variable a plan action exports: one line, e.g. `2 of 8 stacks change: 1 to add, ...`.
pub const PLAN_SUMMARY_VARIABLE: &str = "PLAN_SUMMARY";

/// The plan artifact of `env` (`Plan_dev`): CodePipeline artifact names allow letters, digits
/// and `_`/`-`.
pub fn plan_artifact(env: &str) -> String {
    format!("Plan_{env}")
}

/// The stages for `environments`, in the order given (the definition's).
pub fn stages(environments: &[&Environment]) -> Vec<Stage> {
    let mut stages = vec![
        Stage { name: "Source".into(), actions: vec![Action::Source] },
        Stage {
            name: "Test".into(),
            actions: vec![Action::Build {
                name: "Test".into(),
                project: Project::Test,
                environment: None,
                output: None,
                namespace: None,
            }],
        },
        Stage {
            name: "Plan".into(),
            actions: environments
                .iter()
                .map(|e| Action::Build {
                    name: format!("Plan-{}", e.name),
                    project: Project::Plan,
                    environment: Some(e.name.clone()),
                    output: Some(plan_artifact(&e.name)),
                    namespace: Some(plan_artifact(&e.name)),
                })
                .collect(),
        },
    ];
    for (i, env) in environments.iter().enumerate() {
        if i > 0 {
            stages.push(Stage {
                name: format!("Approve-{}", env.name),
                actions: vec![Action::Approval {
                    name: format!("Approve-{}", env.name),
                    environment: env.name.clone(),
                    plan_namespace: plan_artifact(&env.name),
                }],
            });
        }
        stages.push(Stage {
            name: format!("Deploy-{}", env.name),
            actions: vec![Action::Build {
                name: format!("Deploy-{}", env.name),
                project: Project::Deploy,
                environment: Some(env.name.clone()),
                output: None,
                namespace: None,
            }],
        });
    }
    stages
}

/// The environments a pipeline in AWS deploys: every AWS environment of the lake, in the
/// definition's order (`local` is the emulator on a workstation, never a pipeline target).
pub fn aws_environments(lake: &Lake) -> Vec<&Environment> {
    lake.environments.iter().filter(|e| !e.is_local()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_and_bad_ones_say_what_is_accepted() {
        assert_eq!(Source::parse("codecommit"), Ok(Source::CodeCommit));
        assert_eq!(
            Source::parse("github:acme/lake"),
            Ok(Source::Connection { provider: Provider::GitHub, repository: "acme/lake".into() })
        );
        assert_eq!(
            Source::parse("gitlab:group/sub/lake"),
            Ok(Source::Connection { provider: Provider::GitLab, repository: "group/sub/lake".into() })
        );
        assert_eq!(
            Source::parse("github:acme/sub/lake"),
            Err(SourceError::BadRepository("github:acme/sub/lake".into()))
        );
        assert_eq!(Source::parse("bitbucket:acme"), Err(SourceError::BadRepository("bitbucket:acme".into())));
        assert_eq!(Source::parse("svn:acme/lake"), Err(SourceError::Unknown("svn:acme/lake".into())));
        assert_eq!(Source::parse("github:acme/la ke"), Err(SourceError::BadRepository("github:acme/la ke".into())));
        for s in ["codecommit", "github:a/b", "gitlab:g/s/r", "bitbucket:o/r"] {
            assert_eq!(Source::parse(s).unwrap().spelling(), s);
        }
    }

    #[test]
    fn stages_follow_the_environments_with_an_approval_before_each_later_one() {
        let (dev, test, prod) = (
            Environment::aws("dev", "111111111111", "us-east-1"),
            Environment::aws("test", "222222222222", "us-east-1"),
            Environment::aws("prod", "333333333333", "eu-west-1"),
        );
        let names: Vec<String> = stages(&[&dev, &test, &prod]).into_iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            ["Source", "Test", "Plan", "Deploy-dev", "Approve-test", "Deploy-test", "Approve-prod", "Deploy-prod"]
        );
        let plan = &stages(&[&dev, &test])[2];
        let plans: Vec<&str> = plan.actions.iter().map(Action::name).collect();
        assert_eq!(plans, ["Plan-dev", "Plan-test"]);
        let approval = &stages(&[&dev, &test])[4].actions[0];
        assert_eq!(
            approval,
            &Action::Approval {
                name: "Approve-test".into(),
                environment: "test".into(),
                plan_namespace: "Plan_test".into()
            }
        );
    }

    #[test]
    fn one_environment_needs_no_approval() {
        let local = Environment::local("local");
        let names: Vec<String> = stages(&[&local]).into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["Source", "Test", "Plan", "Deploy-local"]);
    }
}
