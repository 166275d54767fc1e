//! Runs one CodeBuild build of a [`Buildspec`] on this machine, with CodeBuild's semantics.
//!
//! No emulator executes CodeBuild builds, so the local pipeline runs them itself: the
//! buildspec rendered into the CI/CD template, parsed back, run here. What CodeBuild does and
//! where the user guide says so is noted at each rule: the phase flow in [`phases`], the
//! environment in [`env`], artifacts in [`artifacts`], the cache in [`cache`], the shell
//! protocol in [`shell`].
//!
//! ```text
//! cache restore → install → pre_build → build → post_build → exported variables
//!               → artifacts → cache save
//! ```

mod artifacts;
mod cache;
mod env;
mod phases;
mod shell;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::path::PathBuf;

use crate::buildspec::{Buildspec, PhaseName};

pub use artifacts::Upload;

/// One build to run.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    /// The CodeBuild project's name: the first half of `CODEBUILD_BUILD_ID`.
    pub project: String,
    pub buildspec: Buildspec,
    /// The primary source: `CODEBUILD_SRC_DIR` and the shell's working directory.
    pub source_dir: PathBuf,
    /// Secondary sources by source identifier: `CODEBUILD_SRC_DIR_<identifier>`.
    pub secondary_sources: BTreeMap<String, PathBuf>,
    /// The commit built: `CODEBUILD_RESOLVED_SOURCE_VERSION`.
    pub source_version: Option<String>,
    pub build_number: u64,
    /// Who started the build: `codepipeline/<pipeline>` when a pipeline did.
    pub initiator: String,
    /// The project's environment variables (over the buildspec's).
    pub project_variables: BTreeMap<String, String>,
    /// This build's variables, e.g. a CodePipeline action's EnvironmentVariables (over all).
    pub override_variables: BTreeMap<String, String>,
    /// Where the output artifact's files go; `None` copies nothing.
    pub artifacts_dir: Option<PathBuf>,
    /// Where `cache.paths` are kept between builds; `None` for no cache. It must be on the
    /// source directory's filesystem (entries are moved, not copied).
    pub cache_dir: Option<PathBuf>,
}

