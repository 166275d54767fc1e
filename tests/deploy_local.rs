//! `sdlf diff` and `sdlf deploy` against a real CloudFormation API: a MiniStack of the test's
//! own, on a free port, started without `AWS_ENDPOINT_URL` in its environment (the functions
//! find it from their stacks). Declined at a terminal with stderr redirected (`deploy 2>log`),
//! the plan and its question were on the terminal. The whole example lake from nothing —
//! interrupted by Ctrl-C, then two deploys at once; its functions built for this machine and
//! run by the emulator, the config rows written by the real `config` function; again with
//! nothing to do (no change set at all, and only the calls a no-op needs); diff says so;
//! destroy removes it all, dependents first.

use sdlf_testkit::Emulator;

mod common;
use common::{deployed_unchanged, sdlf, sdlf_interrupted, sdlf_on_terminal, sdlf_until, sdlf_with, text};

#[test]
fn the_lake_deploys_to_the_emulator_and_a_second_deploy_changes_nothing() {
    let emulator = Emulator::start();

    let diff = sdlf(&emulator, &["diff", "--env", "local", "--fail"]);
    assert_eq!(diff.status.code(), Some(1), "changes before the first deploy: {}", text(&diff));
    assert!(text(&diff).contains("(not deployed yet: everything is added)"), "{}", text(&diff));
    // The same plan as a pull request's comment: within CodeCommit's limit, every section closed.
    let plan = std::env::temp_dir().join(format!("sdlf-plan-{}.md", std::process::id()));
    let args = ["diff", "--env", "local", "--format", "markdown", "--max-bytes", "10240", "--out"];
    let markdown = sdlf(&emulator, &[&args[..], &[plan.to_str().unwrap()]].concat());
    assert_eq!(markdown.status.code(), Some(0), "{}", text(&markdown));
    let md = std::fs::read_to_string(&plan).unwrap();
    // With the marker `sdlf review` adds, the comment is within the limit.
    let comment = md.len() + sdlf_cicd::review::overhead();
    assert!(comment <= 10_240 && md.starts_with("## sdlf plan\n"), "{comment} bytes:\n{md}");
    assert!(md.contains("| `local` | 8 of 8 |"), "{md}");
    assert_eq!(md.matches("<details>").count(), md.matches("</details>").count(), "{md}");

    nothing_is_deployed_unconfirmed_or_with_another_accounts_credentials(&emulator);
    declined_at_a_terminal_with_stderr_redirected_the_plan_was_on_the_terminal(&emulator);
    let deploy = ["deploy", "--env", "local", "--yes"];
    // Foundations, catalog, two teams, two pipelines, two datasets.
    let stacks = 8;
    let done = interrupted_during_the_first_create(&emulator, &deploy, stacks);
    two_deploys_at_once(&emulator, &deploy, stacks, done);
    // The config function wrote each dataset's row, verbatim from the stack.
    let row = campaigns_row(&emulator);
    assert_eq!(row["Item"]["Pipeline"]["S"], "main", "{row}");
    assert_eq!(row["Item"]["MinItems"]["S"], "2", "{row}");
    assert_eq!(row["Item"]["Schema"]["L"][1]["M"]["Type"]["S"], "float64", "{row}");

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
    // Nothing would be lost, so a pull request's check passes.
    let check = sdlf(&emulator, &["diff", "--env", "local", "--method", "template", "--fail-if-refused"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    // The same, for programs: every stack, each with a plan of nothing.
    let json = sdlf(&emulator, &["diff", "--env", "local", "--json", "--method", "template"]);
    assert_eq!(json.status.code(), Some(0), "{}", text(&json));
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(plan["stacks"].as_array().unwrap().len(), stacks, "{plan}");
    let nothing = serde_json::json!({"add": 0, "change": 0, "replace": 0, "may_replace": 0, "destroy": 0});
    assert!(plan["stacks"].as_array().unwrap().iter().all(|s| s["plan"] == nothing), "{plan}");

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
    // The last update and the drift, as the README says `status` shows them.
    let catalog = stacks.as_array().unwrap().iter().find(|s| s["name"] == "anycompany-datalake-local-catalog").unwrap();
    assert!(catalog["lastUpdated"].as_str().is_some_and(|t| t.starts_with("20")), "{catalog}");
    assert!(catalog.get("drift").is_some() && catalog.get("outputs").is_some(), "{catalog}");
    let table = sdlf(&emulator, &["status", "--env", "local"]);
    assert!(text(&table).contains("LAST UPDATE") && text(&table).contains("DRIFT"), "{}", text(&table));
    assert_eq!(status_of("anycompany-datalake-local-dataset-engineering-legislators"), "CREATE_COMPLETE");

    // A dataset's stack takes its config row along.
    let destroy = sdlf(
        &emulator,
        &["destroy", "--env", "local", "--yes", "anycompany-datalake-local-dataset-marketing-campaigns"],
    );
    assert_eq!(destroy.status.code(), Some(0), "{}", text(&destroy));
    assert!(campaigns_row(&emulator).get("Item").is_none(), "the row is deleted");

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

/// Nobody to ask and no --yes, or credentials of another account: exit 2, nothing deployed.
fn nothing_is_deployed_unconfirmed_or_with_another_accounts_credentials(emulator: &Emulator) {
    // Nobody to ask and no --yes: nothing is executed (exit 2), and the empty stack of the
    // create change set is gone again.
    let unasked = sdlf(emulator, &["deploy", "--env", "local"]);
    assert_eq!(unasked.status.code(), Some(2), "{}", text(&unasked));
    assert!(text(&unasked).contains("nobody to ask (no terminal); pass --yes to proceed"), "{}", text(&unasked));
    // Credentials of another account than the environment's: refused before anything (exit 2).
    // (The emulator's own credentials, as a profile of another account would give.)
    let keys = [("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test")];
    let elsewhere = sdlf_with(emulator, &["deploy", "--env", "dev", "--yes"], &keys);
    assert_eq!(elsewhere.status.code(), Some(2), "{}", text(&elsewhere));
    assert!(
        text(&elsewhere)
            .contains("is account 111111111111, but the credentials are for account 000000000000; nothing was done"),
        "{}",
        text(&elsewhere)
    );
    let none = statuses(emulator);
    assert!(none.iter().all(|s| s["status"].is_null()), "nothing deployed: {none:?}");
}

/// `sdlf deploy 2>log` at a terminal, declined: the plan and the question were on the terminal
/// (where the progress bars draw), none of it in the log; exit 2, and the empty stack of the
/// create change set is gone again. (The bars once drew on stderr, hiding every plan.)
fn declined_at_a_terminal_with_stderr_redirected_the_plan_was_on_the_terminal(emulator: &Emulator) {
    let declined = sdlf_on_terminal(emulator, &["deploy", "--env", "local"], "n");
    let (screen, log) = (&declined.screen, &declined.stderr);
    let said = format!("terminal:\n{screen}\nstderr:\n{log}");
    assert_eq!(declined.status.code(), Some(i32::from(sdlf::exit::USAGE)), "not confirmed: {said}");
    let foundations = "anycompany-datalake-local-foundations";
    let plan = format!("Stack {foundations} (not deployed yet: everything is added)");
    let question = format!("Deploy these changes to {foundations}? [y/N] n\n");
    let at = |text: &str| screen.find(text).unwrap_or_else(|| panic!("{text:?} not on the terminal: {said}"));
    // The whole plan, its closing count included, then the question (the typed `n` echoed).
    assert!(at(&plan) < at("\nPlan: ") && at("\nPlan: ") < at(&question), "the plan, then the question: {said}");
    // (The closing summary of what was not deployed is on stderr, as errors are.)
    assert!(![&plan, "\nPlan: ", "[y/N]"].iter().any(|s| log.contains(s)), "no plan in the log: {said}");
    let left = statuses(emulator);
    assert!(left.iter().all(|s| s["status"].is_null()), "nothing deployed: {left:?}");
}

/// Each stack's `sdlf status --json` entry.
fn statuses(emulator: &Emulator) -> Vec<serde_json::Value> {
    let out = sdlf(emulator, &["status", "--env", "local", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A deploy interrupted while the first stack is created; how many stacks it created.
fn interrupted_during_the_first_create(emulator: &Emulator, deploy: &[&str], stacks: usize) -> usize {
    // Ctrl-C while the first stack is being created: that create runs to its end (it cannot
    // be cancelled; the emulator may even have finished it), the stacks not yet started are
    // left alone, and the summary says what each was left as.
    let foundations = "anycompany-datalake-local-foundations";
    let interrupted = sdlf_interrupted(emulator, deploy, &format!("{foundations}: executing change set"));
    let said = text(&interrupted);
    assert_eq!(interrupted.status.code(), Some(130), "{said}");
    assert!(said.contains("Interrupted (Ctrl-C). Each stack as it was left:"), "{said}");
    let datasets = "anycompany-datalake-local-dataset-marketing-campaigns";
    assert!(said.contains(&format!("{datasets}: interrupted: not started; left as it was")), "{said}");
    let left = statuses(emulator);
    for stack in &left {
        let status = &stack["status"];
        assert!(status.is_null() || status == "CREATE_COMPLETE", "nothing half done: {left:?}");
    }
    let done = left.iter().filter(|s| s["status"] == "CREATE_COMPLETE").count();
    assert!(done < stacks, "the interruption stopped the deploy: {left:?}");
    done
}

fn two_deploys_at_once(emulator: &Emulator, deploy: &[&str], stacks: usize, done: usize) {
    // Two deploys at once, on what the interrupted one left: both succeed, and between them
    // each stack is deployed once (the later run waits for the earlier's change set, or finds
    // its own swept away by the earlier's execution and starts the stack again).
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| sdlf(emulator, deploy));
        let b = s.spawn(|| sdlf(emulator, deploy));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(a.status.code(), Some(0), "{}", text(&a));
    assert_eq!(b.status.code(), Some(0), "{}", text(&b));
    let ((deployed_a, unchanged_a), (deployed_b, unchanged_b)) = (deployed_unchanged(&a), deployed_unchanged(&b));
    assert_eq!(deployed_a + deployed_b, stacks - done, "{}\n{}", text(&a), text(&b));
    assert_eq!((deployed_a + unchanged_a, deployed_b + unchanged_b), (stacks, stacks));
}

fn campaigns_row(emulator: &Emulator) -> serde_json::Value {
    emulator.call(
        "dynamodb",
        "get_item",
        serde_json::json!({"TableName": "sdlf-local-dataset-config", "Key": {"dataset": {"S": "marketing/campaigns"}}}),
    )
}

#[test]
fn the_emulator_dying_mid_deploy_ends_the_deploy_within_seconds_with_exit_4_and_a_summary() {
    let emulator = Emulator::start();
    let mut died = None;
    let deploy = sdlf_until(&emulator, &["deploy", "--env", "local", "--yes"], "executing change set", |_| {
        let script = sdlf_testkit::repo_root().join("tests/support/ministack.sh");
        let port = emulator.port.to_string();
        let stopped = std::process::Command::new("bash").arg(script).args(["stop", "--port", &port]).output().unwrap();
        assert!(stopped.status.success(), "{}", String::from_utf8_lossy(&stopped.stderr));
        died = Some(std::time::Instant::now());
    });
    let after = died.expect("stopped").elapsed();
    let said = text(&deploy);
    assert_eq!(deploy.status.code(), Some(4), "{said}");
    assert!(after < std::time::Duration::from_secs(60), "{after:?} after the emulator died:\n{said}");
    assert!(
        said.contains("not deployed:") && said.contains("Fix the cause, then run `sdlf deploy --env local` again."),
        "{said}"
    );
}

#[test]
fn local_status_and_stop_act_on_the_emulator_local_uses_not_the_last_started() {
    let (used, later) = (Emulator::start(), Emulator::start());
    let status = sdlf(&used, &["local", "--status"]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status));
    assert!(text(&status).starts_with(&format!("running: {}", used.url)), "{}", text(&status));
    let stop = sdlf(&used, &["local", "--stop"]);
    assert_eq!(stop.status.code(), Some(0), "{}", text(&stop));
    let status = sdlf(&used, &["local", "--status"]);
    assert_eq!(status.status.code(), Some(1), "{}", text(&status));
    assert!(text(&status).starts_with(&format!("not running: {}", used.url)), "{}", text(&status));
    let other = sdlf(&later, &["local", "--status"]);
    assert_eq!(other.status.code(), Some(0), "the instance started later still runs: {}", text(&other));
}
