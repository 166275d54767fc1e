//! What every AWS command starts with: the environment's stacks synthesized, and what is
//! deployed of them (one `DescribeStacks` listing).

use std::collections::BTreeMap;

use sdlf_deploy::api::{DeployedStack, Stacks};
use sdlf_lake::output::EnvironmentOutput;
use sdlf_lake::{Environment, Lake};

use crate::CliError;

/// The lake and the synthesized stacks of environment `env`.
pub fn synthesize(env: &str) -> Result<(Lake, EnvironmentOutput), CliError> {
    let lake = sdlf_pipelines::lake();
    let fingerprints = sdlf_package::RepoFingerprints::new(crate::project_root()?);
    let output = sdlf_lake::output::synth_environment(&lake, env, &fingerprints).map_err(CliError::Synth)?;
    Ok((lake, output))
}

/// The environment a synthesized output belongs to.
pub fn environment<'a>(lake: &'a Lake, output: &EnvironmentOutput) -> &'a Environment {
    lake.environment(&output.environment).expect("synthesized for one of the lake's environments")
}

/// The longest common prefix of the stack names: one DescribeStacks listing covers them all.
pub fn stack_prefix(output: &EnvironmentOutput) -> String {
    let mut names = output.stacks.iter().map(|s| s.name.as_str());
    let Some(first) = names.next() else { return String::new() };
    names.fold(first.to_owned(), |prefix, n| {
        prefix.chars().zip(n.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect()
    })
}

/// A failed stack's account for `--json`: its status, then CloudFormation's reasons, one per line.
pub(crate) fn failure_lines(status: &str, reasons: &[String]) -> Vec<String> {
    std::iter::once(status.to_owned()).chain(reasons.iter().cloned()).collect()
}

/// The AWS a command works on after connecting: a connection's clients, or another
/// implementation of the engine's interfaces (the CLI's tests use an in-memory CloudFormation).
pub struct Cloud<'a, S, O, Q> {
    pub stacks: &'a S,
    pub objects: &'a O,
    /// Message counts for the data-loss guard.
    pub queues: &'a Q,
    /// How many AWS calls were made so far (the deploy's summary says).
    pub calls: &'a (dyn Fn() -> u64 + Sync),
}

/// The environment's deployed stacks, by name (deleted ones left out).
pub async fn deployed(
    stacks: &impl Stacks,
    output: &EnvironmentOutput,
) -> Result<BTreeMap<String, DeployedStack>, CliError> {
    Ok(stacks
        .describe_all(&stack_prefix(output))
        .await?
        .into_iter()
        .filter(|d| d.status != "DELETE_COMPLETE")
        .map(|d| (d.name.clone(), d))
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_prefix_covers_every_stack_of_the_environment() {
        let lake = sdlf_pipelines::lake();
        let out = sdlf_lake::output::synth_environment(&lake, "dev", &sdlf_lake::assets::StandInFingerprints).unwrap();
        assert_eq!(super::stack_prefix(&out), "anycompany-datalake-dev-");
    }
}
