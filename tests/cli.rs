//! The command line as a user meets it: help text, unavailable commands, exit codes.

use std::process::{Command, Output};

/// `sdlf ARGS` as in a pipe, whatever the caller's terminal settings.
fn sdlf(args: &[&str]) -> Output {
    sdlf_with(args, &[])
}

fn sdlf_with(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sdlf"));
    cmd.args(args).env_remove("COLUMNS").env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd.envs(vars.iter().copied()).output().expect("the sdlf binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

#[test]
fn help_lists_every_command_and_the_exit_codes() {
    let out = sdlf(&["--help"]);
    assert!(out.status.success());
    insta::assert_snapshot!(text(&out.stdout));
}

#[test]
fn a_wrong_flag_is_a_usage_error() {
    let out = sdlf(&["deploy", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(sdlf::exit::USAGE.into()));
    assert!(text(&out.stderr).contains("--no-such-flag"));
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sdlf-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn synth_writes_each_template_and_the_manifest_and_prints_a_table() {
    let out_dir = scratch("synth");
    std::fs::create_dir_all(out_dir.join("local")).unwrap();
    std::fs::write(out_dir.join("local/removed-stack.template.json"), "{}").unwrap();
    std::fs::write(out_dir.join("local/notes.txt"), "mine").unwrap();
    let out = sdlf(&["synth", "--env", "local", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("local/manifest.json")).unwrap()).unwrap();
    let stacks = manifest["stacks"].as_array().unwrap();
    assert_eq!(stacks.len(), 8);
    for s in stacks {
        let body = std::fs::read_to_string(out_dir.join("local").join(s["template"].as_str().unwrap())).unwrap();
        assert_eq!(body.len() as u64, s["bytes"].as_u64().unwrap());
    }
    assert!(!out_dir.join("local/removed-stack.template.json").exists(), "a stack the lake no longer has");
    assert!(out_dir.join("local/notes.txt").exists(), "files that are not templates stay");

    let stdout = text(&out.stdout).replace(out_dir.to_str().unwrap(), "<out>");
    insta::assert_snapshot!(stdout);
}

#[test]
fn synth_json_prints_the_manifests() {
    let out_dir = scratch("synth-json");
    let out = sdlf(&["synth", "--env", "dev", "--json", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let manifests: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(manifests[0]["environment"]["name"], "dev");
    assert_eq!(manifests[0]["environment"]["account"], "111111111111");
}

#[test]
fn an_unknown_environment_is_a_usage_error_with_exit_2() {
    let out_dir = scratch("synth-unknown");
    let out = sdlf(&["synth", "--env", "staging", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(sdlf::exit::USAGE.into()));
    let listed = sdlf(&["list", "--env", "staging"]);
    assert_eq!(listed.status.code(), Some(sdlf::exit::USAGE.into()), "{}", text(&listed.stderr));
    assert!(text(&out.stderr).contains("the lake defines no environment `staging`"), "{}", text(&out.stderr));
    assert!(!out_dir.exists(), "nothing written");
}

fn sdlf_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sdlf")).args(args).current_dir(dir).output().expect("the sdlf binary runs")
}

#[test]
fn the_project_is_found_from_the_working_directory_not_from_where_the_binary_was_built() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = scratch("from-subdirectory");
    let args = ["synth", "--env", "dev", "--json", "--out", out_dir.to_str().unwrap()];
    let at_root = sdlf_in(root, &args);
    let below = sdlf_in(&root.join("lambdas/core/src"), &args);
    assert_eq!(below.status.code(), Some(0), "{}", text(&below.stderr));
    assert_eq!(text(&below.stdout), text(&at_root.stdout), "the same assets, fingerprinted from the same root");

    let outside = tempfile::tempdir().unwrap();
    let out = sdlf_in(outside.path(), &args);
    assert_eq!(out.status.code(), Some(sdlf::exit::USAGE.into()));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("no sdlf project in {}", outside.path().display())), "{stderr}");
    assert!(stderr.contains("run the command inside the project's checkout"), "{stderr}");
}

/// `FakeHttp` stands in for GitHub's API here: no emulator covers it (its behaviour is tested
/// in infra/github/tests); this checks the command's flags, token handling and exit codes.
#[test]
fn review_posts_the_plan_with_the_token_from_the_environment_and_fails_the_check_on_refusal() {
    use sdlf_testkit::http::FakeHttp;
    let refuse = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let refusing = refuse.clone();
    let github = FakeHttp::start(move |request| {
        let authorized = request.headers.get("authorization").map(String::as_str) == Some("Bearer t0ken");
        match (request.method.as_str(), refusing.load(std::sync::atomic::Ordering::SeqCst) || !authorized) {
            (_, true) => (401, "application/json", r#"{"message":"Bad credentials"}"#.into()),
            ("GET", _) => (200, "application/json", "[]".into()),
            _ => (201, "application/json", r#"{"id":42,"body":"x"}"#.into()),
        }
    });
    let plan = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(plan.path(), "## sdlf plan\n").unwrap();
    let review = |token: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sdlf"));
        command.args(["review", "--provider", "github", "--repository", "acme/lake", "--pull-request", "7"]);
        command.arg("--plan").arg(plan.path()).args(["--api-url", &github.url]);
        command.env_remove("GITHUB_TOKEN");
        if let Some(token) = token {
            command.env("GITHUB_TOKEN", token);
        }
        command.output().unwrap()
    };
    let posted = review(Some("t0ken"));
    assert_eq!(posted.status.code(), Some(0), "{}", text(&posted.stderr));
    assert_eq!(text(&posted.stdout), "acme/lake#7: created the plan comment 42\n");

    let no_token = review(None);
    assert_eq!(no_token.status.code(), Some(sdlf::exit::USAGE.into()));
    assert!(text(&no_token.stderr).contains("GITHUB_TOKEN is not set"), "{}", text(&no_token.stderr));

    refuse.store(true, std::sync::atomic::Ordering::SeqCst);
    let refused = review(Some("t0ken"));
    assert_eq!(refused.status.code(), Some(sdlf::exit::FAILED.into()));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("acme/lake#7: finding who the token posts as failed: GitHub refused the token (401"),
        "{stderr}"
    );
    assert!(!stderr.contains("t0ken"), "the token is never printed: {stderr}");
}

/// The review build's last step: the results its steps left (tests, plan) become the comment
/// on a simulated pull request (`--provider local`, comments in a file), and a failed check
/// exits 1 after posting.
#[test]
fn review_of_results_posts_the_verdict_and_fails_the_check_after_posting() {
    let repository = tempfile::tempdir().unwrap();
    let results = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(results.path().join(name), text).unwrap();
    let review = || {
        Command::new(env!("CARGO_BIN_EXE_sdlf"))
            .args(["review", "--provider", "local", "--pull-request", "feature-x", "--repository"])
            .arg(repository.path())
            .arg("--results")
            .arg(results.path())
            .output()
            .unwrap()
    };
    let comment = || {
        let file = repository.path().join("feature-x/comments.json");
        let comments: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        assert_eq!(comments.as_array().unwrap().len(), 1, "one comment, updated in place: {comments}");
        comments[0]["body"].as_str().unwrap().to_owned()
    };
    write("tests.exit", "0\n");
    write("tests.log", "test result: ok\n");
    write("plan.exit", "0\n");
    write("plan.md", "## Plan\n\nno changes\n");
    let passed = review();
    assert_eq!(passed.status.code(), Some(0), "{}", text(&passed.stderr));
    assert_eq!(text(&passed.stdout), "simulated pull request feature-x: created the plan comment 1\n");
    assert!(comment().contains("### sdlf review: ✅ passed"), "{}", comment());

    write("tests.exit", "101\n");
    write("tests.log", "thread 'lake' panicked\ntest result: FAILED\n");
    write("plan.exit", "3\n");
    let failed = review();
    assert_eq!(failed.status.code(), Some(sdlf::exit::CHANGES.into()), "{}", text(&failed.stderr));
    assert_eq!(text(&failed.stdout), "simulated pull request feature-x: updated the plan comment 1\n");
    assert_eq!(
        text(&failed.stderr),
        "error: the check fails: the tests failed (exit 101); the data-loss guard would refuse a deploy (see the \
         highlights)\n"
    );
    let body = comment();
    assert!(body.contains("test result: FAILED"), "{body}");

    // No plan (an invalid definition): the comment quotes why.
    std::fs::remove_file(results.path().join("plan.md")).unwrap();
    write("plan.err", "error: dataset `x`: unknown pipeline `y`\n");
    let invalid = review();
    assert_eq!(invalid.status.code(), Some(sdlf::exit::CHANGES.into()));
    assert!(comment().contains("error: dataset `x`: unknown pipeline `y`"), "{}", comment());
    assert!(text(&invalid.stderr).contains("the plan could not be computed (exit 3)"), "{}", text(&invalid.stderr));
}

#[test]
fn list_shows_the_stacks_in_deploy_order_with_their_dependencies() {
    let out = sdlf(&["list", "--env", "dev"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    insta::assert_snapshot!(text(&out.stdout));
    // A narrow terminal (COLUMNS, as the shell sets it): the table wraps to it.
    let narrow = sdlf_with(&["list", "--env", "dev"], &[("COLUMNS", "72")]);
    assert!(text(&narrow.stdout).lines().all(|l| l.chars().count() <= 72), "{}", text(&narrow.stdout));
    insta::assert_snapshot!("list_narrow", text(&narrow.stdout));
    let json = sdlf(&["list", "--env", "dev", "--json"]);
    let stacks: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let names: Vec<&str> = stacks.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    for (i, s) in stacks.as_array().unwrap().iter().enumerate() {
        for d in s["depends_on"].as_array().unwrap() {
            assert!(names[..i].contains(&d.as_str().unwrap()), "{d} comes before {}", names[i]);
        }
    }
}

#[test]
fn completions_are_printed_for_each_shell_and_every_flag_has_help() {
    for shell in ["bash", "zsh", "fish"] {
        let out = sdlf(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        assert!(script.contains("redrive") && script.contains("allow-replace"), "{shell}: {script}");
    }
    let bad = sdlf(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(sdlf::exit::USAGE.into()));
    // Every argument of every command says what it is for.
    let cli = <sdlf::Cli as clap::CommandFactory>::command();
    for command in cli.get_subcommands() {
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if id != "help" && id != "version" {
                assert!(arg.get_help().is_some(), "sdlf {} --{id} has no help text", command.get_name());
            }
        }
    }
}

#[test]
fn destroy_and_a_deploy_without_a_terminal_never_pick_an_environment_themselves() {
    let destroy = sdlf(&["destroy", "--yes"]);
    assert_eq!(destroy.status.code(), Some(sdlf::exit::USAGE.into()));
    assert!(text(&destroy.stderr).contains("destroy needs --env"), "{}", text(&destroy.stderr));
    // The tests run without a terminal.
    let deploy = sdlf(&["deploy", "--yes"]);
    assert_eq!(deploy.status.code(), Some(sdlf::exit::USAGE.into()));
    assert!(text(&deploy.stderr).contains("deploy without a terminal needs --env"), "{}", text(&deploy.stderr));
}

#[test]
fn the_environment_and_aws_flags_go_before_or_after_the_command() {
    let after = sdlf(&["list", "--env", "test", "--json"]);
    assert_eq!(after.status.code(), Some(0), "{}", text(&after.stderr));
    assert!(text(&after.stdout).contains("anycompany-datalake-test-foundations"), "{}", text(&after.stdout));
    for before in [&["--env", "test", "list", "--json"][..], &["-e", "test", "--region", "eu-west-1", "list", "--json"]]
    {
        let out = sdlf(before);
        assert_eq!(out.status.code(), Some(0), "{before:?}: {}", text(&out.stderr));
        assert_eq!(out.stdout, after.stdout, "{before:?}");
    }
    // A command of one environment refuses two.
    let two = sdlf(&["deploy", "--env", "dev", "--env", "test", "--yes"]);
    assert_eq!(two.status.code(), Some(sdlf::exit::USAGE.into()), "{}", text(&two.stderr));
    assert!(text(&two.stderr).contains("deploy takes one --env, not dev, test"), "{}", text(&two.stderr));
    let local = sdlf(&["--env", "prod", "local"]);
    assert_eq!(local.status.code(), Some(sdlf::exit::USAGE.into()), "{}", text(&local.stderr));
}

#[test]
fn a_local_file_that_cannot_be_written_exits_5_naming_it() {
    let dir = scratch("synth-into-a-file");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("not-a-directory");
    std::fs::write(&file, "x").unwrap();
    let out = sdlf(&["synth", "--env", "dev", "--out", file.join("out").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(sdlf::exit::IO.into()), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not-a-directory/out"), "{}", text(&out.stderr));
}

/// Two template files: a queue whose visibility changes and whose name changes (a replacement).
fn template_files(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = scratch(name);
    std::fs::create_dir_all(&dir).unwrap();
    let old = r#"{"Resources": {"Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs", "VisibilityTimeout": 30}}, "Topic": {"Type": "AWS::SNS::Topic"}}}"#;
    let new = r#"{"Resources": {"Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs-2", "VisibilityTimeout": 60}}, "Bucket": {"Type": "AWS::S3::Bucket"}}}"#;
    let (o, n) = (dir.join("old.json"), dir.join("new.json"));
    std::fs::write(&o, old).unwrap();
    std::fs::write(&n, new).unwrap();
    (o, n)
}

#[test]
fn diff_of_two_template_files_needs_no_aws_and_renders_as_a_stack_diff() {
    let (old, new) = template_files("diff-files");
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let out = sdlf(&["diff", old, new, "--fail"]);
    assert_eq!(out.status.code(), Some(sdlf::exit::CHANGES.into()), "{}", text(&out.stderr));
    insta::assert_snapshot!(text(&out.stdout));
    let json = sdlf(&["diff", old, new, "--json"]);
    assert_eq!(json.status.code(), Some(0), "{}", text(&json.stderr));
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(parsed["stacks"][0]["plan"]["replace"], 1, "{parsed}");
    let same = sdlf(&["diff", old, old, "--fail"]);
    assert_eq!(same.status.code(), Some(0), "{}", text(&same.stdout));

    let missing = sdlf(&["diff", old, "/nonexistent/new.json"]);
    assert_eq!(missing.status.code(), Some(sdlf::exit::IO.into()));
    let not_json = std::path::Path::new(old).with_file_name("bad.json");
    std::fs::write(&not_json, "{ no").unwrap();
    let bad = sdlf(&["diff", old, not_json.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(sdlf::exit::INVALID.into()));
    assert!(text(&bad.stderr).contains("bad.json: not a CloudFormation template"), "{}", text(&bad.stderr));
}

#[test]
fn colour_is_forced_by_clicolor_force_and_refused_by_no_color_and_the_flag() {
    let (old, new) = template_files("diff-colour");
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let run = |vars: &[(&str, &str)], extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sdlf"));
        cmd.args(["diff", old, new]).args(extra).env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
        text(&cmd.envs(vars.iter().copied()).output().unwrap().stdout)
    };
    let escape = "\u{1b}[";
    assert!(!run(&[], &[]).contains(escape), "no terminal: no colour");
    assert!(run(&[("CLICOLOR_FORCE", "1")], &[]).contains(escape));
    assert!(!run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], &[]).contains(escape));
    assert!(!run(&[("CLICOLOR_FORCE", "1")], &["--no-color"]).contains(escape));
    assert!(!run(&[("CLICOLOR_FORCE", "1")], &[]).is_empty());
}
