//! `sdlf diff` and `sdlf deploy` against a real CloudFormation API: a MiniStack of the test's
//! own, on a free port. The lake's shared stacks and team stacks from nothing; again with
//! nothing to do (no change set at all, and only the calls a no-op needs); diff says so.
//!
//! The pipeline and dataset stacks hold config rows written by the `config` function, which
//! the runtime issue builds; until then their deploy waits for a function that cannot answer,
//! so they are not deployed here.

use std::process::{Command, Output};

use sdlf_testkit::Emulator;

fn sdlf(emulator: &Emulator, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sdlf"))
        .args(args)
        .env("AWS_ENDPOINT_URL", &emulator.url)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .output()
        .expect("the sdlf binary runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn the_lake_deploys_to_the_emulator_and_a_second_deploy_changes_nothing() {
    let emulator = Emulator::start();

    let diff = sdlf(&emulator, &["diff", "--env", "local", "--fail"]);
    assert_eq!(diff.status.code(), Some(1), "changes before the first deploy: {}", text(&diff));
    assert!(text(&diff).contains("(not deployed yet: everything is added)"), "{}", text(&diff));

    let shared_and_teams = [
        "--env",
        "local",
        "--yes",
        "anycompany-datalake-local-catalog",
        "anycompany-datalake-local-team-engineering",
        "anycompany-datalake-local-team-marketing",
    ];
    let deploy: Vec<&str> = std::iter::once("deploy").chain(shared_and_teams).collect();
    let first = sdlf(&emulator, &deploy);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    // The three named stacks and the foundations they depend on.
    let stacks = 4;
    assert!(text(&first).contains(&format!("\n{stacks} deployed, 0 unchanged")), "{}", text(&first));

    let second = sdlf(&emulator, &deploy);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    // GetCallerIdentity, one DescribeStacks listing, one GetTemplate per stack.
    let calls = 1 + 1 + stacks;
    assert!(
        text(&second).contains(&format!("\n0 deployed, {stacks} unchanged ({calls} AWS calls)")),
        "{}",
        text(&second)
    );
    assert!(!text(&second).contains("executing change set"));

    let diff = sdlf(
        &emulator,
        &["diff", "--env", "local", "--fail", "--method", "change-set", "anycompany-datalake-local-foundations"],
    );
    assert_eq!(diff.status.code(), Some(0), "{}", text(&diff));
    assert!(text(&diff).contains("Stack anycompany-datalake-local-foundations: no changes"), "{}", text(&diff));

    let status = sdlf(&emulator, &["status", "--env", "local", "--json"]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status));
    let stacks: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let status_of = |name: &str| {
        stacks.as_array().unwrap().iter().find(|s| s["name"] == name).map(|s| s["status"].clone()).unwrap()
    };
    assert_eq!(status_of("anycompany-datalake-local-catalog"), "CREATE_COMPLETE");
    assert_eq!(status_of("anycompany-datalake-local-pipeline-engineering-main"), serde_json::Value::Null);

    // Deleting the foundations takes every stack that reads from it along, dependents first.
    let destroy = sdlf(&emulator, &["destroy", "--env", "local", "--yes", "anycompany-datalake-local-foundations"]);
    assert_eq!(destroy.status.code(), Some(0), "{}", text(&destroy));
    let out = text(&destroy);
    let position = |s: &str| out.find(&format!("{s}: deleting")).unwrap_or_else(|| panic!("{s} not deleted: {out}"));
    assert!(position("anycompany-datalake-local-team-marketing") < position("anycompany-datalake-local-foundations"));
    assert!(position("anycompany-datalake-local-catalog") < position("anycompany-datalake-local-foundations"));
    let after = sdlf(&emulator, &["status", "--env", "local", "--json"]);
    let stacks: serde_json::Value = serde_json::from_slice(&after.stdout).unwrap();
    assert!(stacks.as_array().unwrap().iter().all(|s| s["status"].is_null()), "{stacks}");
}
