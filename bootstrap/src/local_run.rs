//! `bootstrap run-local`: the pipeline run on this machine, since no emulator runs CodeBuild,
//! CodeCommit or CodePipeline. A commit is checked out afresh (as CodePipeline's source
//! artifact, without `.git`), then the stages of the `local` environment's pipeline run in
//! order; each build action runs the buildspec *rendered into the CI/CD template* with
//! CodeBuild's semantics (`sdlf_cicd::runner`), against the local emulator.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::Args;
use sdlf::{CliError, exit};
use sdlf_cicd::buildspec::Buildspec;
use sdlf_cicd::output::synth;
use sdlf_cicd::pipeline::{Action, Project, Settings, Source, Stage, stages};
use sdlf_cicd::runner::{self, BuildRequest, BuildStatus};
use sdlf_cicd::stack::{Request, action_variables};
use sdlf_lake::Environment;

#[derive(Debug, Args)]
pub struct RunLocalArgs {
    /// The commit to run (default: HEAD of the repository in the working directory).
    #[arg(long, default_value = "HEAD")]
    pub commit: String,
    /// Approve every manual approval without asking.
    #[arg(long)]
    pub approve: bool,
    /// Skip a stage by name, e.g. `Test` (repeatable); it is reported as skipped.
    #[arg(long = "skip-stage", value_name = "NAME")]
    pub skip_stage: Vec<String>,
    /// The Test stage's command.
    #[arg(long, default_value = sdlf_cicd::pipeline::DEFAULT_TEST_COMMAND)]
    pub test_command: String,
    /// Where runs and the build cache live (default: target/pipeline of the repository).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// Instead of the pipeline, run the review build on a pull request simulated from BRANCH
    /// into --into: tests, the plan, and the plan comment a reviewer would see (printed, and
    /// kept in WORK_DIR/pull-requests/, where the next run updates it).
    #[arg(long, value_name = "BRANCH", conflicts_with_all = ["commit", "approve", "skip_stage"])]
    pub pull_request: Option<String>,
    /// The branch the simulated pull request goes into.
    #[arg(long, value_name = "BRANCH", default_value = sdlf_cicd::pipeline::DEFAULT_BRANCH, requires = "pull_request")]
    pub into: String,
}

/// A stage's outcome, as GetPipelineState reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum StageState {
    Succeeded(Vec<String>),
    Skipped,
    Failed(String),
    /// A manual approval nobody gave.
    Waiting,
}

pub fn run(args: &RunLocalArgs) -> Result<ExitCode, CliError> {
    if let Some(branch) = &args.pull_request {
        return crate::local_review::run(args, branch);
    }
    let repo = repository()?;
    let commit = resolve(&repo, &args.commit).map_err(|e| CliError::Usage(format!("--commit {}: {e}", args.commit)))?;
    let work = work_dir(args, &repo);
    let run_dir = work.join("runs").join(format!("{}-{}", &commit[..12], std::process::id()));
    // The commit's files; each build gets them in the stable directory `work/source`.
    checkout(&repo, &commit, &run_dir.join("export"))?;

    let lake = sdlf_pipelines::lake();
    let local = local_environment(&lake)?;
    let buildspecs = local_buildspecs(&lake, &local, args)?;
    println!("pipeline run of {commit} in {}", run_dir.display());

    let mut failed = false;
    let run_started = std::time::Instant::now();
    for stage in stages(&[&local]) {
        let started = std::time::Instant::now();
        let state = if failed {
            break;
        } else if args.skip_stage.contains(&stage.name) {
            StageState::Skipped
        } else {
            run_stage(
                &stage,
                &StageContext {
                    args,
                    lake: &lake,
                    local: &local,
                    commit: &commit,
                    run_dir: &run_dir,
                    work: &work,
                    buildspecs: &buildspecs,
                },
            )?
        };
        println!("{} [{:.1} s]", render_state(&stage.name, &state), started.elapsed().as_secs_f64());
        match state {
            StageState::Failed(_) => failed = true,
            StageState::Waiting => return Ok(ExitCode::from(exit::USAGE)),
            _ => {}
        }
    }
    let outcome = if failed { "Failed" } else { "Succeeded" };
    println!("pipeline {outcome} [{:.1} s]", run_started.elapsed().as_secs_f64());
    Ok(ExitCode::from(if failed { exit::FAILED } else { exit::OK }))
}

