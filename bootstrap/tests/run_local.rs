//! The pipeline run here, end to end: `bootstrap run-local` from a commit of a temporary clone,
//! against an emulator of the test's own, for the `local` environment.
//!
//! The pipeline's builds get a target directory of their own that lasts between test runs
//! (`target/pipeline-test/`, as CodeBuild's cache of `target/` would), at stable paths, so a
//! second run compiles only what changed; never this workspace's own target directory, whose
//! binaries the other tests run and whose artifacts must point at this checkout. Their build
//! directory (cargo's `build-dir`: compiled dependencies, not the final binaries) is this
//! workspace's, so the dependencies `cargo test` compiled are reused instead of compiled a
//! second time (the clone's own crates, at another path, get artifacts of their own). The
//! Lambda package, named by the hash of its sources, is shared with the other emulator tests in
//! both directions, so it is built once per source state.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sdlf_testkit::Emulator;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A clone of this repository's HEAD at `dir/repo`.
fn clone_into(dir: &Path) -> PathBuf {
    let root = sdlf_testkit::repo_root();
    let repo = dir.join("repo");
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(dir).unwrap();
    git(dir, &["clone", "--quiet", "--no-hardlinks", root.to_str().unwrap(), "repo"]);
    repo
}

/// This workspace's target directory.
fn workspace_target() -> PathBuf {
    let root = sdlf_testkit::repo_root();
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"))
}

/// Hard-links the packages one cache has and the other lacks (they never change once named).
fn share_packages(from: &Path, to: &Path) {
    let Ok(entries) = std::fs::read_dir(from.join("lambda-packages")) else { return };
    std::fs::create_dir_all(to.join("lambda-packages")).unwrap();
    for e in entries.flatten() {
        let name = e.file_name();
        if name.to_string_lossy().ends_with(".zip") && !to.join("lambda-packages").join(&name).exists() {
            let _ = std::fs::hard_link(e.path(), to.join("lambda-packages").join(&name));
        }
    }
}

fn run_local(repo: &Path, work: &Path, target: &Path, endpoint: Option<&str>, extra: &[&str]) -> Output {
    let root = sdlf_testkit::repo_root();
    let tools = std::env::var_os("SDLF_TOOLS_DIR").map(PathBuf::from).unwrap_or_else(|| root.join(".tools"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bootstrap"));
    cmd.arg("run-local")
        .arg("--work-dir")
        .arg(work)
        .args(extra)
        .current_dir(repo)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_BUILD_BUILD_DIR", workspace_target())
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
    let dir = workspace_target().join("pipeline-test");
    let repo = clone_into(&dir);
    let (work, target) = (dir.join("work"), dir.join("target"));
    let _ = std::fs::remove_dir_all(work.join("runs"));
    share_packages(&workspace_target(), &target);
    let first = run_local(&repo, &work, &target, Some(&emulator.url), &["--test-command", "cargo --version"]);
    share_packages(&target, &workspace_target());
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

    let second = run_local(&repo, &work, &target, Some(&emulator.url), &["--skip-stage", "Test"]);
    assert!(second.status.success(), "second run:\n{}", text(&second));
    let lines = stage_lines(&second);
    assert_eq!(lines[1], "Test Skipped (--skip-stage)");
    assert_eq!(lines[2], "Plan Succeeded: Plan-local: no changes (8 stacks)");
    assert_eq!(lines[3], "Deploy-local Succeeded");

    review_of_a_pull_request_shows_what_it_does_to_the_deployed_lake(&repo, &work, &target, &emulator.url);
}

/// On the lake the pipeline deployed: a branch that changes the definition, reviewed as a pull
/// request, gets one comment with the verdict and the plan against what is deployed.
fn review_of_a_pull_request_shows_what_it_does_to_the_deployed_lake(
    repo: &Path,
    work: &Path,
    target: &Path,
    endpoint: &str,
) {
    let _ = std::fs::remove_dir_all(work.join("pull-requests"));
    git(repo, &["branch", "--force", "reviewed-base", "HEAD"]);
    git(repo, &["checkout", "--quiet", "-b", "slower-schedule"]);
    let lib = repo.join("pipelines/src/lib.rs");
    let before = std::fs::read_to_string(&lib).unwrap();
    let after = before.replacen("schedule: Schedule::EveryMinutes(5)", "schedule: Schedule::EveryMinutes(10)", 1);
    assert_ne!(after, before, "the example lake's schedule moved: update this test's edit");
    std::fs::write(&lib, after).unwrap();
    git(
        repo,
        &["-c", "user.name=sdlf", "-c", "user.email=sdlf@example.com", "commit", "--quiet", "-am", "Every 10 min"],
    );

    let args = ["--pull-request", "slower-schedule", "--into", "reviewed-base", "--test-command", "cargo --version"];
    let review = run_local(repo, work, target, Some(endpoint), &args);
    let output = text(&review);
    assert!(review.status.success(), "review:\n{output}");
    assert!(output.contains("simulated pull request slower-schedule: created the plan comment 1"), "{output}");
    let file = work.join("pull-requests/slower-schedule/comments.json");
    let comments: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(comments.as_array().unwrap().len(), 1, "{comments}");
    let body = comments[0]["body"].as_str().unwrap();
    assert!(body.starts_with(sdlf_cicd::review::MARKER), "{body}");
    insta::assert_snapshot!("pull_request_comment", body);
    // What the command printed is the comment a reviewer reads.
    assert!(output.contains(body.strip_prefix(sdlf_cicd::review::MARKER).unwrap().trim_start()), "{output}");
}

#[test]
fn a_failing_command_fails_its_action_and_stops_the_pipeline_there() {
    let dir = tempfile::tempdir().unwrap();
    let repo = clone_into(dir.path());
    // No emulator: the pipeline must stop before anything reaches AWS.
    let work = dir.path().join("work");
    let out =
        run_local(&repo, &work, &dir.path().join("target"), Some("http://127.0.0.1:9"), &["--test-command", "false"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let lines = stage_lines(&out);
    assert_eq!(lines.len(), 2, "nothing after the failed stage:\n{}", text(&out));
    assert!(lines[0].starts_with("Source Succeeded"), "{lines:?}");
    assert_eq!(lines[1], "Test Failed: action Test failed in phase build: `false` exited 1");
}
