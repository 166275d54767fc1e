//! The local CodeBuild runner against a real bash: each test runs a build in temporary
//! directories and checks what CodeBuild's documented semantics say should have happened.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use sdlf_cicd::buildspec::{Artifacts, Buildspec, Cache, OnFailure, Phase, PhaseName, Phases};
use sdlf_cicd::runner::{self, BuildOutcome, BuildRequest, BuildStatus, PhaseStatus};
use tempfile::TempDir;

fn phases(
    install: Option<Phase>,
    pre_build: Option<Phase>,
    build: Option<Phase>,
    post_build: Option<Phase>,
) -> Buildspec {
    Buildspec::new(Phases { install, pre_build, build, post_build })
}

fn build_only(commands: &[&str]) -> Buildspec {
    phases(None, None, Some(Phase::new(commands.iter().copied())), None)
}

/// Runs `request`, returning the outcome and everything the build printed.
fn run(request: &BuildRequest) -> (BuildOutcome, String) {
    let mut log = Vec::new();
    let outcome = runner::run(request, &mut log).expect("the runner runs the build");
    (outcome, String::from_utf8(log).expect("the build prints text"))
}

fn run_spec(spec: Buildspec) -> (BuildOutcome, String, TempDir) {
    let src = TempDir::new().unwrap();
    let (outcome, log) = run(&BuildRequest::new("sdlf-test", spec, src.path()));
    (outcome, log, src)
}

fn statuses(outcome: &BuildOutcome) -> Vec<(PhaseName, PhaseStatus)> {
    outcome.phases.iter().map(|p| (p.name, p.status)).collect()
}

fn has_line(log: &str, line: &str) -> bool {
    log.lines().any(|l| l == line)
}

#[test]
fn cd_and_export_carry_over_between_commands_and_phases() {
    let spec = phases(
        Some(Phase::new(["mkdir -p sub/deeper", "cd sub", "export GREETING=hello"])),
        None,
        Some(Phase::new(["cd deeper", "echo \"pwd=$(basename \"$PWD\") greeting=$GREETING\""])),
        None,
    );
    let (outcome, log, _src) = run_spec(spec);
    assert_eq!(outcome.status, BuildStatus::Succeeded, "{log}");
    assert!(has_line(&log, "pwd=deeper greeting=hello"), "{log}");
    assert_eq!(outcome.failure, None);
}

#[test]
fn output_is_streamed_with_phase_headers_and_echoed_commands() {
    let (outcome, log, _src) = run_spec(build_only(&["echo to-stdout", "echo to-stderr >&2", "printf no-newline"]));
    assert_eq!(outcome.status, BuildStatus::Succeeded, "{log}");
    let lines: Vec<&str> = log.lines().collect();
    let at = |l: &str| lines.iter().position(|x| *x == l).unwrap_or_else(|| panic!("no line {l:?} in {log}"));
    assert!(at("[build] phase BUILD") < at("[build] $ echo to-stdout"));
    assert!(at("[build] $ echo to-stdout") < at("to-stdout"));
    assert!(at("to-stdout") < at("[build] $ echo to-stderr >&2"));
    assert!(at("[build] $ echo to-stderr >&2") < at("to-stderr"), "stderr is in order with the rest");
    let end = lines.iter().position(|l| l.starts_with("[build] phase BUILD SUCCEEDED")).expect("phase end line");
    assert!(at("no-newline") < end, "output without a final newline still ends before the next line");
}

#[test]
fn a_failing_command_stops_its_phase_runs_finally_and_abort_skips_later_phases() {
    let build = Phase::new(["echo first", "sh -c 'exit 7'", "echo never-run"])
        .finally(["echo finally-ran"])
        .on_failure(OnFailure::Abort);
    let spec = phases(None, None, Some(build), Some(Phase::new(["echo post-build-ran"])));
    let (outcome, log, _src) = run_spec(spec);
    assert_eq!(outcome.status, BuildStatus::Failed);
    assert!(has_line(&log, "first") && has_line(&log, "finally-ran"), "{log}");
    assert!(!has_line(&log, "never-run") && !has_line(&log, "post-build-ran"), "{log}");
    assert_eq!(
        statuses(&outcome),
        [(PhaseName::Build, PhaseStatus::Failed), (PhaseName::PostBuild, PhaseStatus::Skipped)]
    );
    let failure = outcome.failure.as_ref().expect("a failure");
    assert_eq!((failure.phase, failure.command.as_str(), failure.exit_code), (PhaseName::Build, "sh -c 'exit 7'", 7));
    assert_eq!(failure.to_string(), "phase build: `sh -c 'exit 7'` exited 7");
    assert_eq!(outcome.summary(), "failed in phase build: `sh -c 'exit 7'` exited 7");
}

