//! A stage B batch end to end on the local file system: transformed into the pending prefix,
//! checked there, then published to the dataset's prefix, or quarantined when a rule fails and
//! the dataset fails on that; a redriven batch replaces its own objects.

use std::path::Path as FsPath;
use std::sync::Arc;

use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::prelude::SessionContext;
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use sdlf_heavy::batch::{BatchRun, run_batch};
use sdlf_heavy::transform::HeavySql;
use sdlf_lambda_core::contract::config::OnQualityFailure;
use sdlf_lambda_core::contract::layout::DatasetRef;
use sdlf_lambda_core::quality::{Condition, Outcome, Rule, Values};

async fn input(dir: &FsPath) -> Vec<String> {
    let ctx = SessionContext::new();
    let path = dir.join("stage/part.parquet");
    let sql = "SELECT * FROM (VALUES ('a', 10.0, '2024-05-01'), ('b', -5.0, '2024-05-01'), ('c', 7.5, '2024-05-02')) \
               AS t(campaign_id, spend, day)";
    let options = DataFrameWriteOptions::new().with_single_file_output(true);
    ctx.sql(sql).await.unwrap().write_parquet(path.to_str().unwrap(), options, None).await.unwrap();
    vec![format!("file://{}", path.display())]
}

/// Keys of the Parquet files under `dir`, relative to it, sorted.
fn files(dir: &FsPath) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().map(Result::unwrap) {
            if e.path().is_dir() {
                stack.push(e.path());
            } else if e.path().extension().is_some_and(|x| x == "parquet") {
                out.push(e.path().strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

async fn batch_of(
    dir: &FsPath,
    execution: &str,
    on_failure: OnQualityFailure,
    sql: &str,
) -> sdlf_heavy::batch::BatchOutcome {
    std::fs::create_dir_all(dir.join("analytics")).unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(LocalFileSystem::new_with_prefix(dir.join("analytics")).unwrap());
    let dataset = DatasetRef { team: "marketing".into(), dataset: "campaigns".into() };
    let rules = [
        Rule::is_complete("campaign_id"),
        Rule::row_count(Condition::GreaterThan(0.0)),
        Rule::column_values("spend", Values::Number(Condition::AtLeast(0.0))),
    ];
    let run = BatchRun {
        dataset: &dataset,
        execution,
        transform: HeavySql { sql, partition_by: &["day".to_owned()] },
        rules: &rules,
        on_failure,
    };
    let ctx = SessionContext::new();
    let bucket = format!("file://{}/analytics", dir.display());
    run_batch(&ctx, &store, &bucket, &input(dir).await, run).await.unwrap()
}

async fn batch(dir: &FsPath, execution: &str, on_failure: OnQualityFailure) -> sdlf_heavy::batch::BatchOutcome {
    batch_of(dir, execution, on_failure, "SELECT campaign_id, spend, day FROM batch").await
}

#[tokio::test]
async fn a_batch_the_transform_leaves_empty_is_checked_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let sql = "SELECT campaign_id, spend, day FROM batch WHERE spend > 100";
    let outcome = batch_of(dir.path(), "exec-3", OnQualityFailure::Fail, sql).await;
    assert_eq!((outcome.rows, outcome.objects.len()), (0, 0));
    assert!(outcome.quarantined, "{:?}", outcome.quality);
    assert_eq!(outcome.quality.results[0].message, "the data has no rows: nothing to measure");
}

#[tokio::test]
async fn a_failed_rule_quarantines_the_batch_when_the_dataset_fails_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = batch(dir.path(), "exec-1", OnQualityFailure::Fail).await;
    assert!(outcome.quarantined);
    assert_eq!(outcome.rows, 3);
    assert_eq!(outcome.quality.results[2].outcome, Outcome::Fail, "spend -5 is below 0");
    assert_eq!(
        files(&dir.path().join("analytics")),
        [
            "marketing/_quarantine/campaigns/exec-1/day=2024-05-01/exec-1-00000.parquet",
            "marketing/_quarantine/campaigns/exec-1/day=2024-05-02/exec-1-00001.parquet",
        ]
    );
    let rows: Vec<u64> = outcome.objects.iter().map(|o| o.rows).collect();
    assert_eq!(rows, [2, 1]);
}

#[tokio::test]
async fn a_dataset_that_warns_publishes_and_a_redrive_replaces_its_own_objects() {
    let dir = tempfile::tempdir().unwrap();
    let first = batch(dir.path(), "exec-2", OnQualityFailure::Warn).await;
    assert!(!first.quarantined && !first.quality.passed());
    let published = [
        "marketing/campaigns/day=2024-05-01/exec-2-00000.parquet",
        "marketing/campaigns/day=2024-05-02/exec-2-00001.parquet",
    ];
    assert_eq!(files(&dir.path().join("analytics")), published);
    assert_eq!(first.objects.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(), published);
    // Left over by an interrupted attempt of the same execution: cleared before the transform.
    let stale = dir.path().join("analytics/marketing/_pending/campaigns/exec-2/day=2024-05-09");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::copy(dir.path().join("analytics").join(published[0]), stale.join("old.parquet")).unwrap();
    let again = batch(dir.path(), "exec-2", OnQualityFailure::Warn).await;
    assert_eq!(again.objects.len(), 2);
    assert_eq!(files(&dir.path().join("analytics")), published, "the same names, no second copy");
}
