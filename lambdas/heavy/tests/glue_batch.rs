//! The publish step of a Glue batch over what Spark really writes: the Glue jobs' script
//! (`infra/lake/spark/heavy_transform.py`) runs on local Spark 3.5.6 (`tests/support/spark.sh`)
//! into the batch's pending folder of an analytics "bucket" (a folder, as object_store's
//! local file system serves it), then `describe` and `publish_batch` run as the function runs
//! them — part files with Spark's names, `_SUCCESS` markers, Hive partition folders, an empty
//! answer with and without partitions.
//!
//! Fake: Glue Data Quality's result (`glue_quality`) is written by the test, because no
//! emulator has Glue Data Quality; its shape is the one `GetDataQualityResult` returns
//! (checked in `lambdas/core/tests/stage_b.rs`). Everything else here runs for real.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use sdlf_heavy::glue_batch::{NO_ROWS, describe, publish_batch};
use sdlf_lambda_core::contract::config::{Engine, OnQualityFailure};
use sdlf_lambda_core::contract::layout::DatasetRef;
use sdlf_lambda_core::messages::{GlueQuality, PendingTable, StageBInput};
use sdlf_lambda_core::quality::{Condition, Outcome, Rule};

const ANALYTICS: &str = "lake-analytics";
const SQL: &str = "SELECT id, trim(name) AS name, lower(gender) AS gender, TRY_CAST(born AS DATE) AS born FROM batch";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The batch's input: one Parquet object, written by DataFusion.
async fn write_input(dir: &Path) -> String {
    let path = dir.join("input.parquet");
    let sql = "SELECT * FROM (VALUES ('p1', ' Ada ', 'F', '1815-12-10'), ('p2', 'Charles', 'm', '1791-12-26'), \
               ('p3', 'Grace', 'f', 'unknown')) AS t(Id, Name, Gender, Born)";
    let options = DataFrameWriteOptions::new().with_single_file_output(true);
    SessionContext::new().sql(sql).await.unwrap().write_parquet(path.to_str().unwrap(), options, None).await.unwrap();
    format!("file://{}", path.display())
}

/// An input of `execution` of dataset `people`, on Glue, with one rule and `on_failure`.
fn input(execution: &str, partition_by: &[&str], on_failure: OnQualityFailure) -> StageBInput {
    let mut input: StageBInput =
        serde_json::from_str(include_str!("../../core/tests/fixtures/stage_b_input.json")).unwrap();
    (input.team, input.dataset, input.table) = ("eng".into(), "people".into(), "people".into());
    input.execution_id = execution.into();
    input.heavy.engine = Engine::Glue;
    input.heavy.sql = SQL.into();
    input.heavy.partition_by = partition_by.iter().map(|p| (*p).to_owned()).collect();
    input.heavy.quality_rules = vec![Rule::row_count(Condition::GreaterThan(1.0))];
    input.heavy.on_quality_failure = on_failure;
    input.quality_ruleset = "sdlf-eng-people-quality-ruleset".into();
    input
}

fn pending_dir(dir: &Path, input: &StageBInput) -> PathBuf {
    let dataset = DatasetRef { team: input.team.clone(), dataset: input.dataset.clone() };
    dir.join(ANALYTICS).join(dataset.pending_prefix(&input.execution_id))
}

