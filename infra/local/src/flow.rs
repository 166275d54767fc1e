//! The local run's flow, once the lake is deployed: drop the samples into the raw bucket, wait
//! for stage A to settle them, start stage B at once (instead of on its schedule), wait for its
//! executions, and collect what the report shows.

use std::collections::BTreeMap;
use std::time::Duration;

use sdlf_aws::{Execution, Object, Row};
use sdlf_deploy::api::ApiError;
use sdlf_lake::{Environment, Lake, Layer, Names};
use sdlf_lambda_core::contract::env::Stage;
use sdlf_lambda_core::contract::layout;
use sdlf_lambda_core::contract::replies::StageBReply;
use sdlf_lambda_core::contract::resources::{LakeResource, PipelineResource};
use sdlf_lambda_core::messages::ScheduleInput;
use tokio::time::Instant;

use crate::report::{self, Batch, Report};
use crate::{LocalError, Sample};

/// Between two looks at the catalog or the executions.
const POLL: Duration = Duration::from_millis(500);

/// What the flow reads and writes of the running lake (`sdlf_aws::Lake`; a fake in tests).
pub trait LakeData: Sync {
    fn put_object(&self, bucket: &str, key: &str, body: Vec<u8>) -> impl Future<Output = Result<(), ApiError>> + Send;
    fn scan(&self, table: &str) -> impl Future<Output = Result<Vec<Row>, ApiError>> + Send;
    fn invoke(
        &self,
        function: &str,
        payload: &serde_json::Value,
    ) -> impl Future<Output = Result<serde_json::Value, ApiError>> + Send;
    fn list_objects(&self, bucket: &str, prefix: &str) -> impl Future<Output = Result<Vec<Object>, ApiError>> + Send;
    fn executions(&self, machine: &str) -> impl Future<Output = Result<Vec<Execution>, ApiError>> + Send;
}

impl LakeData for sdlf_aws::Lake {
    async fn put_object(&self, bucket: &str, key: &str, body: Vec<u8>) -> Result<(), ApiError> {
        sdlf_aws::Lake::put_object(self, bucket, key, body).await
    }
    async fn scan(&self, table: &str) -> Result<Vec<Row>, ApiError> {
        sdlf_aws::Lake::scan(self, table).await
    }
    async fn invoke(&self, function: &str, payload: &serde_json::Value) -> Result<serde_json::Value, ApiError> {
        sdlf_aws::Lake::invoke(self, function, payload).await
    }
    async fn list_objects(&self, bucket: &str, prefix: &str) -> Result<Vec<Object>, ApiError> {
        sdlf_aws::Lake::list_objects(self, bucket, prefix).await
    }
    async fn executions(&self, machine: &str) -> Result<Vec<Execution>, ApiError> {
        sdlf_aws::Lake::executions(self, machine).await
    }
}

/// One run of the flow over the deployed lake of `env`.
pub struct Run<'a, D> {
    pub lake: &'a Lake,
    pub env: &'a Environment,
    pub data: &'a D,
    /// How long each stage may take before the report shows what is still running.
    pub timeout: Duration,
    /// The clock's "now" in Unix milliseconds (S3 event times are compared with it).
    pub now_millis: i64,
    /// Where the flow's progress lines go.
    pub progress: &'a (dyn Fn(&str) + Sync),
}

/// The samples through both stages; the report of what happened.
pub async fn run<D: LakeData>(run: &Run<'_, D>, samples: &[Sample]) -> Result<Report, LocalError> {
    let names = Names::new(run.lake, run.env);
    let catalog_table = names.lake_resource(LakeResource::CatalogTable.suffix());
    // A second early: S3 event times and this clock are compared, at millisecond precision.
    let started = run.now_millis - 1000;
    let since = sdlf_lambda_core::timestamp::from_epoch_millis(started);

    let uploaded = drop_samples(run, &names, samples).await?;
    wait_for_stage_a(run, &catalog_table, &uploaded, &since).await?;
    let mut batches = start_stage_b(run, &names).await?;
    wait_for_stage_b(run, &names, &mut batches).await?;
    read_batch_records(run, &names, &mut batches).await?;
    let stage = names.bucket(Layer::Stage);
    let analytics = names.bucket(Layer::Analytics);
    Ok(Report {
        rows: run.data.scan(&catalog_table).await?,
        catalog_table,
        stage_objects: run.data.list_objects(&stage, layout::Layer::Stage.root()).await?,
        stage_bucket: stage,
        stage_a: stage_a_executions(run, &names, started).await?,
        batches,
        analytics_objects: run.data.list_objects(&analytics, layout::Layer::Analytics.root()).await?,
        analytics_bucket: analytics,
    })
}

/// Each ended batch's execution-history row: what it published and its quality results.
async fn read_batch_records<D: LakeData>(
    run: &Run<'_, D>,
    names: &Names<'_>,
    batches: &mut [Batch],
) -> Result<(), LocalError> {
    let history = run.data.scan(&names.lake_resource(LakeResource::ExecutionHistoryTable.suffix())).await?;
    for batch in batches.iter_mut() {
        let row = history.iter().find(|r| r.get("id").is_some_and(|id| Some(id) == batch.execution.as_ref()));
        batch.record = row.and_then(report::BatchRecord::from_row);
    }
    Ok(())
}