/// The repository the command runs in.
pub(crate) fn repository() -> Result<PathBuf, CliError> {
    git(None, &["rev-parse", "--show-toplevel"]).map(PathBuf::from).map_err(CliError::Usage)
}

/// The full commit id `revision` names.
pub(crate) fn resolve(repo: &Path, revision: &str) -> Result<String, String> {
    git(Some(repo), &["rev-parse", "--verify", &format!("{revision}^{{commit}}")])
}

pub(crate) fn work_dir(args: &RunLocalArgs, repo: &Path) -> PathBuf {
    args.work_dir.clone().unwrap_or_else(|| repo.join("target").join("pipeline"))
}

pub(crate) fn local_environment(lake: &sdlf_lake::Lake) -> Result<Environment, CliError> {
    lake.environments
        .iter()
        .find(|e| e.is_local())
        .cloned()
        .ok_or_else(|| CliError::Usage("the lake defines no local environment to run the pipeline against".into()))
}

/// Each project's buildspec as the CI/CD template of the `local` environment holds it.
pub(crate) fn local_buildspecs(
    lake: &sdlf_lake::Lake,
    local: &Environment,
    args: &RunLocalArgs,
) -> Result<BTreeMap<String, Buildspec>, CliError> {
    let settings = Settings { test_command: args.test_command.clone(), ..Settings::new(Source::CodeCommit) };
    let output = synth(&Request { lake, home: local, targets: vec![local], settings: &settings })
        .map_err(|e| CliError::Usage(e.to_string()))?;
    buildspecs_of(&output.stacks[0].body)
}

pub(crate) struct StageContext<'a> {
    pub(crate) args: &'a RunLocalArgs,
    pub(crate) lake: &'a sdlf_lake::Lake,
    pub(crate) local: &'a Environment,
    pub(crate) commit: &'a str,
    pub(crate) run_dir: &'a Path,
    pub(crate) work: &'a Path,
    pub(crate) buildspecs: &'a BTreeMap<String, Buildspec>,
}

fn render_state(stage: &str, state: &StageState) -> String {
    match state {
        StageState::Succeeded(notes) if notes.is_empty() => format!("{stage:<14} Succeeded"),
        StageState::Succeeded(notes) => format!("{stage:<14} Succeeded: {}", notes.join("; ")),
        StageState::Skipped => format!("{stage:<14} Skipped (--skip-stage)"),
        StageState::Failed(why) => format!("{stage:<14} Failed: {why}"),
        StageState::Waiting => format!("{stage:<14} InProgress: waiting for approval (run with --approve)"),
    }
}

fn run_stage(stage: &Stage, ctx: &StageContext) -> Result<StageState, CliError> {
    let mut notes = Vec::new();
    for action in &stage.actions {
        match action {
            Action::Source => notes.push(format!("commit {}", &ctx.commit[..12])),
            Action::Approval { name, environment, .. } => {
                if !approved(ctx.args.approve, name, environment) {
                    return Ok(StageState::Waiting);
                }
                notes.push(format!("{name} approved"));
            }
            Action::Build { name, project, environment, output, .. } => {
                let target = environment.as_ref().map(|_| ctx.local);
                let mut variables: BTreeMap<String, String> = BTreeMap::new();
                if let Some(target) = target {
                    for (k, v) in action_variables(ctx.lake, ctx.local, target) {
                        variables.insert(k.to_owned(), v);
                    }
                }
                let spec = &ctx.buildspecs[project.as_str()];
                let artifacts = output.as_ref().map(|o| ctx.run_dir.join("artifacts").join(o));
                let build = Build {
                    name,
                    project: *project,
                    spec,
                    variables,
                    artifacts,
                    cache: ctx.work.join("cache").join(project.as_str()),
                };
                match run_build(ctx, &build)? {
                    Ok(exported) => {
                        if let Some(summary) = exported.get(sdlf_cicd::pipeline::PLAN_SUMMARY_VARIABLE) {
                            notes.push(format!("{name}: {summary}"));
                        }
                    }
                    Err(why) => return Ok(StageState::Failed(format!("action {name} failed in {why}"))),
                }
            }
        }
    }
    Ok(StageState::Succeeded(notes))
}

/// One CodeBuild action to run.
pub(crate) struct Build<'a> {
    pub(crate) name: &'a str,
    pub(crate) project: Project,
    pub(crate) spec: &'a Buildspec,
    pub(crate) variables: BTreeMap<String, String>,
    pub(crate) artifacts: Option<PathBuf>,
    pub(crate) cache: PathBuf,
}

