//! Stage B's DataFusion step as the state machine calls it: its input (the batch, its
//! dataset's heavy transform and rules) in, what was published and the table to register out.
//! The stores are given (S3 in the function, the file system in tests), so this is the whole
//! function but for where the bytes live.

use std::sync::Arc;

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use object_store::ObjectStore;
use sdlf_lambda_core::batch::stage_uris;
use sdlf_lambda_core::contract::config::Engine;
use sdlf_lambda_core::contract::layout::{DatasetRef, Layer};
use sdlf_lambda_core::glue_table::partition_calls;
use sdlf_lambda_core::messages::{HeavyOutput, StageBInput};

use crate::batch::{BatchRun, run_batch};
use crate::glue;
use crate::transform::HeavySql;

/// DataFusion's result, for callers that do not depend on DataFusion themselves (the function).
pub use datafusion::error::Result;

/// An error of a caller's own (building a store), as DataFusion carries it.
pub fn external(message: String) -> DataFusionError {
    DataFusionError::External(message.into())
}

/// Registers `store(bucket)` for every bucket the batch reads and for `analytics_bucket`,
/// runs the batch and describes its table. `store` builds a bucket's store.
pub async fn run_stage_b(
    ctx: &SessionContext,
    store: &dyn Fn(&str) -> Result<Arc<dyn ObjectStore>>,
    analytics_bucket: &str,
    input: &StageBInput,
) -> Result<HeavyOutput> {
    if input.heavy.engine != Engine::DataFusion {
        return Err(DataFusionError::Plan(format!(
            "dataset {}/{} runs its heavy transform on {}, not DataFusion; the state machine sent it to the wrong step",
            input.team,
            input.dataset,
            input.heavy.engine.as_str()
        )));
    }
    let mut buckets: Vec<&str> = input.messages.iter().map(|m| m.stage_bucket.as_str()).collect();
    buckets.push(analytics_bucket);
    buckets.sort_unstable();
    buckets.dedup();
    for bucket in buckets {
        let url = url::Url::parse(&format!("s3://{bucket}"))
            .map_err(|e| DataFusionError::Plan(format!("bucket `{bucket}` is not a valid URL host: {e}")))?;
        ctx.register_object_store(&url, store(bucket)?);
    }
    let dataset = DatasetRef { team: input.team.clone(), dataset: input.dataset.clone() };
    let heavy = &input.heavy;
    let spec = BatchRun {
        dataset: &dataset,
        execution: &input.execution_id,
        transform: HeavySql { sql: &heavy.sql, partition_by: &heavy.partition_by },
        rules: &heavy.quality_rules,
        on_failure: heavy.on_quality_failure,
    };
    let analytics = store(analytics_bucket)?;
    let outcome =
        run_batch(ctx, &analytics, &format!("s3://{analytics_bucket}"), &stage_uris(&input.messages), spec).await?;
    let (table, partitions) = if outcome.quarantined || outcome.objects.is_empty() {
        (None, Vec::new())
    } else {
        let location = format!("s3://{analytics_bucket}/{}", dataset.prefix(Layer::Analytics));
        let table = glue::table(&input.table, &outcome.schema, &heavy.partition_by, location)?;
        let partitions = glue::partitions(&table, &outcome.objects)?;
        (Some(table), partitions)
    };
    Ok(HeavyOutput {
        table,
        partition_calls: partition_calls(partitions),
        ..HeavyOutput::new(outcome.objects, outcome.quarantined, outcome.quality)
    })
}