#[test]
fn continue_goes_on_to_the_next_phase_and_the_build_still_fails_with_the_first_failure() {
    let install = Phase::new(["false", "echo never-run"]).on_failure(OnFailure::Continue);
    let pre_build = Phase::new(["echo pre-build-ran", "exit_code_9() { return 9; }; exit_code_9"]);
    let spec = phases(Some(install), Some(pre_build), Some(Phase::new(["echo build-ran"])), None);
    let (outcome, log, _src) = run_spec(spec);
    assert_eq!(outcome.status, BuildStatus::Failed);
    assert!(has_line(&log, "pre-build-ran") && !has_line(&log, "never-run"), "{log}");
    // pre_build has no on-failure: a failed PRE_BUILD goes to FINALIZING, so build is skipped.
    assert!(!has_line(&log, "build-ran"), "{log}");
    assert_eq!(
        statuses(&outcome),
        [
            (PhaseName::Install, PhaseStatus::Failed),
            (PhaseName::PreBuild, PhaseStatus::Failed),
            (PhaseName::Build, PhaseStatus::Skipped)
        ]
    );
    let failure = outcome.failure.unwrap();
    assert_eq!((failure.phase, failure.command.as_str(), failure.exit_code), (PhaseName::Install, "false", 1));
}

#[test]
fn post_build_and_artifacts_follow_a_failed_build_phase_by_default() {
    let src = TempDir::new().unwrap();
    let out = TempDir::new().unwrap();
    let mut spec = phases(
        None,
        None,
        Some(Phase::new(["echo partial > report.txt", "exit_101() { return 101; }; exit_101"])),
        Some(Phase::new(["echo post-build-ran"])),
    );
    spec.artifacts = Some(Artifacts { files: vec!["report.txt".into()], base_directory: None });
    let mut request = BuildRequest::new("sdlf-test", spec, src.path());
    request.artifacts_dir = Some(out.path().to_path_buf());
    let (outcome, log) = run(&request);
    assert_eq!(outcome.status, BuildStatus::Failed);
    assert!(has_line(&log, "post-build-ran"), "{log}");
    assert_eq!(statuses(&outcome)[1], (PhaseName::PostBuild, PhaseStatus::Succeeded));
    assert_eq!(fs::read_to_string(out.path().join("report.txt")).unwrap(), "partial\n");
}

#[test]
fn a_failed_install_phase_skips_everything_after_it_and_uploads_no_artifacts() {
    let src = TempDir::new().unwrap();
    let out = TempDir::new().unwrap();
    fs::write(src.path().join("file.txt"), "x").unwrap();
    let mut spec = phases(
        Some(Phase::new(["false"])),
        None,
        Some(Phase::new(["echo build-ran"])),
        Some(Phase::new(["echo post-build-ran"])),
    );
    spec.artifacts = Some(Artifacts { files: vec!["**/*".into()], base_directory: None });
    let mut request = BuildRequest::new("sdlf-test", spec, src.path());
    request.artifacts_dir = Some(out.path().to_path_buf());
    let (outcome, log) = run(&request);
    assert!(!has_line(&log, "build-ran") && !has_line(&log, "post-build-ran"), "{log}");
    assert_eq!(outcome.artifacts, None);
    assert!(fs::read_dir(out.path()).unwrap().next().is_none());
}

#[test]
fn variables_take_overrides_over_project_over_buildspec_over_the_process() {
    let mut spec = build_only(&["echo \"A=$A B=$B C=$C HOME=$HOME\"", "test -n \"$PATH\""]);
    for (k, v) in [("A", "buildspec"), ("B", "buildspec"), ("C", "buildspec"), ("HOME", "/buildspec-home")] {
        spec.env.variables.insert(k.into(), v.into());
    }
    let src = TempDir::new().unwrap();
    let mut request = BuildRequest::new("sdlf-test", spec, src.path());
    request.project_variables = BTreeMap::from([("A".into(), "project".into()), ("B".into(), "project".into())]);
    request.override_variables = BTreeMap::from([("A".into(), "action".into())]);
    let (outcome, log) = run(&request);
    assert_eq!(outcome.status, BuildStatus::Succeeded, "{log}");
    assert!(has_line(&log, "A=action B=project C=buildspec HOME=/buildspec-home"), "{log}");
}

