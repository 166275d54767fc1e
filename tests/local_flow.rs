//! The lake's runtime on a MiniStack of the test's own: `sdlf local` deploys the whole example
//! lake, drops the sample files into raw and runs them through stage A (S3 → SQS → Lambda →
//! Step Functions) and stage B; the invariant is checked on the catalog: every raw object ends
//! processed, or failed / unrouted with a reason — none missing. Stage B runs each dataset's SQL
//! on DataFusion: the legislators batch is published to the analytics layer and its Glue table
//! registered; the campaigns batch, whose chargeback sample breaks a quality rule of a dataset
//! that fails on them, is quarantined and its raw objects fail with the rule and the observed
//! value. The malformed sample goes to stage A's dead-letter queue, `sdlf redrive` takes it
//! back, and it fails (and is dead-lettered) again, once; a dead-lettered stage B batch is
//! started again by its redrive. A second `sdlf local` works the same.
//! The emulator is not started by the test: the first `sdlf local` finds nothing answering at
//! the endpoint it is given and starts it itself, as on a user's first run.

use std::time::{Duration, Instant};

use sdlf_testkit::Emulator;

mod common;
use common::{sdlf, text};
use serde_json::{Value, json};

/// An emulator nobody has started yet, on a free port of this machine: `sdlf local` starts
/// it; the handle stops it when the test ends.
fn unstarted_emulator() -> Emulator {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    Emulator { port, url: format!("http://127.0.0.1:{port}") }
}