/// Runs one build on a fresh copy of the source (CodeBuild gives each build its own); the
/// exported variables, or why it failed.
pub(crate) fn run_build(
    ctx: &StageContext,
    build: &Build,
) -> Result<Result<BTreeMap<String, String>, String>, CliError> {
    // CodeBuild gives each build a fresh copy of the source; here the stable directory is
    // made to hold exactly the commit's files again (see `sync`), the cache's directories aside.
    let dir = ctx.work.join("source");
    let keep = cache_roots(build.spec);
    let keep: Vec<&str> = keep.iter().map(String::as_str).collect();
    crate::sync::sync(&ctx.run_dir.join("export"), &dir, &keep).map_err(|e| CliError::io(&dir, e))?;
    std::fs::create_dir_all(&build.cache).map_err(|e| CliError::io(&build.cache, e))?;
    let mut request =
        BuildRequest::new(sdlf_cicd::names::CicdNames::new(ctx.lake).project(build.project), build.spec.clone(), &dir);
    request.source_version = Some(ctx.commit.to_owned());
    request.override_variables = build.variables.clone();
    request.artifacts_dir = build.artifacts.clone();
    request.cache_dir = Some(build.cache.clone());
    println!("--- {} ({} project) in {}", build.name, build.project.as_str(), dir.display());
    let mut out = std::io::stdout();
    let outcome =
        runner::run(&request, &mut out).map_err(|e| CliError::Usage(format!("action {}: {e}", build.name)))?;
    Ok(match (outcome.status, outcome.failure) {
        (BuildStatus::Succeeded, _) => Ok(outcome.exported),
        (BuildStatus::Failed, Some(failure)) => Err(failure.to_string()),
        (BuildStatus::Failed, None) => Err("the build (artifacts)".to_owned()),
    })
}

/// The top-level directories of the buildspec's relative cache paths (`target/**/*` → `target`).
fn cache_roots(spec: &Buildspec) -> Vec<String> {
    spec.cache
        .iter()
        .flat_map(|c| &c.paths)
        .filter(|p| !p.starts_with('/'))
        .filter_map(|p| p.split('/').next().map(str::to_owned))
        .collect()
}

/// A manual approval: given with --approve, asked on a terminal, else not given.
fn approved(approve: bool, name: &str, environment: &str) -> bool {
    if approve {
        return true;
    }
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return false;
    }
    print!("{name}: deploy to {environment}? [y/N] ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    matches!(answer.trim(), "y" | "Y" | "yes")
}

/// Each CodeBuild project's buildspec, read back from the synthesized template.
fn buildspecs_of(body: &str) -> Result<BTreeMap<String, Buildspec>, CliError> {
    let template: serde_json::Value =
        serde_json::from_str(body).map_err(|e| CliError::Usage(format!("the CI/CD template: {e}")))?;
    let mut out = BTreeMap::new();
    for project in Project::ALL {
        let id = format!("{}Project", project.id());
        let text = template["Resources"][&id]["Properties"]["Source"]["BuildSpec"]
            .as_str()
            .ok_or_else(|| CliError::Usage(format!("the CI/CD template has no buildspec for {id}")))?;
        let spec = Buildspec::parse(text).map_err(|e| CliError::Usage(format!("{id}: {e}")))?;
        out.insert(project.as_str().to_owned(), spec);
    }
    Ok(out)
}

fn git(dir: Option<&Path>, args: &[&str]) -> Result<String, String> {
    let mut cmd = Command::new("git");
    if let Some(dir) = dir {
        cmd.arg("-C").arg(dir);
    }
    let out = cmd.args(args).output().map_err(|e| format!("git could not be started: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {} failed: {}; run inside the lake's git repository",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The commit's files in a fresh directory, without `.git` (CodePipeline's source artifact).
pub(crate) fn checkout(repo: &Path, commit: &str, dest: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dest).map_err(|e| CliError::io(dest, e))?;
    let archive = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["archive", "--format=tar", commit])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| CliError::Usage(format!("git archive could not be started: {e}")))?;
    let status = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(dest)
        .stdin(archive.stdout.expect("piped"))
        .status()
        .map_err(|e| CliError::io(dest, e))?;
    if !status.success() {
        return Err(CliError::Usage(format!("checking out {commit} into {} failed", dest.display())));
    }
    Ok(())
}
