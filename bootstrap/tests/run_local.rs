//! The pipeline run here, end to end: `bootstrap run-local` from a commit of a temporary clone,
//! against an emulator of the test's own, for the `local` environment.
//!
//! The builds share this workspace's target directory (`CARGO_TARGET_DIR`, as CodeBuild's
//! cache of `target/` would hold it) and its tools directory, so the pipeline compiles only
//! the clone's own crates and reuses the Lambda package the other emulator tests build.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sdlf_testkit::Emulator;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A clone of this repository's HEAD in a temporary directory.
fn clone() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = sdlf_testkit::repo_root();
    git(dir.path(), &["clone", "--quiet", "--no-hardlinks", root.to_str().unwrap(), "repo"]);
    dir
}

fn run_local(repo: &Path, work: &Path, endpoint: Option<&str>, extra: &[&str]) -> Output {
    let root = sdlf_testkit::repo_root();
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let tools = std::env::var_os("SDLF_TOOLS_DIR").map(PathBuf::from).unwrap_or_else(|| root.join(".tools"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bootstrap"));
    cmd.arg("run-local")
        .arg("--work-dir")
        .arg(work)
        .args(extra)
        .current_dir(repo)
        .env("CARGO_TARGET_DIR", target)
        .env("SDLF_TOOLS_DIR", tools)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION");
    match endpoint {
        Some(url) => cmd.env("AWS_ENDPOINT_URL", url),
        None => cmd.env_remove("AWS_ENDPOINT_URL"),
    };
    cmd.output().expect("bootstrap runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The stage lines, as the run prints them (`Stage   State...`).
fn stage_lines(o: &Output) -> Vec<String> {
    let stages = ["Source", "Test", "Plan", "Deploy-local"];
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| stages.iter().any(|s| l.starts_with(&format!("{s} "))))
        // Without the stage's duration (`[3.2 s]`), which varies.
        .map(|l| l.rsplit_once(" [").map_or(l, |(stage, _)| stage).split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn the_pipeline_deploys_the_lake_and_its_next_plan_is_no_changes() {
    let emulator = Emulator::start();
    let dir = clone();
    let repo = dir.path().join("repo");
    let work = dir.path().join("work");
    let first = run_local(&repo, &work, Some(&emulator.url), &["--test-command", "cargo --version"]);
    assert!(first.status.success(), "first run:\n{}", text(&first));
    let lines = stage_lines(&first);
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].starts_with("Source Succeeded: commit "), "{lines:?}");
    assert_eq!(lines[1], "Test Succeeded");
    // From nothing: every stack is new, nothing changes or goes.
    assert!(lines[2].starts_with("Plan Succeeded: Plan-local: 8 of 8 stacks change: "), "{lines:?}");
    assert!(lines[2].ends_with(" to add, 0 to change (0 replace), 0 to destroy"), "{lines:?}");
    assert_eq!(lines[3], "Deploy-local Succeeded");
    // The plan's files are the action's output artifact.
    let runs: Vec<PathBuf> = std::fs::read_dir(work.join("runs")).unwrap().map(|e| e.unwrap().path()).collect();
    let artifact = runs[0].join("artifacts/Plan_local");
    assert!(artifact.join("local.json").is_file() && artifact.join("local.summary").is_file(), "{artifact:?}");

    let second = run_local(&repo, &work, Some(&emulator.url), &["--skip-stage", "Test"]);
    assert!(second.status.success(), "second run:\n{}", text(&second));
    let lines = stage_lines(&second);
    assert_eq!(lines[1], "Test Skipped (--skip-stage)");
    assert_eq!(lines[2], "Plan Succeeded: Plan-local: no changes (8 stacks)");
    assert_eq!(lines[3], "Deploy-local Succeeded");
}

#[test]
fn a_failing_command_fails_its_action_and_stops_the_pipeline_there() {
    let dir = clone();
    let repo = dir.path().join("repo");
    // No emulator: the pipeline must stop before anything reaches AWS.
    let out = run_local(&repo, &dir.path().join("work"), Some("http://127.0.0.1:9"), &["--test-command", "false"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let lines = stage_lines(&out);
    assert_eq!(lines.len(), 2, "nothing after the failed stage:\n{}", text(&out));
    assert!(lines[0].starts_with("Source Succeeded"), "{lines:?}");
    assert_eq!(lines[1], "Test Failed: action Test failed in phase build: `false` exited 1");
}