/// `sdlf local --json`: its report, and everything it said.
fn run_local(emulator: &Emulator) -> (Value, String) {
    let out = sdlf(emulator, &["local", "--json", "--timeout", "120"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // A compact account of the deploy: a line per stack, no plans or events (those are for -v).
    let said = text(&out);
    assert!(!said.contains("IAM Statement Changes") && !said.contains("CREATE_IN_PROGRESS"), "{said}");
    let foundations = "anycompany-datalake-local-foundations: ";
    let line = said.lines().find(|l| l.starts_with(foundations)).unwrap_or_else(|| panic!("{said}"));
    let rest = &line[foundations.len()..];
    assert!(rest == "unchanged" || (rest.starts_with("created (39 resources, ") && rest.ends_with(" s)")), "{line}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The deploy's own lines come first; the report is the last JSON document.
    let start = stdout.rfind("\n{").map_or(0, |i| i + 1);
    let report =
        serde_json::from_str(&stdout[start..]).unwrap_or_else(|e| panic!("no JSON report ({e}): {}", text(&out)));
    (report, said)
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
    queue_depth(emulator, "sdlf-engineering-main-queue-a-dlq")
}

/// The executions of the state machine called `name`, as ListExecutions gives them.
fn executions(emulator: &Emulator, name: &str) -> Vec<Value> {
    let machines = emulator.call("stepfunctions", "list_state_machines", json!({}));
    let arn = machines["stateMachines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .map(|m| m["stateMachineArn"].clone())
        .unwrap_or_else(|| panic!("no state machine {name}"));
    let executions = emulator.call("stepfunctions", "list_executions", json!({"stateMachineArn": arn}));
    executions["executions"].as_array().unwrap().clone()
}

fn failed_stage_a_executions(emulator: &Emulator) -> usize {
    executions(emulator, "sdlf-engineering-main-sm-a").iter().filter(|e| e["status"] == "FAILED").count()
}

fn queue_depth(emulator: &Emulator, queue: &str) -> u64 {
    let url = emulator.call("sqs", "get_queue_url", json!({"QueueName": queue}));
    let attributes = emulator.call(
        "sqs",
        "get_queue_attributes",
        json!({"QueueUrl": url["QueueUrl"], "AttributeNames": ["ApproximateNumberOfMessages"]}),
    );
    attributes["Attributes"]["ApproximateNumberOfMessages"].as_str().unwrap().parse().unwrap()
}

/// Stage B's redrive: a dead-lettered batch (a stage B input in the pipeline's stage B
/// dead-letter queue, as the machine's failure path leaves it) starts again as a new
/// execution named after the dead letter's message id, with the batch's input; the dead
/// letter is gone.
fn stage_b_redrive_starts_the_batch_again(emulator: &Emulator) {
    const MACHINE: &str = "sdlf-engineering-main-sm-b";
    const DEAD_LETTERS: &str = "sdlf-engineering-main-dlq-b";
    let ran = executions(emulator, MACHINE);
    let batch = emulator.call("stepfunctions", "describe_execution", json!({"executionArn": ran[0]["executionArn"]}));
    let mut input: Value = serde_json::from_str(batch["input"].as_str().unwrap()).unwrap();
    let url = emulator.call("sqs", "get_queue_url", json!({"QueueName": DEAD_LETTERS}));
    let sent =
        emulator.call("sqs", "send_message", json!({"QueueUrl": url["QueueUrl"], "MessageBody": input.to_string()}));
    let message_id = sent["MessageId"].as_str().unwrap().to_owned();

    let redrive = sdlf(
        emulator,
        &["redrive", "--env", "local", "--team", "engineering", "--pipeline", "main", "--stage", "b", "--json"],
    );
    assert_eq!(redrive.status.code(), Some(0), "{}", text(&redrive));
    let answer: Value = serde_json::from_slice(&redrive.stdout).unwrap();
    assert_eq!(answer["moved"], 1, "{answer}");
    assert_eq!(queue_depth(emulator, DEAD_LETTERS), 0, "the dead letter left the queue");
    let again = executions(emulator, MACHINE);
    let started = again.iter().find(|e| e["name"] == message_id.as_str()).unwrap_or_else(|| panic!("{again:#?}"));
    let described =
        emulator.call("stepfunctions", "describe_execution", json!({"executionArn": started["executionArn"]}));
    input["execution_id"] = Value::String(message_id);
    assert_eq!(serde_json::from_str::<Value>(described["input"].as_str().unwrap()).unwrap(), input);
    wait_for("the redriven batch to end", || executions(emulator, MACHINE).iter().all(|e| e["status"] != "RUNNING"));
}

/// Waits until `done` (each look starts Python processes, so once a second, for up to three
/// minutes: a loaded 2-core machine runs the emulator's functions slowly).
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(180);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn samples_flow_through_both_stages_and_every_raw_object_is_accounted_for() {
    let emulator = unstarted_emulator();
    let (report, said) = run_local(&emulator);
    assert!(said.contains(&format!("starting the local emulator ({})", emulator.url)), "{said}");
    let running = sdlf(&emulator, &["local", "--status"]);
    assert_eq!(running.status.code(), Some(0), "{}", text(&running));

    // Eight sample files in datasets (one malformed, three campaigns in a quarantined batch,
    // two empty extracts), one in a folder no dataset claims.
    assert_eq!(count(&report, "raw", "processed-b"), 2, "{report:#}");
    assert_eq!(count(&report, "raw", "failed"), 4, "{report:#}");
    assert_eq!(count(&report, "raw", "unrouted"), 1, "{report:#}");
    assert_eq!(count(&report, "raw", "empty"), 2, "{report:#}");
    let raw_rows: u64 = report["catalog"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["layer"] == "raw")
        .map(|c| c["objects"].as_u64().unwrap())
        .sum();
    assert_eq!(raw_rows, 9, "every raw object has exactly one row: {report:#}");
    let problems = report["catalog"]["not_processed"].as_array().unwrap();
    let broken = problems.iter().find(|p| p["id"] == format!("s3://{RAW}/{BROKEN}")).expect("the malformed file");
    assert_eq!(broken["status"], "failed");
    assert!(broken["reason"].as_str().unwrap().contains("invalid JSON at line 2"), "{broken}");
    let unrouted = problems.iter().find(|p| p["status"] == "unrouted").unwrap();
    assert!(unrouted["reason"].as_str().unwrap().contains("no dataset-config row for `marketing/leads`"), "{unrouted}");
    // Empty extracts end `empty` with the reason: a zero-byte file at routing, a header
    // without rows at the light transform; neither is dead-lettered (see below: one dead letter).
    let reason_of = |key: &str| {
        let row = problems.iter().find(|p| p["id"] == format!("s3://{RAW}/{key}")).expect(key);
        assert_eq!(row["status"], "empty", "{row}");
        row["reason"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        reason_of("engineering/legislators/persons-2024-05-04-empty.jsonl"),
        "object is empty (0 bytes): nothing to transform"
    );
    assert_eq!(reason_of("marketing/campaigns/campaigns-2024-05-04-header-only.csv"), "input is empty: no data rows");

    // Stage A wrote one Parquet file per good object, under the dataset's pre-stage prefix
    // (keys with spaces and non-ASCII letters included), and each is catalogued.
    let parquet: Vec<&str> = report["parquet"].as_array().unwrap().iter().map(|p| p["key"].as_str().unwrap()).collect();
    assert_eq!(parquet.len(), 5, "{parquet:?}");
    assert!(
        parquet.contains(&"pre-stage/engineering/legislators/persons 2024-05-02 (ré-export).jsonl.parquet"),
        "{parquet:?}"
    );
    assert_eq!(count(&report, "stage", "created"), 5);
    check_stage_b(&report, problems);
    // `sdlf status --batches` shows the same batches from the execution history.
    let status = sdlf(&emulator, &["status", "--env", "local", "--batches", "--json"]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status));
    let history: Value = serde_json::from_slice(&status.stdout).unwrap();
    let mut statuses: Vec<&str> =
        history.as_array().unwrap().iter().map(|b| b["batch"]["status"].as_str().unwrap()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, ["published", "quarantined"], "{history:#}");

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
    wait_for("the redriven object to fail again", || failed_stage_a_executions(&emulator) > failed_before);
    wait_for("the dead letter to be back", || dead_letters(&emulator) >= 1);
    // Moved once, failed once: not looping between the queue and its dead letters.
    assert_eq!(failed_stage_a_executions(&emulator), failed_before + 1);
    assert_eq!(dead_letters(&emulator), 1);
    stage_b_redrive_starts_the_batch_again(&emulator);

    // Again, on the same lake: the same outcome.
    let (again, said) = run_local(&emulator);
    assert!(!said.contains("starting the local emulator"), "the running emulator is used: {said}");
    assert_eq!(count(&again, "raw", "processed-b"), 2, "{again:#}");
    assert_eq!(count(&again, "raw", "failed"), 4, "{again:#}");
    assert_eq!(count(&again, "raw", "unrouted"), 1, "{again:#}");
    assert_eq!(count(&again, "raw", "empty"), 2, "{again:#}");
    assert_eq!(again["parquet"].as_array().unwrap().len(), 5, "outputs are overwritten, not duplicated");
}

/// Stage B ran one batch per dataset on DataFusion: legislators published (its 7 people, one
/// row per id, in 2 gender partitions) with its Glue table, campaigns quarantined by its
/// quality rule.
fn check_stage_b(report: &Value, problems: &[Value]) {
    let batches = report["stage_b"].as_array().unwrap();
    let batch =
        |dataset: &str| batches.iter().find(|b| b["dataset"] == dataset).unwrap_or_else(|| panic!("{report:#}"));
    let (legislators, campaigns) = (batch("engineering/legislators"), batch("marketing/campaigns"));
    for (b, messages) in [(legislators, 2), (campaigns, 3)] {
        assert_eq!((b["status"].as_str(), b["messages"].as_u64()), (Some("SUCCEEDED"), Some(messages)), "{b}");
    }
    let published = &legislators["batch"];
    assert_eq!((published["status"].as_str(), published["rows"].as_u64()), (Some("published"), Some(7)), "{published}");
    assert_eq!(published["score"], 1.0, "{published}");
    assert!(published["glue_table"]["name"].as_str().unwrap().ends_with("_legislators.legislators"), "{published}");
    assert_eq!(published["glue_table"]["partitions"], 2, "{published}");
    let quarantined = &campaigns["batch"];
    assert_eq!(quarantined["status"], "quarantined", "{quarantined}");
    assert!(quarantined["glue_table"].is_null(), "{quarantined}");
    let results = quarantined["quality"]["Results"].as_array().unwrap();
    let spend = results.iter().find(|r| r["Rule"] == "ColumnValues \"spend\" >= 0").expect("the spend rule");
    assert_eq!(spend["Outcome"], "FAIL", "{spend}");

    // Published objects under the dataset's prefix, Hive-partitioned; quarantined ones outside
    // every dataset's prefix.
    let analytics: Vec<&str> =
        report["analytics"].as_array().unwrap().iter().map(|o| o["key"].as_str().unwrap()).collect();
    let execution = legislators["execution"].as_str().unwrap();
    for gender in ["female", "male"] {
        let prefix = format!("engineering/legislators/gender={gender}/{execution}-");
        assert!(analytics.iter().any(|k| k.starts_with(&prefix)), "{prefix} in {analytics:?}");
    }
    let quarantine = format!("marketing/_quarantine/campaigns/{}/", campaigns["execution"].as_str().unwrap());
    assert!(analytics.iter().any(|k| k.starts_with(&quarantine)), "{quarantine} in {analytics:?}");
    assert!(!analytics.iter().any(|k| k.starts_with("marketing/campaigns/")), "{analytics:?}");

    // The quarantined batch's raw objects failed with the rule and what was observed.
    let chargeback = problems
        .iter()
        .find(|p| p["id"].as_str().unwrap().ends_with("campaigns-2024-05-03-chargeback.csv"))
        .expect("the chargeback sample");
    let reason = chargeback["reason"].as_str().unwrap();
    assert!(reason.contains("quarantined") && reason.contains("FAIL ColumnValues \"spend\" >= 0"), "{reason}");
    assert!(reason.contains("Column.spend.ColumnValues.Compliance = "), "{reason}");
}