#[test]
fn codebuild_variables_name_the_sources_and_the_build() {
    let src = TempDir::new().unwrap();
    let tools = TempDir::new().unwrap();
    let spec = build_only(&[
        "echo \"cwd=$PWD\"",
        "echo \"src=$CODEBUILD_SRC_DIR\"",
        "echo \"tools=$CODEBUILD_SRC_DIR_tools\"",
        "echo \"commit=$CODEBUILD_RESOLVED_SOURCE_VERSION number=$CODEBUILD_BUILD_NUMBER by=$CODEBUILD_INITIATOR\"",
        "echo \"id=$CODEBUILD_BUILD_ID\"",
    ]);
    let mut request = BuildRequest::new("sdlf-test", spec, src.path());
    request.secondary_sources.insert("tools".into(), tools.path().to_path_buf());
    request.source_version = Some("4771c6f".into());
    request.build_number = 12;
    request.initiator = "codepipeline/sdlf-cicd".into();
    let (outcome, log) = run(&request);
    assert_eq!(outcome.status, BuildStatus::Succeeded, "{log}");
    let src_dir = src.path().display();
    assert!(has_line(&log, &format!("cwd={src_dir}")) && has_line(&log, &format!("src={src_dir}")), "{log}");
    assert!(has_line(&log, &format!("tools={}", tools.path().display())), "{log}");
    assert!(has_line(&log, "commit=4771c6f number=12 by=codepipeline/sdlf-cicd"), "{log}");
    assert!(has_line(&log, &format!("id={}", outcome.build_id)), "{log}");
    assert!(outcome.build_id.starts_with("sdlf-test:") && outcome.build_id.len() == "sdlf-test:".len() + 36);
    // Same inputs, same id.
    assert_eq!(run(&request).0.build_id, outcome.build_id);
}

#[test]
fn build_succeeding_turns_to_zero_after_a_failure_for_finally_and_post_build() {
    let build = Phase::new(["echo \"before=$CODEBUILD_BUILD_SUCCEEDING\"", "false"])
        .finally(["echo \"finally=$CODEBUILD_BUILD_SUCCEEDING\""]);
    let post_build = Phase::new(["echo \"post=$CODEBUILD_BUILD_SUCCEEDING\""]);
    let (outcome, log, _src) = run_spec(phases(None, None, Some(build), Some(post_build)));
    assert_eq!(outcome.status, BuildStatus::Failed);
    for line in ["before=1", "finally=0", "post=0"] {
        assert!(has_line(&log, line), "no {line} in {log}");
    }
}

#[test]
fn exported_variables_have_their_values_at_the_end_of_the_build() {
    let mut spec = phases(
        None,
        None,
        Some(Phase::new(["export PLAN_SUMMARY=early", "UNEXPORTED_SHELL_VAR='two words'"])),
        Some(Phase::new(["export PLAN_SUMMARY=\"$(printf 'line one\\nline two')\""])),
    );
    spec.env.exported_variables = vec!["PLAN_SUMMARY".into(), "UNEXPORTED_SHELL_VAR".into(), "NEVER_SET".into()];
    let (outcome, log, _src) = run_spec(spec);
    assert_eq!(outcome.status, BuildStatus::Succeeded, "{log}");
    assert_eq!(
        outcome.exported,
        BTreeMap::from([
            ("PLAN_SUMMARY".to_owned(), "line one\nline two".to_owned()),
            ("UNEXPORTED_SHELL_VAR".to_owned(), "two words".to_owned()),
        ])
    );
}

#[test]
fn artifacts_are_copied_from_the_base_directory_keeping_their_paths() {
    let src = TempDir::new().unwrap();
    let out = TempDir::new().unwrap();
    let mut spec = build_only(&["mkdir -p plan/nested", "echo a > plan/top.json", "echo b > plan/nested/deep.txt"]);
    spec.artifacts = Some(Artifacts { files: vec!["**/*".into()], base_directory: Some("plan".into()) });
    fs::write(src.path().join("outside.txt"), "not an artifact").unwrap();
    let mut request = BuildRequest::new("sdlf-test", spec, src.path());
    request.artifacts_dir = Some(out.path().to_path_buf());
    let (outcome, log) = run(&request);
    assert_eq!(outcome.status, BuildStatus::Succeeded, "{log}");
    let upload = outcome.artifacts.expect("artifacts copied");
    assert_eq!(upload.files, [Path::new("nested/deep.txt"), Path::new("top.json")]);
    assert_eq!(fs::read_to_string(out.path().join("nested/deep.txt")).unwrap(), "b\n");
    assert!(!out.path().join("outside.txt").exists() && !out.path().join("plan").exists());
}

#[test]
fn an_artifact_pattern_matching_nothing_fails_the_build() {
    let src = TempDir::new().unwrap();
    let out = TempDir::new().unwrap();
    let mut spec = build_only(&["mkdir -p dist", "touch dist/app.zip"]);
    spec.artifacts = Some(Artifacts { files: vec!["dist/*".into(), "missing/*.jar".into()], base_directory: None });
    let mut request = BuildRequest::new("sdlf-test", spec, src.path());
    request.artifacts_dir = Some(out.path().to_path_buf());
    let (outcome, _log) = run(&request);
    assert_eq!(outcome.status, BuildStatus::Failed);
    assert_eq!(outcome.failure, None);
    assert_eq!(outcome.summary(), "failed uploading artifacts: `missing/*.jar` matches no file");
    assert!(out.path().join("dist/app.zip").is_file());
}