fn spark_python() -> String {
    let out = Command::new("bash").arg(root().join("tests/support/spark.sh")).arg("python").output().unwrap();
    assert!(out.status.success(), "spark.sh: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Runs the Glue jobs' script once per `(input, sql)`, in one Spark session, each writing to
/// its batch's pending folder under `dir` as the Glue job does (`--TARGET`).
fn run_spark(dir: &Path, source: &str, runs: &[(&StageBInput, &str)]) {
    let argv: Vec<Vec<String>> = runs
        .iter()
        .map(|(input, sql)| {
            let target = format!("file://{}/", pending_dir(dir, input).display());
            let partition_by = input.heavy.partition_by.join(",");
            ["--SOURCE_KEYS", source, "--TARGET", &target, "--SQL", sql, "--PARTITION_BY", &partition_by]
                .into_iter()
                .chain(["--JOB_NAME", "glue-batch"])
                .map(str::to_owned)
                .collect()
        })
        .collect();
    let spec = dir.join("runs.json");
    std::fs::write(&spec, serde_json::to_vec(&argv).unwrap()).unwrap();
    let python = spark_python();
    let out = Command::new(&python)
        .arg(root().join("lambdas/heavy/tests/spark_cases.py"))
        .arg(&spec)
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env("PYSPARK_PYTHON", &python)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "spark: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.lines().all(|l| l.contains("\"ok\": true")), "spark: {stdout}");
}

fn store(dir: &Path) -> Arc<dyn ObjectStore> {
    std::fs::create_dir_all(dir.join(ANALYTICS)).unwrap();
    Arc::new(LocalFileSystem::new_with_prefix(dir.join(ANALYTICS)).unwrap())
}

/// Every key under `prefix`, sorted.
async fn keys(store: &Arc<dyn ObjectStore>, prefix: &str) -> Vec<String> {
    let prefix = StorePath::from(prefix.trim_end_matches('/'));
    let mut keys: Vec<String> =
        store.list(Some(&prefix)).map_ok(|m| m.location.to_string()).try_collect().await.unwrap();
    keys.sort();
    keys
}

/// Glue Data Quality's answer for the test's one rule.
fn glue_result(passed: bool, rows: f64) -> GlueQuality {
    serde_json::from_value(serde_json::json!({
        "score": if passed { 1.0 } else { 0.0 },
        "rules": [{"Name": "Rule_1", "Description": "RowCount > 1", "Result": if passed { "PASS" } else { "FAIL" },
                   "EvaluatedMetrics": {"Dataset.*.RowCount": rows}}]
    }))
    .unwrap()
}

