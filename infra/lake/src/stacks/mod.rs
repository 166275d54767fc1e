//! The lake's stacks for one environment: foundations, then one per team, per pipeline and
//! per dataset. Each builder is a pure function from the definition (and the outputs of the
//! stacks before it) to a [`Stack`].

pub mod baseline;
pub mod catalog;
pub mod constructs;
pub mod context;
pub mod contract;
pub mod dataset;
pub mod foundations;
pub mod network;
pub mod pipeline;
pub mod team;

use crate::assets::{AssetError, Fingerprints};
use crate::definition::{Lake, Team};
use crate::names::{self, DefinitionError};
use crate::stack::{Assembly, AssemblyError, Stack};

pub use context::Ctx;
pub use contract::{CatalogOutputs, DatasetOutputs, FoundationsOutputs, PipelineOutputs, TeamOutputs};

/// Why a stack cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("stack `{stack}`: {error}")]
    Asset { stack: String, error: AssetError },
    #[error("stack `{stack}`, resource `{resource}`: malformed policy document: {problems}")]
    Policy { stack: String, resource: String, problems: String },
    #[error("stack `{stack}`, state machine `{machine}`: {problems}")]
    StateMachine { stack: String, machine: String, problems: String },
    #[error("stack `{stack}`: {problem}")]
    Invalid { stack: String, problem: String },
}

/// Why the lake cannot be synthesized for an environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SynthError {
    #[error("the lake definition is invalid:\n{}", list(.0))]
    Definition(Vec<DefinitionError>),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Assembly(#[from] AssemblyError),
    #[error(
        "the stacks break the security baseline (infra/lake/src/stacks/baseline.rs lists the accepted exceptions):\n{}",
        list(.0)
    )]
    Baseline(Vec<String>),
    #[error("templates are invalid:\n{}", list(.0))]
    Template(Vec<String>),
}

fn list(items: &[impl std::fmt::Display]) -> String {
    items.iter().map(|i| format!("  - {i}")).collect::<Vec<_>>().join("\n")
}

/// Builds every stack of environment `env_name`, in deploy order, and checks the result: the
/// definition's names, the stacks' imports (each from an earlier stack), and the IAM
/// baseline. Templates are checked separately by `sdlf_cfn::synth` when they are rendered.
pub fn synthesize(lake: &Lake, env_name: &str, fingerprints: &dyn Fingerprints) -> Result<Assembly, SynthError> {
    let Built { stacks, violations } = build_each(lake, env_name, fingerprints, |stack| stack)?;
    let assembly = Assembly { stacks };
    assembly.order()?;
    if !violations.is_empty() {
        return Err(SynthError::Baseline(violations));
    }
    Ok(assembly)
}

/// What [`build_each`] made of every stack, in definition order, and the baseline violations
/// found in them.
pub(crate) struct Built<T> {
    pub stacks: Vec<T>,
    pub violations: Vec<String>,
}

/// Builds and audits every stack of environment `env_name`, then hands each to `finish` on
/// the thread that built it. Finishing there (rendering a template, say) uses the stack while
/// it is still in cache, and frees it on the thread that allocated it, in parallel.
pub(crate) fn build_each<T: Send>(
    lake: &Lake,
    env_name: &str,
    fingerprints: &dyn Fingerprints,
    finish: impl Fn(Stack) -> T + Sync,
) -> Result<Built<T>, SynthError> {
    names::validate(lake).map_err(SynthError::Definition)?;
    let env = names::environment(lake, env_name).map_err(|e| SynthError::Definition(vec![e]))?;
    let ctx = Ctx::new(lake, env, fingerprints);
    let allow = baseline::allowlist();
    let audited = |stack: Stack, violations: &mut Vec<String>| {
        violations.extend(sdlf_policy::audit(&stack.template, &allow).violations.iter().map(ToString::to_string));
        finish(stack)
    };

    let (foundations_stack, foundations) = foundations::build(&ctx)?;
    let (catalog_stack, catalog) = catalog::build(&ctx, &foundations)?;
    let mut violations = Vec::new();
    let mut stacks = vec![audited(foundations_stack, &mut violations), audited(catalog_stack, &mut violations)];
    // Teams are independent of each other: build each team's stacks, audit and finish them,
    // on one thread. The order of the result is the definition's, as in a sequential build.
    let per_team = crate::parallel::map(&lake.teams, |team| -> Result<(Vec<T>, Vec<String>), BuildError> {
        let (mut stacks, mut violations) = (Vec::new(), Vec::new());
        team_stacks(&ctx, team, &foundations, &catalog, |stack| stacks.push(audited(stack, &mut violations)))?;
        Ok((stacks, violations))
    });
    for result in per_team {
        let (team_stacks, team_violations) = result?;
        stacks.extend(team_stacks);
        violations.extend(team_violations);
    }
    Ok(Built { stacks, violations })
}

/// A team's stacks, each handed to `emit` as soon as it is built: the team stack, its
/// pipelines, then its datasets.
fn team_stacks(
    ctx: &Ctx,
    team: &Team,
    foundations: &FoundationsOutputs,
    catalog: &CatalogOutputs,
    mut emit: impl FnMut(Stack),
) -> Result<(), BuildError> {
    let (stack, team_out) = team::build(ctx, team, foundations)?;
    emit(stack);
    let mut pipelines = Vec::new();
    for p in &team.pipelines {
        let (stack, out) = pipeline::build(ctx, team, p, foundations, catalog, &team_out)?;
        emit(stack);
        pipelines.push(out);
    }
    for d in &team.datasets {
        let pipeline = pipelines
            .iter()
            .find(|p| p.pipeline == d.pipeline)
            .expect("validated: a dataset's pipeline belongs to its team");
        let (stack, _) = dataset::build(ctx, team, d, foundations, catalog, &team_out, pipeline)?;
        emit(stack);
    }
    Ok(())
}