#[test]
fn the_cache_is_restored_before_and_saved_after_each_build() {
    let cache = TempDir::new().unwrap();
    let mut spec = build_only(&[
        "if [ -f target/kept.txt ]; then echo \"restored: $(cat target/kept.txt)\"; else echo cold; fi",
        "mkdir -p target && echo \"from build $CODEBUILD_BUILD_NUMBER\" > target/kept.txt",
    ]);
    spec.cache = Some(Cache { paths: vec!["target/**/*".into(), "/root/.cargo/registry/**/*".into()] });
    let mut logs = Vec::new();
    for number in 1..=2 {
        // A fresh source directory each time, as CodeBuild downloads the source anew.
        let src = TempDir::new_in(cache.path().parent().unwrap()).unwrap();
        let mut request = BuildRequest::new("sdlf-test", spec.clone(), src.path());
        request.build_number = number;
        request.cache_dir = Some(cache.path().join("sdlf-test"));
        let (outcome, log) = run(&request);
        assert_eq!(outcome.status, BuildStatus::Succeeded, "{log}");
        assert!(!src.path().join("target").exists(), "the save moved target/ into the cache");
        logs.push(log);
    }
    assert!(has_line(&logs[0], "cold"), "{}", logs[0]);
    assert!(has_line(&logs[1], "restored: from build 1"), "{}", logs[1]);
    assert!(cache.path().join("sdlf-test/target/kept.txt").is_file());
}

#[test]
fn a_command_reading_stdin_does_not_eat_the_commands_after_it() {
    let (outcome, log, _src) =
        run_spec(build_only(&["cat", "read -r line; echo \"read status $?\"", "echo still-here"]));
    assert_eq!(outcome.status, BuildStatus::Succeeded, "{log}");
    assert!(has_line(&log, "read status 1") && has_line(&log, "still-here"), "{log}");
}

#[test]
fn exit_in_a_command_ends_the_shell_and_fails_the_build() {
    let mut spec = phases(
        None,
        None,
        Some(Phase::new(["echo before", "exit 3", "echo never-run"]).finally(["echo finally-cannot-run"])),
        Some(Phase::new(["echo post-build-cannot-run"])),
    );
    spec.env.exported_variables = vec!["HOME".into()];
    let (outcome, log, _src) = run_spec(spec);
    assert_eq!(outcome.status, BuildStatus::Failed);
    assert!(has_line(&log, "before"), "{log}");
    for never in ["never-run", "finally-cannot-run", "post-build-cannot-run"] {
        assert!(!has_line(&log, never), "{never} in {log}");
    }
    let failure = outcome.failure.as_ref().unwrap();
    assert_eq!((failure.command.as_str(), failure.exit_code, failure.ended_shell), ("exit 3", 3, true));
    assert!(outcome.summary().contains("ended the build's shell"), "{}", outcome.summary());
    assert_eq!(statuses(&outcome)[1], (PhaseName::PostBuild, PhaseStatus::Skipped));
    assert!(outcome.exported.is_empty());
}

#[test]
fn a_build_without_a_shell_setting_runs_in_sh() {
    let mut spec = build_only(&["cd /", "echo \"in $PWD\"", "false"]);
    spec.env.shell = None;
    spec.env.exported_variables = vec!["PWD".into()];
    let (outcome, log, _src) = run_spec(spec);
    assert!(has_line(&log, "in /"), "{log}");
    assert_eq!(outcome.failure.unwrap().exit_code, 1);
    assert_eq!(outcome.exported.get("PWD").map(String::as_str), Some("/"));
}

#[test]
fn a_secret_is_taken_from_the_runners_environment_and_its_absence_is_an_error_naming_it() {
    let mut spec = build_only(&["test -n \"$HOME\""]);
    // HOME is set in every test process: it stands for a secret the user exported.
    spec.env.secrets_manager.insert("HOME".into(), "acme-lake-cicd/review-token".into());
    let (outcome, log, _src) = run_spec(spec.clone());
    assert_eq!(outcome.status, BuildStatus::Succeeded, "{log}");

    spec.env.secrets_manager.insert("SDLF_TEST_SECRET_NEVER_SET".into(), "acme-lake-cicd/review-token".into());
    let src = TempDir::new().unwrap();
    let e = runner::run(&BuildRequest::new("sdlf-test", spec, src.path()), &mut Vec::new()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "env.secrets-manager `SDLF_TEST_SECRET_NEVER_SET` (secret `acme-lake-cicd/review-token`): the local runner \
         does not read Secrets Manager; set SDLF_TEST_SECRET_NEVER_SET in the environment to run this build here"
    );
}
