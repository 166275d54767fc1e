//! The DataFusion step of stage B from its state machine input to its output, with each
//! bucket a folder on the local file system registered under its `s3://` URL (the function
//! registers S3 stores there instead): the batch read from the stage bucket's keys the
//! messages name, published to the analytics bucket, and the Glue table described.

use std::path::Path;
use std::sync::Arc;

use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::error::Result;
use datafusion::prelude::SessionContext;
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use sdlf_heavy::stage::run_stage_b;
use sdlf_lambda_core::contract::config::{Engine, OnQualityFailure};
use sdlf_lambda_core::messages::StageBInput;
use sdlf_lambda_core::quality::{Condition, Rule, Values};

const STAGE: &str = "lake-stage";
const ANALYTICS: &str = "lake-analytics";
const KEYS: [&str; 2] =
    ["pre-stage/marketing/campaigns/a/part-0.parquet", "pre-stage/marketing/campaigns/b/part-0.parquet"];

async fn write_inputs(dir: &Path) {
    let ctx = SessionContext::new();
    let rows = ["('c1', 10.0, 'f'), ('c2', 5.5, 'm')", "('c3', -1.0, 'f')"];
    for (key, values) in KEYS.iter().zip(rows) {
        let path = dir.join(STAGE).join(key);
        let sql = format!("SELECT * FROM (VALUES {values}) AS t(Campaign_Id, spend, gender)");
        let options = DataFrameWriteOptions::new().with_single_file_output(true);
        ctx.sql(&sql).await.unwrap().write_parquet(path.to_str().unwrap(), options, None).await.unwrap();
    }
    std::fs::create_dir_all(dir.join(ANALYTICS)).unwrap();
}

fn input(on_failure: OnQualityFailure) -> StageBInput {
    let mut input: StageBInput =
        serde_json::from_str(include_str!("../../core/tests/fixtures/stage_b_input.json")).unwrap();
    (input.team, input.dataset, input.table) = ("marketing".into(), "campaigns".into(), "campaigns".into());
    input.execution_id = "exec-1".into();
    let message = &mut input.messages[0];
    message.stage_bucket = STAGE.into();
    // The first key twice: a message redelivered into the batch must not double its rows.
    message.output_keys = vec![KEYS[0].into(), KEYS[1].into(), KEYS[0].into()];
    input.heavy.engine = Engine::DataFusion;
    input.heavy.sql = "SELECT campaign_id, spend, gender FROM batch".into();
    input.heavy.partition_by = vec!["gender".into()];
    input.heavy.quality_rules = vec![Rule::column_values("spend", Values::Number(Condition::AtLeast(0.0)))];
    input.heavy.on_quality_failure = on_failure;
    input
}

async fn run(dir: &Path, input: &StageBInput) -> Result<sdlf_lambda_core::messages::HeavyOutput> {
    let root = dir.to_owned();
    let store = move |bucket: &str| -> Result<Arc<dyn ObjectStore>> {
        Ok(Arc::new(LocalFileSystem::new_with_prefix(root.join(bucket))?))
    };
    run_stage_b(&SessionContext::new(), &store, ANALYTICS, input).await
}

#[tokio::test]
async fn a_passing_batch_is_published_with_its_table_and_partitions() {
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path()).await;
    let mut input = input(OnQualityFailure::Fail);
    input.heavy.quality_rules = vec![Rule::is_complete("campaign_id")];
    let output = run(dir.path(), &input).await.unwrap();
    assert_eq!((output.rows, output.passed, output.quarantined), (3, true, false));
    let keys: Vec<&str> = output.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(
        keys,
        ["marketing/campaigns/gender=f/exec-1-00000.parquet", "marketing/campaigns/gender=m/exec-1-00001.parquet"]
    );
    assert!(dir.path().join(ANALYTICS).join(keys[0]).is_file());
    let table = output.table.expect("a published batch describes its table");
    assert_eq!(table.storage_descriptor.location, "s3://lake-analytics/marketing/campaigns/");
    let columns: Vec<(&str, &str)> =
        table.storage_descriptor.columns.iter().map(|c| (c.name.as_str(), c.data_type.as_str())).collect();
    assert_eq!(columns, [("campaign_id", "string"), ("spend", "double")]);
    let partitions: Vec<&[String]> = output.partition_calls[0].iter().map(|p| p.values.as_slice()).collect();
    assert_eq!(partitions, [["f".to_owned()], ["m".to_owned()]]);
    assert_eq!(output.failures, "");
}

#[tokio::test]
async fn a_failing_batch_of_a_failing_dataset_is_quarantined_and_registers_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path()).await;
    let output = run(dir.path(), &input(OnQualityFailure::Fail)).await.unwrap();
    assert_eq!((output.passed, output.quarantined), (false, true));
    assert!(output.objects.iter().all(|o| o.key.starts_with("marketing/_quarantine/campaigns/exec-1/")), "{output:?}");
    assert!(output.table.is_none() && output.partition_calls.is_empty());
    assert!(output.failures.starts_with("FAIL ColumnValues \"spend\" >= 0"), "{}", output.failures);
    assert!(!dir.path().join(ANALYTICS).join("marketing/campaigns").exists());
}

#[tokio::test]
async fn a_failing_batch_of_a_warning_dataset_is_published_and_says_what_failed() {
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path()).await;
    let output = run(dir.path(), &input(OnQualityFailure::Warn)).await.unwrap();
    assert_eq!((output.passed, output.quarantined), (false, false));
    assert!(output.table.is_some());
    assert!(output.failures.contains("Column.spend.ColumnValues.Compliance"), "{}", output.failures);
}

#[tokio::test]
async fn a_glue_dataset_sent_here_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut input = input(OnQualityFailure::Warn);
    input.heavy.engine = Engine::Glue;
    let error = run(dir.path(), &input).await.unwrap_err().to_string();
    assert!(error.contains("runs its heavy transform on glue"), "{error}");
}
