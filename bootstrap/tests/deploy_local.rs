//! `cargo run -p bootstrap -- --env local` on an emulator of the test's own: the CI/CD stack
//! deploys with the types MiniStack supports (CodeBuild, S3, KMS, IAM, SNS, EventBridge), the
//! rest left out and listed by `synth`, and a second run changes nothing and says so.

use std::process::{Command, Output};

use sdlf_testkit::Emulator;

fn bootstrap(emulator: &Emulator, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .args(args)
        .env("AWS_ENDPOINT_URL", &emulator.url)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .output()
        .expect("bootstrap runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn the_cicd_stack_deploys_on_the_emulator_and_a_second_run_changes_nothing() {
    let emulator = Emulator::start();
    let first = bootstrap(&emulator, &["--env", "local", "--yes"]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("1 deployed, 0 unchanged"), "{}", text(&first));
    let projects = emulator.call("codebuild", "list_projects", serde_json::json!({}));
    let mut names: Vec<&str> = projects["projects"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "anycompany-datalake-cicd-deploy",
            "anycompany-datalake-cicd-plan",
            "anycompany-datalake-cicd-review",
            "anycompany-datalake-cicd-test"
        ]
    );

    let second = bootstrap(&emulator, &["--env", "local", "--yes"]);
    assert!(second.status.success(), "{}", text(&second));
    assert!(text(&second).contains("anycompany-datalake-cicd: no changes"), "{}", text(&second));
    assert!(text(&second).contains("0 deployed, 1 unchanged"), "{}", text(&second));
}

#[test]
fn synth_lists_what_the_emulator_leaves_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .args(["synth", "--env", "local", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains("AWS::CodeCommit::Repository") && printed.contains("AWS::CodePipeline::Pipeline"),
        "{printed}"
    );
    assert!(dir.path().join("local/anycompany-datalake-cicd.template.json").is_file());
}
