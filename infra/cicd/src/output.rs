//! The CI/CD stacks synthesized: built, audited against the security baseline and rendered,
//! in the shape the deploy engine takes (`EnvironmentOutput`), so `bootstrap` deploys them
//! through the same change sets, plan, guard and progress as `sdlf deploy`.

use sdlf_lake::output::{EnvironmentOutput, stack_output};
use sdlf_lake::stacks::{BuildError, SynthError};
use sdlf_lake::{Environment, Lake, Stack};

use crate::names::{CicdNames, RESERVED_ENVIRONMENT};
use crate::stack::{self, Request};

#[derive(Debug, thiserror::Error)]
pub enum CicdError {
    #[error(transparent)]
    Synth(#[from] SynthError),
    #[error(
        "the lake has an environment named `{RESERVED_ENVIRONMENT}`, whose stacks would share the CI/CD's names; \
         rename the environment"
    )]
    ReservedEnvironment,
    #[error("the CI/CD has no environment to deploy: the lake defines no AWS environment")]
    NoTargets,
}

impl From<BuildError> for CicdError {
    fn from(e: BuildError) -> CicdError {
        CicdError::Synth(SynthError::Build(e))
    }
}

/// The CI/CD stack of `req`, ready to deploy.
pub fn synth(req: &Request) -> Result<EnvironmentOutput, CicdError> {
    check(req.lake)?;
    if req.targets.is_empty() {
        return Err(CicdError::NoTargets);
    }
    let stack = stack::build(req)?;
    single(req.lake, req.home, stack)
}

/// The roles environment `target` lends a pipeline in `pipeline_account` (`--trust`).
pub fn synth_trust(lake: &Lake, target: &Environment, pipeline_account: &str) -> Result<EnvironmentOutput, CicdError> {
    check(lake)?;
    let stack = crate::roles::trust_stack(lake, target, pipeline_account)?;
    single(lake, target, stack)
}

fn check(lake: &Lake) -> Result<(), CicdError> {
    sdlf_lake::names::validate(lake).map_err(SynthError::Definition)?;
    if lake.environments.iter().any(|e| e.name == RESERVED_ENVIRONMENT) {
        return Err(CicdError::ReservedEnvironment);
    }
    Ok(())
}

fn single(lake: &Lake, home: &Environment, stack: Stack) -> Result<EnvironmentOutput, CicdError> {
    let report = sdlf_policy::audit(&stack.template, &crate::iam::allowlist());
    if !report.violations.is_empty() {
        return Err(SynthError::Baseline(report.violations.iter().map(ToString::to_string).collect()).into());
    }
    let mut output = stack_output(stack, Vec::new())?;
    if output.needs_upload {
        // The CI/CD's own bucket cannot carry its first template: it comes with it. Without the
        // indentation the body is about half the size; CloudFormation reads either.
        let value: serde_json::Value = serde_json::from_str(&output.body).expect("synthesized JSON");
        output.body = serde_json::to_string(&value).expect("JSON values serialize");
        output.needs_upload = output.body.len() > sdlf_cfn::Limits::INLINE_BODY_BYTES;
    }
    Ok(EnvironmentOutput {
        environment: home.name.clone(),
        stacks: vec![output],
        assets_bucket: CicdNames::new(lake).artifacts_bucket(home),
    })
}
