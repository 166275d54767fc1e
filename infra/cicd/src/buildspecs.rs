//! The buildspecs of the CodeBuild projects: `test` (the README's test command), `plan`
//! (`sdlf diff`, saved as an artifact, its one-line summary exported for the approval),
//! `deploy` (`sdlf deploy --yes`) and `review` (a pull request's tests and plan, posted on it
//! by `sdlf review`). Each installs the pinned toolchain only when the image's
//! differs, and caches `target/`, the cargo registry and the project's tools between builds,
//! so a run without source changes does not compile from scratch.

use crate::buildspec::{Artifacts, Buildspec, Cache, Phase, Phases};
use crate::pipeline::{PLAN_SUMMARY_VARIABLE, Project, Settings};
use crate::review::Provider;
use crate::review::check::{self, files};

/// The Rust toolchain every build uses: the one place it is pinned.
pub const RUST_TOOLCHAIN: &str = "1.95.0";

/// Variables the pipeline's actions set on a build (the action's `EnvironmentVariables`).
pub mod vars {
    /// The lake environment the action plans or deploys.
    pub const ENV: &str = "SDLF_ENV";
    /// The CloudFormation execution role the deploy passes (`--role-arn`).
    pub const EXECUTION_ROLE_ARN: &str = "SDLF_EXECUTION_ROLE_ARN";
    /// A role in the environment's account to assume first (environments in other accounts).
    pub const DEPLOY_ROLE_ARN: &str = "SDLF_DEPLOY_ROLE_ARN";
    /// The review's provider, as `sdlf review --provider` spells it.
    pub const REVIEW_PROVIDER: &str = "SDLF_REVIEW_PROVIDER";
    /// The repository the pull request is in (`sdlf review --repository`).
    pub const REVIEW_REPOSITORY: &str = "SDLF_REVIEW_REPOSITORY";
    /// The pull request; a webhook build derives it from `CODEBUILD_WEBHOOK_TRIGGER` (`pr/12`).
    pub const PULL_REQUEST: &str = "SDLF_PULL_REQUEST";
    /// CodeCommit: the destination's and the source's commits of the pull request.
    pub const BEFORE_COMMIT: &str = "SDLF_BEFORE_COMMIT";
    pub const AFTER_COMMIT: &str = "SDLF_AFTER_COMMIT";
}

/// What the review build is told beyond the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewSpec {
    pub provider: Provider,
    /// `owner/name` (GitHub), `group/name` (GitLab), the repository's name (CodeCommit).
    pub repository: String,
    /// The environments planned, in the definition's order.
    pub environments: Vec<String>,
    /// The environment the CI/CD lives in (CodeCommit's region).
    pub home: String,
    /// The Secrets Manager secret holding the provider's token (GitHub, GitLab).
    pub token_secret: Option<String>,
    /// Environments in other accounts, with the read-only role the review assumes there
    /// (`environment`, role name, account).
    pub elsewhere: Vec<ElsewhereEnvironment>,
}

/// An environment the review plans in another account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElsewhereEnvironment {
    pub environment: String,
    pub account: String,
    /// The role the review assumes there (`CicdNames::review_role`).
    pub role: String,
}

/// The AWS profile the review plans `env` with when it is in another account.
pub fn review_profile(env: &str) -> String {
    format!("sdlf-review-{env}")
}

/// The AWS profile a build uses once it has assumed [`vars::DEPLOY_ROLE_ARN`].
pub const DEPLOY_PROFILE: &str = "sdlf-deploy";

/// Where the plan action writes its files (the action's output artifact).
pub const PLAN_DIR: &str = "plan";

/// The project's buildspec; the review's only with what it is told (`None` without it: the
/// source has no review).
pub fn buildspec(project: Project, settings: &Settings, review: Option<&ReviewSpec>) -> Option<Buildspec> {
    Some(match project {
        Project::Test => test(settings),
        Project::Plan => plan(),
        Project::Deploy => deploy(),
        Project::Review => self::review(settings, review?),
    })
}

fn test(settings: &Settings) -> Buildspec {
    with_common(Phases {
        install: Some(install()),
        build: Some(Phase::new([settings.test_command.clone()])),
        ..Phases::default()
    })
}

fn plan() -> Buildspec {
    let mut spec = with_common(Phases {
        install: Some(install()),
        pre_build: Some(assume_deploy_role()),
        build: Some(Phase::new([
            format!("mkdir -p {PLAN_DIR}"),
            format!(
                "cargo run --locked --quiet -- diff --env \"${env}\" --json-out \"{PLAN_DIR}/${env}.json\" \
                 --summary-out \"{PLAN_DIR}/${env}.summary\"",
                env = vars::ENV
            ),
            format!("export {PLAN_SUMMARY_VARIABLE}=\"$(cat \"{PLAN_DIR}/${}.summary\")\"", vars::ENV),
            format!("echo \"${PLAN_SUMMARY_VARIABLE}\""),
        ])),
        ..Phases::default()
    });
    spec.env.exported_variables.push(PLAN_SUMMARY_VARIABLE.to_owned());
    spec.artifacts = Some(Artifacts { files: vec!["**/*".to_owned()], base_directory: Some(PLAN_DIR.to_owned()) });
    spec
}

