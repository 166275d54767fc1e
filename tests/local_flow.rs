//! The lake's runtime on a MiniStack of the test's own: `sdlf local` deploys the whole example
//! lake, drops the sample files into raw and runs them through stage A (S3 → SQS → Lambda →
//! Step Functions) and stage B; the invariant is checked on the catalog: every raw object ends
//! processed, or failed / unrouted with a reason — none missing. The malformed sample goes to
//! stage A's dead-letter queue, `sdlf redrive` takes it back, and it fails (and is dead-lettered)
//! again, once. A second `sdlf local` works the same.

use std::time::{Duration, Instant};

use sdlf_testkit::Emulator;

mod common;
use common::{sdlf, text};
use serde_json::{Value, json};

/// `sdlf local --json`, its report.
fn run_local(emulator: &Emulator) -> Value {
    let out = sdlf(emulator, &["local", "--json", "--timeout", "120"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The deploy's own lines come first; the report is the last JSON document.
    let start = stdout.rfind("\n{").map_or(0, |i| i + 1);
    serde_json::from_str(&stdout[start..]).unwrap_or_else(|e| panic!("no JSON report ({e}): {}", text(&out)))
}

fn count(report: &Value, layer: &str, status: &str) -> u64 {
    report["catalog"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["layer"] == layer && c["status"] == status)
        .map_or(0, |c| c["objects"].as_u64().unwrap())
}

const RAW: &str = "anycompany-datalake-local-us-east-1-000000000000-raw";
const BROKEN: &str = "engineering/legislators/persons-2024-05-03-broken.jsonl";

fn dead_letters(emulator: &Emulator) -> u64 {
    let url = emulator.call("sqs", "get_queue_url", json!({"QueueName": "sdlf-engineering-main-queue-a-dlq"}));
    let attributes = emulator.call(
        "sqs",
        "get_queue_attributes",
        json!({"QueueUrl": url["QueueUrl"], "AttributeNames": ["ApproximateNumberOfMessages"]}),
    );
    attributes["Attributes"]["ApproximateNumberOfMessages"].as_str().unwrap().parse().unwrap()
}

fn failed_stage_a_executions(emulator: &Emulator) -> usize {
    let machines = emulator.call("stepfunctions", "list_state_machines", json!({}));
    let arn = machines["stateMachines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "sdlf-engineering-main-sm-a")
        .map(|m| m["stateMachineArn"].clone())
        .expect("stage A's state machine");
    let executions = emulator.call("stepfunctions", "list_executions", json!({"stateMachineArn": arn}));
    executions["executions"].as_array().unwrap().iter().filter(|e| e["status"] == "FAILED").count()
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn samples_flow_through_both_stages_and_every_raw_object_is_accounted_for() {
    let emulator = Emulator::start();
    let report = run_local(&emulator);

    // Five sample files in datasets, one in a folder no dataset claims.
    assert_eq!(count(&report, "raw", "processed-b"), 4, "{report:#}");
    assert_eq!(count(&report, "raw", "failed"), 1, "{report:#}");
    assert_eq!(count(&report, "raw", "unrouted"), 1, "{report:#}");
    let raw_rows: u64 = report["catalog"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["layer"] == "raw")
        .map(|c| c["objects"].as_u64().unwrap())
        .sum();
    assert_eq!(raw_rows, 6, "every raw object has exactly one row: {report:#}");
    let problems = report["catalog"]["not_processed"].as_array().unwrap();
    let broken = problems.iter().find(|p| p["id"] == format!("s3://{RAW}/{BROKEN}")).expect("the malformed file");
    assert_eq!(broken["status"], "failed");
    assert!(broken["reason"].as_str().unwrap().contains("invalid JSON at line 2"), "{broken}");
    let unrouted = problems.iter().find(|p| p["status"] == "unrouted").unwrap();
    assert!(unrouted["reason"].as_str().unwrap().contains("no dataset-config row for `marketing/leads`"), "{unrouted}");

    // Stage A wrote one Parquet file per good object, under the dataset's pre-stage prefix
    // (keys with spaces and non-ASCII letters included), and each is catalogued.
    let parquet: Vec<&str> = report["parquet"].as_array().unwrap().iter().map(|p| p["key"].as_str().unwrap()).collect();
    assert_eq!(parquet.len(), 4, "{parquet:?}");
    assert!(
        parquet.contains(&"pre-stage/engineering/legislators/persons 2024-05-02 (ré-export).jsonl.parquet"),
        "{parquet:?}"
    );
    assert_eq!(count(&report, "stage", "created"), 4);
    // Stage B ran one batch per dataset.
    for batch in report["stage_b"].as_array().unwrap() {
        assert_eq!(batch["status"], "SUCCEEDED", "{batch}");
        assert_eq!(batch["messages"], 2, "{batch}");
    }

    // The malformed file went to the dead-letter queue once; a redrive takes it back, it fails
    // again and is dead-lettered again — once.
    assert_eq!(dead_letters(&emulator), 1);
    let failed_before = failed_stage_a_executions(&emulator);
    let redrive = sdlf(
        &emulator,
        &["redrive", "--env", "local", "--team", "engineering", "--pipeline", "main", "--stage", "a", "--json"],
    );
    assert_eq!(redrive.status.code(), Some(0), "{}", text(&redrive));
    let answer: Value = serde_json::from_slice(&redrive.stdout).unwrap();
    assert_eq!(answer["moved"], 1, "{answer}");
    wait_for("the redriven object to fail again", || failed_stage_a_executions(&emulator) == failed_before + 1);
    wait_for("the dead letter to be back", || dead_letters(&emulator) == 1);

    // Again, on the same lake: the same outcome.
    let again = run_local(&emulator);
    assert_eq!(count(&again, "raw", "processed-b"), 4, "{again:#}");
    assert_eq!(count(&again, "raw", "failed"), 1, "{again:#}");
    assert_eq!(count(&again, "raw", "unrouted"), 1, "{again:#}");
    assert_eq!(again["parquet"].as_array().unwrap().len(), 4, "outputs are overwritten, not duplicated");
}