impl BuildRequest {
    pub fn new(project: impl Into<String>, buildspec: Buildspec, source_dir: impl Into<PathBuf>) -> BuildRequest {
        BuildRequest {
            project: project.into(),
            buildspec,
            source_dir: source_dir.into(),
            secondary_sources: BTreeMap::new(),
            source_version: None,
            build_number: 1,
            initiator: "sdlf/local".to_owned(),
            project_variables: BTreeMap::new(),
            override_variables: BTreeMap::new(),
            artifacts_dir: None,
            cache_dir: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildStatus {
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseStatus {
    Succeeded,
    Failed,
    /// Not run: an earlier failure stopped the build.
    Skipped,
}

impl PhaseStatus {
    fn as_str(self) -> &'static str {
        match self {
            PhaseStatus::Succeeded => "SUCCEEDED",
            PhaseStatus::Failed => "FAILED",
            PhaseStatus::Skipped => "SKIPPED",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PhaseOutcome {
    pub name: PhaseName,
    pub status: PhaseStatus,
    pub seconds: f64,
}

/// A command that failed, and so failed its phase and the build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandFailure {
    pub phase: PhaseName,
    pub command: String,
    /// The command's exit status (128 + n for a signal).
    pub exit_code: i32,
    /// Whether it was one of the phase's `finally` commands.
    pub in_finally: bool,
    /// Whether it ended the build's shell (`exit`), so that no later command could run.
    pub ended_shell: bool,
}

impl CommandFailure {
    /// What happened, without the phase: "`cargo test` exited 101".
    pub fn what(&self) -> String {
        let block = if self.in_finally { " (in finally)" } else { "" };
        let ended = if self.ended_shell { "; it ended the build's shell, so no later command could run" } else { "" };
        format!("`{}`{block} exited {}{ended}", self.command, self.exit_code)
    }
}

impl fmt::Display for CommandFailure {
    /// "phase build: `cargo test` exited 101", to follow "action Test failed in ".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "phase {}: {}", self.phase.key(), self.what())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct BuildOutcome {
    /// `project:uuid`, as `CODEBUILD_BUILD_ID` had it.
    pub build_id: String,
    pub status: BuildStatus,
    /// The phases of the buildspec, in order, with those an earlier failure skipped.
    pub phases: Vec<PhaseOutcome>,
    /// The first command that failed.
    pub failure: Option<CommandFailure>,
    /// `env.exported-variables` at the end of the build; unset ones are left out, and none are
    /// read once a command ended the shell.
    pub exported: BTreeMap<String, String>,
    /// The output artifact, when the build got to uploading it and a directory was given.
    pub artifacts: Option<Upload>,
}

impl BuildOutcome {
    /// One line for a person: "succeeded", "failed in phase build: `cargo test` exited 101".
    pub fn summary(&self) -> String {
        match (&self.failure, self.artifacts.as_ref().and_then(|u| u.unmatched.first())) {
            (Some(failure), _) => format!("failed in {failure}"),
            (None, Some(pattern)) => format!("failed uploading artifacts: `{pattern}` matches no file"),
            (None, None) => "succeeded".to_owned(),
        }
    }
}

/// Anything that is not the build's own failure: the runner could not do its part.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("the source directory {0} does not exist")]
    MissingSourceDir(PathBuf),
    #[error("shell `{0}` is not supported locally; use `bash` or `/bin/sh`")]
    UnsupportedShell(String),
    #[error("{what} `{name}` is not a valid variable name")]
    InvalidName { what: &'static str, name: String },
    #[error("{what} `{path}` must be a relative path inside the source directory")]
    InvalidPath { what: &'static str, path: String },
    #[error(
        "env.secrets-manager `{name}` (secret `{secret}`): the local runner does not read Secrets Manager; set \
         {name} in the environment to run this build here"
    )]
    UnresolvedSecret { name: String, secret: String },
    #[error("cannot start the build's shell `{shell}`: {source}")]
    Spawn { shell: String, source: io::Error },
    #[error("lost the build's shell: {0}")]
    Shell(io::Error),
    #[error("cannot write the build's output: {0}")]
    Output(io::Error),
    #[error("cannot copy artifact {path}: {source}")]
    Artifact { path: PathBuf, source: io::Error },
    #[error("cache entry {path}: {source}")]
    Cache { path: PathBuf, source: io::Error },
    #[error("cannot move {from} to {to}: {source}")]
    CacheRename { from: PathBuf, to: PathBuf, source: io::Error },
    #[error(
        "cannot move {from} to {to}: they are on different filesystems; put the cache directory on the \
         source directory's filesystem (entries are moved, not copied, because they are large)"
    )]
    CacheCrossesFilesystems { from: PathBuf, to: PathBuf },
}

/// Runs the build, streaming its output to `out` as it comes.
///
/// A failing build is an `Ok` outcome with [`BuildStatus::Failed`]; `Err` means the runner
/// could not run it or could not finish its part (artifacts, cache).
pub fn run(request: &BuildRequest, out: &mut dyn Write) -> Result<BuildOutcome, RunnerError> {
    let program = shell_program(&request.buildspec)?;
    check_names(request)?;
    if !request.source_dir.is_dir() {
        return Err(RunnerError::MissingSourceDir(request.source_dir.clone()));
    }
    let cache =
        cache::CachePlan::new(request.buildspec.cache.as_ref(), &request.source_dir, request.cache_dir.as_deref())?;
    // CodeBuild restores the cache before the first phase.
    if let Some(cache) = &cache {
        cache.restore()?;
    }
    let result = execute(request, program, out);
    // Saved even when the run failed half-way: the entries were moved out of the cache.
    let saved = cache.as_ref().map_or(Ok(()), cache::CachePlan::save);
    let outcome = result?;
    saved?;
    Ok(outcome)
}

fn execute(request: &BuildRequest, program: &str, out: &mut dyn Write) -> Result<BuildOutcome, RunnerError> {
    let spec = &request.buildspec;
    let build_id = env::build_id(request);
    say(out, format_args!("[sdlf] build {build_id} in {}", request.source_dir.display()))?;
    let mut shell = shell::Shell::start(program, &request.source_dir, &env::compose(request, &build_id))?;
    let flow = phases::run_all(&spec.phases, &mut shell, out)?;
    // The values at the end of post_build (buildspec reference, `env/exported-variables`).
    let exported = shell.variables(&spec.env.exported_variables, out)?;
    shell.finish(out)?;
    let artifacts = match (&spec.artifacts, &request.artifacts_dir) {
        (Some(files), Some(dir)) if flow.upload_artifacts => {
            let upload = artifacts::copy(files, &request.source_dir, dir)?;
            say(out, format_args!("[sdlf] {} artifact file(s) copied to {}", upload.files.len(), dir.display()))?;
            Some(upload)
        }
        _ => None,
    };
    // A pattern matching nothing fails the upload, as CodeBuild's "no matching artifact paths
    // found" does (observed behaviour; the reference does not state it).
    let unmatched = artifacts.as_ref().is_some_and(|u| !u.unmatched.is_empty());
    let status = if flow.failure.is_some() || unmatched { BuildStatus::Failed } else { BuildStatus::Succeeded };
    let outcome = BuildOutcome { build_id, status, phases: flow.phases, failure: flow.failure, exported, artifacts };
    say(out, format_args!("[sdlf] build {}", outcome.summary()))?;
    Ok(outcome)
}

/// `env.shell`: `bash` or `/bin/sh`; without it, `sh`, the default of CodeBuild's Linux images.
fn shell_program(spec: &Buildspec) -> Result<&'static str, RunnerError> {
    match spec.env.shell.as_deref() {
        Some("bash") => Ok("bash"),
        Some("/bin/sh") | None => Ok("/bin/sh"),
        Some(other) => Err(RunnerError::UnsupportedShell(other.to_owned())),
    }
}

/// Names written into the shell or into variable names must be identifiers.
fn check_names(request: &BuildRequest) -> Result<(), RunnerError> {
    for name in &request.buildspec.env.exported_variables {
        // "Environment variables that start with AWS_" cannot be exported (buildspec
        // reference, `env/exported-variables`).
        if !env::is_identifier(name) || name.starts_with("AWS_") {
            return Err(RunnerError::InvalidName { what: "exported variable", name: name.clone() });
        }
    }
    // Locally a secret comes from the runner's own environment, which the shell inherits.
    for (name, secret) in &request.buildspec.env.secrets_manager {
        if !env::is_identifier(name) {
            return Err(RunnerError::InvalidName { what: "secrets-manager variable", name: name.clone() });
        }
        if std::env::var_os(name).is_none() {
            return Err(RunnerError::UnresolvedSecret { name: name.clone(), secret: secret.clone() });
        }
    }
    for id in request.secondary_sources.keys() {
        if !env::is_identifier(id) {
            return Err(RunnerError::InvalidName { what: "secondary source identifier", name: id.clone() });
        }
    }
    Ok(())
}

/// One line of the runner's own to the build's output.
fn say(out: &mut dyn Write, line: fmt::Arguments<'_>) -> Result<(), RunnerError> {
    writeln!(out, "{line}").and_then(|()| out.flush()).map_err(RunnerError::Output)
}