fn deploy() -> Buildspec {
    with_common(Phases {
        install: Some(install()),
        pre_build: Some(assume_deploy_role()),
        build: Some(Phase::new([format!(
            "cargo run --locked --quiet -- deploy --env \"${env}\" --yes ${{{role}:+--role-arn \"${role}\"}}",
            env = vars::ENV,
            role = vars::EXECUTION_ROLE_ARN
        )])),
        ..Phases::default()
    })
}

/// The pull request's check: the tests, then the plan of every environment, each step's
/// outcome kept in [`check::DIR`] whatever it is, then `sdlf review` posts the comment and
/// fails the build when the check fails. The whole plan is the build's artifact.
fn review(settings: &Settings, spec: &ReviewSpec) -> Buildspec {
    let dir = check::DIR;
    let mut envs: String = spec.environments.iter().map(|e| format!(" --env {e}")).collect();
    for e in &spec.elsewhere {
        envs.push_str(&format!(" --env-profile {}={}", e.environment, review_profile(&e.environment)));
    }
    let max_bytes = spec.provider.comment_limit();
    let mut build = with_common(Phases {
        install: Some(install()),
        pre_build: (!spec.elsewhere.is_empty()).then(|| Phase::new(spec.elsewhere.iter().map(review_role_profile))),
        build: Some(Phase::new([
            format!("mkdir -p {dir}"),
            format!("export {pr}=\"${{{pr}:-${{CODEBUILD_WEBHOOK_TRIGGER#pr/}}}}\"", pr = vars::PULL_REQUEST),
            // The tests' status is kept, not acted on: the plan is still computed and posted.
            format!(
                "( {} ) 2>&1 | tee {dir}/{}; echo \"${{PIPESTATUS[0]}}\" > {dir}/{}",
                settings.test_command,
                files::TESTS_LOG,
                files::TESTS_EXIT
            ),
            format!(
                "cargo run --locked --quiet -- diff{envs} --format markdown --max-bytes {max_bytes} --fail-if-refused \
                 --full-plan \"{dir}/{full} in the artifacts of build $CODEBUILD_BUILD_ID\" --out {dir}/{plan} \
                 --full-out {dir}/{full} 2> {dir}/{err}; echo \"$?\" > {dir}/{exit}; cat {dir}/{err} >&2",
                full = files::PLAN_FULL,
                plan = files::PLAN,
                err = files::PLAN_ERRORS,
                exit = files::PLAN_EXIT
            ),
            format!(
                "cargo run --locked --quiet -- review --provider \"${provider}\" --repository \"${repository}\" \
                 --pull-request \"${pr}\" --results {dir} --env {home} ${{{before}:+--before-commit \"${before}\"}} \
                 ${{{after}:+--after-commit \"${after}\"}}",
                provider = vars::REVIEW_PROVIDER,
                repository = vars::REVIEW_REPOSITORY,
                pr = vars::PULL_REQUEST,
                home = spec.home,
                before = vars::BEFORE_COMMIT,
                after = vars::AFTER_COMMIT
            ),
        ])),
        ..Phases::default()
    });
    build.env.variables.insert(vars::REVIEW_PROVIDER.to_owned(), spec.provider.as_str().to_owned());
    build.env.variables.insert(vars::REVIEW_REPOSITORY.to_owned(), spec.repository.clone());
    if let (Some(variable), Some(secret)) = (spec.provider.token_variable(), &spec.token_secret) {
        build.env.secrets_manager.insert(variable.to_owned(), secret.clone());
    }
    build.artifacts = Some(Artifacts { files: vec!["**/*".to_owned()], base_directory: Some(dir.to_owned()) });
    build
}

/// A profile that assumes the review's read-only role in another account with the build's
/// own credentials; the partition comes from the build's ARN (`arn:aws:codebuild:...`).
fn review_role_profile(e: &ElsewhereEnvironment) -> String {
    format!(
        "mkdir -p \"$HOME/.aws\" && printf '[profile {profile}]\\nrole_arn = %s\\ncredential_source = EcsContainer\\n' \
         \"${{CODEBUILD_BUILD_ARN%%:codebuild:*}}:iam::{account}:role/{role}\" >> \"$HOME/.aws/config\"",
        profile = review_profile(&e.environment),
        account = e.account,
        role = e.role
    )
}

/// The toolchain, installed only when the image's `rustc` is not the pinned one (a local run
/// on a machine that has it touches no network).
fn install() -> Phase {
    Phase::new([
        "if ! command -v rustup >/dev/null 2>&1; then curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs \
         | sh -s -- -y --profile minimal --default-toolchain none; fi"
            .to_owned(),
        "if [ -f \"$HOME/.cargo/env\" ]; then . \"$HOME/.cargo/env\"; fi".to_owned(),
        "rustc --version 2>/dev/null | grep -q \"^rustc $RUST_TOOLCHAIN \" || { rustup toolchain install \
         \"$RUST_TOOLCHAIN\" --profile minimal --component rustfmt,clippy && rustup default \"$RUST_TOOLCHAIN\"; }"
            .to_owned(),
        "rustc --version".to_owned(),
    ])
}

