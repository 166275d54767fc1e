//! The phases of one build, in order, with CodeBuild's rules for what a failure stops.

use std::io::Write;
use std::time::Instant;

use crate::buildspec::{OnFailure, Phase, PhaseName, Phases};

use super::shell::{Ran, Shell};
use super::{CommandFailure, PhaseOutcome, PhaseStatus, RunnerError, env, say};

pub(super) struct Flow {
    pub(super) phases: Vec<PhaseOutcome>,
    pub(super) failure: Option<CommandFailure>,
    /// Whether the build gets to UPLOAD_ARTIFACTS (see [`stops_build`]).
    pub(super) upload_artifacts: bool,
}

/// Runs the phases present, in CodeBuild's order, skipping those after a stopping failure.
pub(super) fn run_all(phases: &Phases, shell: &mut Shell, out: &mut dyn Write) -> Result<Flow, RunnerError> {
    let mut flow = Flow { phases: Vec::new(), failure: None, upload_artifacts: true };
    let mut stopped = false;
    for (name, phase) in phases.in_order() {
        if stopped {
            say(out, format_args!("[{}] skipped: an earlier phase stopped the build", name.key()))?;
            flow.phases.push(PhaseOutcome { name, status: PhaseStatus::Skipped, seconds: 0.0 });
            continue;
        }
        let started = Instant::now();
        say(out, format_args!("[{}] phase {}", name.key(), name.codebuild_type()))?;
        let failure = run_phase(name, phase, shell, out, flow.failure.is_none())?;
        let status = if failure.is_some() { PhaseStatus::Failed } else { PhaseStatus::Succeeded };
        let seconds = started.elapsed().as_secs_f64();
        say(
            out,
            format_args!("[{}] phase {} {} in {seconds:.1} s", name.key(), name.codebuild_type(), status.as_str()),
        )?;
        flow.phases.push(PhaseOutcome { name, status, seconds });
        if let Some(failure) = failure {
            if stops_build(name, phase, &failure) {
                stopped = true;
                flow.upload_artifacts &= !matches!(name, PhaseName::Install | PhaseName::PreBuild);
            }
            flow.failure.get_or_insert(failure);
        }
    }
    Ok(flow)
}

/// Whether a failure in `phase` skips the phases after it.
///
/// - `on-failure: ABORT` aborts the build, `CONTINUE` goes on to the next phase (buildspec
///   reference, `phases/*/on-failure`).
/// - Without `on-failure` the build follows CodeBuild's phase transitions (same entry, pointing
///   to "Build phase transitions"): a failed INSTALL or PRE_BUILD goes straight to FINALIZING,
///   so no later phase runs and no artifacts are uploaded; a failed BUILD still runs
///   POST_BUILD, and UPLOAD_ARTIFACTS "is always attempted, even if the BUILD phase fails".
/// - A command that ended the shell (`exit`) leaves nothing to run later commands in.
fn stops_build(name: PhaseName, phase: &Phase, failure: &CommandFailure) -> bool {
    failure.ended_shell
        || match phase.on_failure {
            Some(OnFailure::Abort) => true,
            Some(OnFailure::Continue) => false,
            None => matches!(name, PhaseName::Install | PhaseName::PreBuild),
        }
}

/// The phase's commands, then its `finally` commands. A failing command stops its block;
/// `finally` runs even when a command of `commands` failed (buildspec reference,
/// `phases/*/finally`), and the phase fails if any command of either block failed.
fn run_phase(
    name: PhaseName,
    phase: &Phase,
    shell: &mut Shell,
    out: &mut dyn Write,
    mut succeeding: bool,
) -> Result<Option<CommandFailure>, RunnerError> {
    let failure = run_block(name, &phase.commands, false, shell, out, &mut succeeding)?;
    if !shell.is_alive() || phase.finally.is_empty() {
        return Ok(failure);
    }
    let finally = run_block(name, &phase.finally, true, shell, out, &mut succeeding)?;
    Ok(failure.or(finally))
}

fn run_block(
    phase: PhaseName,
    commands: &[String],
    in_finally: bool,
    shell: &mut Shell,
    out: &mut dyn Write,
    succeeding: &mut bool,
) -> Result<Option<CommandFailure>, RunnerError> {
    for command in commands {
        echo(out, phase, command)?;
        let (exit_code, ended_shell) = match shell.run(command, out)? {
            Ran::Exited(0) => continue,
            Ran::Exited(code) => (code, false),
            Ran::EndedShell(code) => (code, true),
        };
        let failure = CommandFailure { phase, command: command.clone(), exit_code, in_finally, ended_shell };
        say(out, format_args!("[{}] failed: {}", phase.key(), failure.what()))?;
        // The build is failing from here on: `finally` and later phases see 0.
        if *succeeding {
            shell.export(env::SUCCEEDING, "0")?;
            *succeeding = false;
        }
        return Ok(Some(failure));
    }
    Ok(None)
}

/// `[build] $ cargo test`; the further lines of a multi-line command as `[build] > ...`.
fn echo(out: &mut dyn Write, phase: PhaseName, command: &str) -> Result<(), RunnerError> {
    for (i, line) in command.lines().enumerate() {
        let prompt = if i == 0 { '$' } else { '>' };
        say(out, format_args!("[{}] {prompt} {line}", phase.key()))?;
    }
    Ok(())
}
