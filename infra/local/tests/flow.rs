//! The local run's flow over the example lake, against `FakeLake`: an in-memory stand-in for
//! the deployed lake's S3, catalog table, functions and state machines. The fake is here
//! because these tests check the flow's own decisions (what it waits for, which functions and
//! machines it asks, how it reads their replies) on paused time; the real path through the
//! emulator is `tests/local_flow.rs` at the workspace root.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use sdlf_aws::{Execution, Object, Row};
use sdlf_deploy::api::ApiError;
use sdlf_local::flow::{LakeData, Run};
use sdlf_local::{LocalError, Sample};
use serde_json::{Value, json};

const NOW: i64 = 1_764_000_000_000;

#[derive(Default)]
struct FakeLake {
    /// Scans that see no row yet: stage A is still working.
    busy_scans: Mutex<u32>,
    /// What stage B routing answers.
    reply: Value,
    put: Mutex<Vec<(String, String)>>,
    invoked: Mutex<Vec<(String, Value)>>,
    asked_machines: Mutex<Vec<String>>,
}

impl LakeData for FakeLake {
    async fn put_object(&self, bucket: &str, key: &str, _body: Vec<u8>) -> Result<(), ApiError> {
        self.put.lock().unwrap().push((bucket.to_owned(), key.to_owned()));
        Ok(())
    }

    async fn scan(&self, _table: &str) -> Result<Vec<Row>, ApiError> {
        let mut busy = self.busy_scans.lock().unwrap();
        if *busy > 0 {
            *busy -= 1;
            return Ok(Vec::new());
        }
        let put = self.put.lock().unwrap();
        let row = |bucket: &str, key: &str| -> Row {
            let finished = "2025-11-24T16:00:00.000Z".to_owned();
            let row =
                [("id", format!("s3://{bucket}/{key}")), ("status", "processed-a".into()), ("last_modified", finished)];
            row.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<BTreeMap<_, _>>()
        };
        Ok(put.iter().map(|(bucket, key)| row(bucket, key)).collect())
    }

    async fn invoke(&self, function: &str, payload: &Value) -> Result<Value, ApiError> {
        self.invoked.lock().unwrap().push((function.to_owned(), payload.clone()));
        Ok(self.reply.clone())
    }

    async fn list_objects(&self, _bucket: &str, prefix: &str) -> Result<Vec<Object>, ApiError> {
        Ok(vec![Object { key: format!("{prefix}engineering/legislators/a.parquet"), size: 10 }])
    }

    async fn executions(&self, machine: &str) -> Result<Vec<Execution>, ApiError> {
        self.asked_machines.lock().unwrap().push(machine.to_owned());
        Ok(vec![Execution { name: "batch-1".into(), status: "SUCCEEDED".into(), started_millis: NOW }])
    }
}

fn samples() -> Vec<Sample> {
    let dir = std::env::temp_dir().join(format!("sdlf-local-flow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("a.csv");
    std::fs::write(&path, "id\n1\n").unwrap();
    vec![Sample { path, key: "engineering/legislators/a.csv".into() }]
}

async fn run_flow(data: &FakeLake) -> Result<sdlf_local::Report, LocalError> {
    run_flow_printing(data).await.0
}

/// The flow's result and the progress lines it printed.
async fn run_flow_printing(data: &FakeLake) -> (Result<sdlf_local::Report, LocalError>, Vec<String>) {
    let lake = sdlf_pipelines::lake();
    let env = lake.environment("local").unwrap();
    let lines = Mutex::new(Vec::new());
    let progress = |line: &str| lines.lock().unwrap().push(line.to_owned());
    let run = Run { lake: &lake, env, data, timeout: Duration::from_secs(60), now_millis: NOW, progress: &progress };
    let result = sdlf_local::run(&run, &samples()).await;
    (result, lines.into_inner().unwrap())
}

#[tokio::test(start_paused = true)]
async fn the_flow_waits_for_stage_a_then_starts_every_datasets_stage_b_and_waits_for_it() {
    let data = FakeLake {
        busy_scans: Mutex::new(3),
        reply: json!({"started": true, "execution_id": "batch-1", "messages": 2}),
        ..FakeLake::default()
    };
    let report = run_flow(&data).await.unwrap();
    assert_eq!(*data.busy_scans.lock().unwrap(), 0, "it scanned until the rows appeared");
    let invoked = data.invoked.lock().unwrap().clone();
    let lake = sdlf_pipelines::lake();
    let datasets: usize = lake.teams.iter().map(|t| t.datasets.len()).sum();
    assert_eq!(invoked.len(), datasets, "one stage B routing call per dataset");
    let (function, payload) = &invoked[0];
    assert!(function.starts_with("sdlf-engineering-") && function.ends_with("-routing-b"), "{function}");
    assert_eq!(payload["team"], "engineering");
    assert!(data.asked_machines.lock().unwrap().iter().any(|m| m.ends_with("-sm-b")));
    assert!(report.batches.iter().all(|b| b.execution.as_deref() == Some("batch-1") && b.messages == 2));
    assert!(report.batches.iter().all(|b| b.status.as_deref() == Some("SUCCEEDED")));
    assert_eq!(report.rows.len(), 1);
    assert_eq!(report.stage_objects[0].key, "pre-stage/engineering/legislators/a.parquet");
    let pipelines: usize = lake.teams.iter().map(|t| t.pipelines.len()).sum();
    assert_eq!(report.stage_a.len(), pipelines, "{:?}", report.stage_a.keys());
    assert!(report.stage_a.values().all(|executions| executions.len() == 1));
}

#[tokio::test(start_paused = true)]
async fn a_batch_too_small_to_start_is_reported_without_an_execution() {
    let data =
        FakeLake { reply: json!({"started": false, "messages": 0, "queued": 1, "needed": 5}), ..FakeLake::default() };
    let report = run_flow(&data).await.unwrap();
    assert!(report.batches.iter().all(|b| b.execution.is_none() && b.status.is_none()));
    assert!(
        !data.asked_machines.lock().unwrap().iter().any(|m| m.ends_with("-sm-b")),
        "no stage B execution to wait for"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stage_a_that_never_settles_ends_at_the_timeout_with_what_is_pending() {
    let data = FakeLake {
        busy_scans: Mutex::new(u32::MAX),
        reply: json!({"started": false, "messages": 0}),
        ..FakeLake::default()
    };
    let (report, lines) = run_flow_printing(&data).await;
    let report = report.unwrap();
    assert!(*data.busy_scans.lock().unwrap() < u32::MAX, "it looked");
    assert!(report.rows.is_empty(), "the report shows the catalog as it is");
    let pending = "stage A has not finished with 1 object(s) after 60s:\n  s3://";
    assert!(lines.iter().any(|l| l.starts_with(pending) && l.ends_with("/engineering/legislators/a.csv")), "{lines:?}");
}

#[tokio::test(start_paused = true)]
async fn a_reply_that_is_not_stage_b_routings_names_the_function() {
    let data = FakeLake { reply: json!({"moved": 3}), ..FakeLake::default() };
    let error = run_flow(&data).await.unwrap_err();
    assert!(matches!(&error, LocalError::Reply { function, .. } if function.ends_with("-routing-b")), "{error}");
}