/// For an environment in another account: a profile that assumes its deployment role with the
/// build's own (container) credentials, used by every later command.
fn assume_deploy_role() -> Phase {
    Phase::new([format!(
        "if [ -n \"${{{role}:-}}\" ]; then mkdir -p \"$HOME/.aws\" && printf '[profile {DEPLOY_PROFILE}]\\nrole_arn = \
         %s\\ncredential_source = EcsContainer\\n' \"${role}\" >> \"$HOME/.aws/config\" && export \
         AWS_PROFILE={DEPLOY_PROFILE}; fi",
        role = vars::DEPLOY_ROLE_ARN
    )])
}

fn with_common(phases: Phases) -> Buildspec {
    let mut spec = Buildspec::new(phases);
    spec.env.variables.insert("RUST_TOOLCHAIN".to_owned(), RUST_TOOLCHAIN.to_owned());
    spec.env.variables.insert("CARGO_TERM_COLOR".to_owned(), "never".to_owned());
    // Incremental artifacts are large and rarely reused by a fresh checkout.
    spec.env.variables.insert("CARGO_INCREMENTAL".to_owned(), "0".to_owned());
    spec.cache = Some(Cache {
        paths: vec![
            "target/**/*".to_owned(),
            ".tools/**/*".to_owned(),
            "/root/.cargo/registry/**/*".to_owned(),
            "/root/.cargo/git/**/*".to_owned(),
        ],
    });
    spec
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Source;

    fn review_spec(provider: Provider) -> ReviewSpec {
        ReviewSpec {
            provider,
            repository: "acme/lake".into(),
            environments: vec!["dev".into(), "prod".into()],
            home: "dev".into(),
            token_secret: Some("acme-lake-cicd/review-token".into()),
            elsewhere: vec![ElsewhereEnvironment {
                environment: "prod".into(),
                account: "333333333333".into(),
                role: "acme-lake-cicd-prod-review".into(),
            }],
        }
    }

    #[test]
    fn every_project_renders_a_buildspec_that_parses_back() {
        let settings = Settings::new(Source::CodeCommit);
        for project in Project::ALL {
            let spec = buildspec(project, &settings, Some(&review_spec(Provider::CodeCommit))).unwrap();
            assert_eq!(Buildspec::parse(&spec.render()).unwrap(), spec, "{project:?}");
            assert!(spec.cache.is_some(), "{project:?} caches target/");
        }
    }

    #[test]
    fn the_test_project_runs_the_configured_command() {
        let mut settings = Settings::new(Source::CodeCommit);
        settings.test_command = "cargo test -p sdlf-cicd".into();
        let spec = buildspec(Project::Test, &settings, None).unwrap();
        assert_eq!(spec.phases.build.unwrap().commands, ["cargo test -p sdlf-cicd"]);
    }

    #[test]
    fn the_plan_exports_its_summary_and_keeps_its_files() {
        let spec = buildspec(Project::Plan, &Settings::new(Source::CodeCommit), None).unwrap();
        assert_eq!(spec.env.exported_variables, [PLAN_SUMMARY_VARIABLE]);
        assert_eq!(spec.artifacts.unwrap().base_directory.as_deref(), Some(PLAN_DIR));
    }

    #[test]
    fn the_review_plans_every_environment_within_the_providers_limit_and_reads_its_token_from_the_secret() {
        let settings = Settings::new(Source::CodeCommit);
        assert_eq!(buildspec(Project::Review, &settings, None), None, "no review without its spec");
        let github = buildspec(Project::Review, &settings, Some(&review_spec(Provider::GitHub))).unwrap();
        let commands = github.phases.build.as_ref().unwrap().commands.join("\n");
        assert!(commands.contains(
            "diff --env dev --env prod --env-profile prod=sdlf-review-prod --format markdown --max-bytes 65536"
        ));
        let profile = &github.phases.pre_build.as_ref().unwrap().commands[0];
        assert!(profile.contains("[profile sdlf-review-prod]"), "{profile}");
        assert!(profile.contains(":iam::333333333333:role/acme-lake-cicd-prod-review"), "{profile}");
        assert!(commands.contains("( tests/run-all.sh ) 2>&1 | tee review/tests.log"), "{commands}");
        assert_eq!(github.env.secrets_manager["GITHUB_TOKEN"], "acme-lake-cicd/review-token");
        assert_eq!(github.env.variables[vars::REVIEW_PROVIDER], "github");
        let codecommit = buildspec(Project::Review, &settings, Some(&review_spec(Provider::CodeCommit))).unwrap();
        assert!(codecommit.env.secrets_manager.is_empty(), "CodeCommit needs only the build's role");
        let commands = codecommit.phases.build.unwrap().commands.join("\n");
        assert!(commands.contains("--max-bytes 10240"), "{commands}");
        assert_eq!(codecommit.artifacts.unwrap().base_directory.as_deref(), Some(check::DIR));
    }
}
