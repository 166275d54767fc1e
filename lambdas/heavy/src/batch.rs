//! One stage B batch on DataFusion, as the `local` environment (and small batches) run it:
//! the heavy transform into the dataset's pending prefix, its quality rules evaluated there,
//! then the output published to the dataset's prefix — or, when a rule failed and the dataset
//! fails on that, to its quarantine — under the execution's names.

use std::sync::Arc;

use datafusion::arrow::datatypes::Schema;
use datafusion::error::Result;
use datafusion::prelude::SessionContext;
use object_store::ObjectStore;
use object_store::path::Path;
use sdlf_lambda_core::contract::config::OnQualityFailure;
use sdlf_lambda_core::contract::layout::{DatasetRef, Layer};
use sdlf_lambda_core::quality::{QualityReport, Rule};

use crate::publish::{clear, publish};
use sdlf_lambda_core::messages::OutputObject;
use crate::quality::evaluate;
use crate::transform::{HeavySql, output_schema, register_batch, register_output, run};

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct BatchRun<'a> {
    pub dataset: &'a DatasetRef,
    /// The stage B execution: names the pending folder and the published objects.
    pub execution: &'a str,
    pub transform: HeavySql<'a>,
    pub rules: &'a [Rule],
    pub on_failure: OnQualityFailure,
}

/// What became of the batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchOutcome {
    /// Rows the transform wrote.
    pub rows: u64,
    /// Its objects, where they now are.
    pub objects: Vec<OutputObject>,
    /// Kept out of the analytics layer: a rule failed and the dataset fails on that.
    pub quarantined: bool,
    pub quality: QualityReport,
    /// The transform's output columns, partition columns included.
    pub schema: Schema,
}

/// Runs `run` over the batch `objects` (URLs of stage A outputs). `bucket` is the analytics
/// bucket as a URL (`s3://name`, `file:///dir`), whose store is `store`.
pub async fn run_batch(
    ctx: &SessionContext,
    store: &Arc<dyn ObjectStore>,
    bucket: &str,
    objects: &[String],
    run_spec: BatchRun<'_>,
) -> Result<BatchOutcome> {
    let pending = run_spec.dataset.pending_prefix(run_spec.execution);
    // A redriven batch starts clean: what an interrupted attempt wrote is not this one's.
    clear(store, &Path::from(pending.as_str())).await?;
    register_batch(ctx, objects).await?;
    let pending_url = format!("{}/{pending}", bucket.trim_end_matches('/'));
    let rows = run(ctx, run_spec.transform, &pending_url).await?;
    let quality = if rows == 0 {
        // Nothing written, nothing to read back: the rules see an empty batch.
        evaluate_empty(ctx, run_spec).await?
    } else {
        register_output(ctx, "pending_output", &pending_url, run_spec.transform.partition_by).await?;
        evaluate(ctx, "pending_output", run_spec.rules).await?
    };
    let quarantined = !quality.passed() && run_spec.on_failure == OnQualityFailure::Fail;
    let target = match quarantined {
        true => run_spec.dataset.quarantine_prefix(run_spec.execution),
        false => run_spec.dataset.prefix(Layer::Analytics),
    };
    let target = Path::from(target.trim_end_matches('/'));
    let objects = publish(store, &Path::from(pending.trim_end_matches('/')), &target, run_spec.execution).await?;
    let schema = output_schema(ctx, run_spec.transform).await?;
    Ok(BatchOutcome { rows, objects, quarantined, quality, schema })
}

/// The rules over the transform's answer with no rows (DataFusion writes no file for it).
async fn evaluate_empty(ctx: &SessionContext, run_spec: BatchRun<'_>) -> Result<QualityReport> {
    let empty = ctx.sql(run_spec.transform.sql).await?.limit(0, Some(0))?;
    ctx.deregister_table("pending_output")?;
    ctx.register_table("pending_output", empty.into_view())?;
    evaluate(ctx, "pending_output", run_spec.rules).await
}