/// Each sample into the raw bucket; their `s3://` URIs.
async fn drop_samples<D: LakeData>(
    run: &Run<'_, D>,
    names: &Names<'_>,
    samples: &[Sample],
) -> Result<Vec<String>, LocalError> {
    let raw = names.bucket(Layer::Raw);
    let mut uploaded = Vec::new();
    for sample in samples {
        let body = std::fs::read(&sample.path).map_err(|error| LocalError::Io { path: sample.path.clone(), error })?;
        run.data.put_object(&raw, &sample.key, body).await?;
        uploaded.push(format!("s3://{raw}/{}", sample.key));
    }
    (run.progress)(&format!("dropped {} sample files into s3://{raw}/; waiting for stage A", uploaded.len()));
    Ok(uploaded)
}

/// Until every uploaded object's row shows this run's event past stage A, or the timeout.
async fn wait_for_stage_a<D: LakeData>(
    run: &Run<'_, D>,
    catalog_table: &str,
    uploaded: &[String],
    since: &str,
) -> Result<(), LocalError> {
    let deadline = Instant::now() + run.timeout;
    loop {
        let rows = run.data.scan(catalog_table).await?;
        let pending = report::stage_a_pending(&rows, uploaded, since);
        if pending.is_empty() {
            return Ok(());
        }
        if Instant::now() > deadline {
            let list: Vec<String> = pending.iter().map(|p| format!("  {p}")).collect();
            (run.progress)(&format!(
                "stage A has not finished with {} object(s) after {}s:\n{}",
                pending.len(),
                run.timeout.as_secs(),
                list.join("\n")
            ));
            return Ok(());
        }
        tokio::time::sleep(POLL).await;
    }
}

/// What each dataset's schedule does, by hand: its stage B routing, now.
async fn start_stage_b<D: LakeData>(run: &Run<'_, D>, names: &Names<'_>) -> Result<Vec<Batch>, LocalError> {
    let mut batches = Vec::new();
    for team in &run.lake.teams {
        for dataset in &team.datasets {
            let function = names.pipeline_resource(&team.name, &dataset.pipeline, PipelineResource::RoutingB.suffix());
            let input = ScheduleInput {
                team: team.name.clone(),
                pipeline: dataset.pipeline.clone(),
                dataset: dataset.name.clone(),
            };
            let payload = serde_json::to_value(&input).expect("the schedule input serializes");
            let answer = run.data.invoke(&function, &payload).await?;
            let reply: StageBReply = serde_json::from_value(answer)
                .map_err(|error| LocalError::Reply { function: function.clone(), error })?;
            batches.push(Batch {
                record: None,
                dataset: format!("{}/{}", team.name, dataset.name),
                pipeline: dataset.pipeline.clone(),
                execution: reply.started.then(|| reply.execution_id.unwrap_or_default()),
                messages: reply.messages,
                status: None,
            });
        }
    }
    (run.progress)("started stage B; waiting for its executions");
    Ok(batches)
}

/// Until every started batch's execution has ended, or the timeout.
async fn wait_for_stage_b<D: LakeData>(
    run: &Run<'_, D>,
    names: &Names<'_>,
    batches: &mut [Batch],
) -> Result<(), LocalError> {
    let deadline = Instant::now() + run.timeout;
    loop {
        for batch in batches.iter_mut().filter(|b| b.execution.is_some() && b.status.is_none()) {
            let team = batch.dataset.split('/').next().unwrap_or_default();
            let machine = names.pipeline_resource(team, &batch.pipeline, PipelineResource::machine(Stage::B).suffix());
            let executions = run.data.executions(&machine).await?;
            let found = executions.iter().find(|e| Some(&e.name) == batch.execution.as_ref());
            if let Some(e) = found.filter(|e| e.status != "RUNNING") {
                batch.status = Some(e.status.clone());
            }
        }
        if batches.iter().all(|b| b.execution.is_none() || b.status.is_some()) {
            return Ok(());
        }
        if Instant::now() > deadline {
            (run.progress)(&format!(
                "stage B is still running after {}s; the report shows it as RUNNING",
                run.timeout.as_secs()
            ));
            return Ok(());
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Stage A executions this run started, per pipeline (`{team}/{pipeline}`).
async fn stage_a_executions<D: LakeData>(
    run: &Run<'_, D>,
    names: &Names<'_>,
    started: i64,
) -> Result<BTreeMap<String, Vec<Execution>>, LocalError> {
    let mut stage_a = BTreeMap::new();
    for team in &run.lake.teams {
        for pipeline in &team.pipelines {
            let machine =
                names.pipeline_resource(&team.name, &pipeline.name, PipelineResource::machine(Stage::A).suffix());
            let executions =
                run.data.executions(&machine).await?.into_iter().filter(|e| e.started_millis >= started).collect();
            stage_a.insert(format!("{}/{}", team.name, pipeline.name), executions);
        }
    }
    Ok(stage_a)
}
