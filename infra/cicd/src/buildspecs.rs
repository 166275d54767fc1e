//! The buildspecs of the three CodeBuild projects: `test` (the README's test command), `plan`
//! (`sdlf diff`, saved as an artifact, its one-line summary exported for the approval) and
//! `deploy` (`sdlf deploy --yes`). Each installs the pinned toolchain only when the image's
//! differs, and caches `target/`, the cargo registry and the project's tools between builds,
//! so a run without source changes does not compile from scratch.

use crate::buildspec::{Artifacts, Buildspec, Cache, Phase, Phases};
use crate::pipeline::{PLAN_SUMMARY_VARIABLE, Project, Settings};

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
}

/// The AWS profile a build uses once it has assumed [`vars::DEPLOY_ROLE_ARN`].
pub const DEPLOY_PROFILE: &str = "sdlf-deploy";

/// Where the plan action writes its files (the action's output artifact).
pub const PLAN_DIR: &str = "plan";

pub fn buildspec(project: Project, settings: &Settings) -> Buildspec {
    match project {
        Project::Test => test(settings),
        Project::Plan => plan(),
        Project::Deploy => deploy(),
    }
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

    #[test]
    fn every_project_renders_a_buildspec_that_parses_back() {
        let settings = Settings::new(Source::CodeCommit);
        for project in Project::ALL {
            let spec = buildspec(project, &settings);
            assert_eq!(Buildspec::parse(&spec.render()).unwrap(), spec, "{project:?}");
            assert!(spec.cache.is_some(), "{project:?} caches target/");
        }
    }

    #[test]
    fn the_test_project_runs_the_configured_command() {
        let mut settings = Settings::new(Source::CodeCommit);
        settings.test_command = "cargo test -p sdlf-cicd".into();
        let spec = buildspec(Project::Test, &settings);
        assert_eq!(spec.phases.build.unwrap().commands, ["cargo test -p sdlf-cicd"]);
    }

    #[test]
    fn the_plan_exports_its_summary_and_keeps_its_files() {
        let spec = buildspec(Project::Plan, &Settings::new(Source::CodeCommit));
        assert_eq!(spec.env.exported_variables, [PLAN_SUMMARY_VARIABLE]);
        assert_eq!(spec.artifacts.unwrap().base_directory.as_deref(), Some(PLAN_DIR));
    }
}