#[tokio::test]
async fn the_publish_step_describes_and_publishes_what_spark_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let source = write_input(dir.path()).await;
    let partitioned = input("exec-1", &["gender"], OnQualityFailure::Fail);
    let failing = input("exec-2", &[], OnQualityFailure::Fail);
    let warning = input("exec-3", &[], OnQualityFailure::Warn);
    let empty = input("exec-4", &["gender"], OnQualityFailure::Fail);
    let empty_unpartitioned = input("exec-5", &[], OnQualityFailure::Fail);
    let no_rows = "SELECT * FROM batch WHERE id = 'nobody'";
    // The first batch twice, as a redriven Glue job writes it again: the folder is replaced.
    let runs = [(&partitioned, SQL), (&partitioned, SQL), (&failing, SQL), (&warning, SQL), (&empty, no_rows)];
    run_spark(dir.path(), &source, &[&runs[..], &[(&empty_unpartitioned, no_rows)]].concat());
    let store = store(dir.path());

    // Described as a table over the pending folder, with Spark's schema and partitions.
    let pending = describe(&store, ANALYTICS, &partitioned).await.unwrap();
    let table = pending.table.clone().expect("Spark wrote rows");
    assert_eq!(table.name, "people_pending_exec_1");
    assert_eq!(table.storage_descriptor.location, "s3://lake-analytics/eng/_pending/people/exec-1/");
    let columns: Vec<(&str, &str)> =
        table.storage_descriptor.columns.iter().map(|c| (c.name.as_str(), c.data_type.as_str())).collect();
    assert_eq!(columns, [("id", "string"), ("name", "string"), ("born", "date")]);
    assert_eq!(table.partition_keys.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["gender"]);
    let partitions: Vec<(&[String], &str)> = pending.partition_calls[0]
        .iter()
        .map(|p| (p.values.as_slice(), p.storage_descriptor.location.as_str()))
        .collect();
    assert_eq!(
        partitions,
        [
            (&["f".to_owned()][..], "s3://lake-analytics/eng/_pending/people/exec-1/gender=f/"),
            (&["m".to_owned()][..], "s3://lake-analytics/eng/_pending/people/exec-1/gender=m/")
        ]
    );

    // Passed: published under the execution's names, nothing left pending (not even `_SUCCESS`).
    let mut passed = partitioned.clone();
    (passed.pending, passed.glue_quality) = (Some(pending), Some(glue_result(true, 3.0)));
    let output = publish_batch(&store, &passed).await.unwrap();
    assert_eq!((output.rows, output.passed, output.quarantined), (3, true, false), "a redriven run adds no rows");
    assert!(output.objects.iter().all(|o| o.key.starts_with(&format!("eng/people/{}/exec-1-", o.partition))));
    assert_eq!(output.objects.iter().map(|o| o.partition.as_str()).collect::<Vec<_>>(), ["gender=f", "gender=m"]);
    assert_eq!(keys(&store, "eng/people").await, output.objects.iter().map(|o| o.key.clone()).collect::<Vec<_>>());
    assert!(keys(&store, "eng/_pending/people/exec-1").await.is_empty());
    assert!(output.table.is_none(), "on AWS the crawler registers what was published");

    // Failed, and the dataset fails on that: quarantined, with Glue's observation.
    let mut failed = failing.clone();
    failed.pending = Some(describe(&store, ANALYTICS, &failing).await.unwrap());
    failed.glue_quality = Some(glue_result(false, 0.5));
    let output = publish_batch(&store, &failed).await.unwrap();
    assert_eq!((output.passed, output.quarantined), (false, true));
    assert_eq!(keys(&store, "eng/_quarantine/people/exec-2").await, ["eng/_quarantine/people/exec-2/exec-2-00000.parquet"]);
    assert_eq!(output.failures, "FAIL RowCount > 1 (Dataset.*.RowCount = 0.5)");

    // Failed, and the dataset only warns: published, saying what failed.
    let mut warned = warning.clone();
    warned.glue_quality = Some(glue_result(false, 0.5));
    let output = publish_batch(&store, &warned).await.unwrap();
    assert_eq!((output.passed, output.quarantined, output.objects.len()), (false, false, 1));
    assert!(output.objects[0].key.starts_with("eng/people/exec-3-"), "{:?}", output.objects);

    // No rows, partitioned: Spark writes no file, so there is no table and the rule says why.
    let nothing = describe(&store, ANALYTICS, &empty).await.unwrap();
    assert_eq!(nothing, PendingTable { table: None, partition_calls: Vec::new() });
    let mut unevaluated = empty.clone();
    unevaluated.pending = Some(nothing);
    let output = publish_batch(&store, &unevaluated).await.unwrap();
    assert_eq!((output.rows, output.objects.len(), output.quarantined), (0, 0, true));
    assert_eq!(output.quality.results[0].outcome, Outcome::Error);
    assert_eq!(output.quality.results[0].message, NO_ROWS);

    // No rows, unpartitioned: Spark writes one empty file to keep the schema, so the table
    // exists for the rules; the analytics layer does not get the empty file.
    let described = describe(&store, ANALYTICS, &empty_unpartitioned).await.unwrap();
    assert!(described.table.is_some());
    let mut evaluated = empty_unpartitioned.clone();
    (evaluated.pending, evaluated.glue_quality) = (Some(described), Some(glue_result(false, 0.0)));
    evaluated.heavy.on_quality_failure = OnQualityFailure::Warn;
    let output = publish_batch(&store, &evaluated).await.unwrap();
    assert_eq!((output.rows, output.objects.len()), (0, 0));
    assert!(keys(&store, "eng/_pending/people/exec-5").await.is_empty());
}

#[tokio::test]
async fn a_batch_of_another_engine_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut input = input("exec-1", &[], OnQualityFailure::Warn);
    input.heavy.engine = Engine::DataFusion;
    let error = publish_batch(&store(dir.path()), &input).await.unwrap_err().to_string();
    assert!(error.contains("runs its heavy transform on datafusion, not Glue"), "{error}");
}
