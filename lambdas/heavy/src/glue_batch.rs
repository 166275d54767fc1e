//! The publish step of a batch the Glue engine transformed (handler `stage-b-publish`).
//!
//! The Spark job writes a batch's output to its pending folder, outside every dataset's
//! prefix. Glue Data Quality evaluates only catalog tables, so [`describe`] names that output
//! as a temporary table (columns from a Parquet footer, partitions from the folders), which
//! the state machine registers, evaluates and drops; [`publish_batch`] then moves the output
//! to the dataset's prefix — or to its quarantine when a rule failed and the dataset fails on
//! that — as the DataFusion step does within its one function.

use std::sync::Arc;

use datafusion::error::{DataFusionError, Result};
use object_store::ObjectStore;
use object_store::path::Path;
use sdlf_lambda_core::contract::config::{Engine, OnQualityFailure};
use sdlf_lambda_core::contract::layout::{DatasetRef, Layer};
use sdlf_lambda_core::glue_table::{partition_calls, pending_table_name};
use sdlf_lambda_core::messages::{HeavyOutput, PendingTable, StageBInput};
use sdlf_lambda_core::quality::QualityReport;

use crate::glue;
use crate::publish::{pending_objects, publish, schema_of};

/// Why rules of a Glue batch were not evaluated when its job wrote no rows.
pub const NO_ROWS: &str = "the Spark job wrote no rows, so there was no table for Glue Data Quality to evaluate";

fn dataset(input: &StageBInput) -> Result<DatasetRef> {
    if input.heavy.engine != Engine::Glue {
        return Err(DataFusionError::Plan(format!(
            "dataset {}/{} runs its heavy transform on {}, not Glue; the state machine sent it to the Glue batch's \
             publish step",
            input.team,
            input.dataset,
            input.heavy.engine.as_str()
        )));
    }
    Ok(DatasetRef { team: input.team.clone(), dataset: input.dataset.clone() })
}

/// `prefix` (`a/b/`) as an object store path.
fn path(prefix: &str) -> Path {
    Path::from(prefix.trim_end_matches('/'))
}

/// The batch's pending output in `analytics_bucket` (whose store is `store`) as a temporary
/// table for the quality run, or no table when the job wrote nothing.
pub async fn describe(store: &Arc<dyn ObjectStore>, analytics_bucket: &str, input: &StageBInput) -> Result<PendingTable> {
    let pending = dataset(input)?.pending_prefix(&input.execution_id);
    let objects = pending_objects(store.as_ref(), &path(&pending)).await?;
    let Some((first, size)) = objects.first() else {
        return Ok(PendingTable { table: None, partition_calls: Vec::new() });
    };
    // Spark writes every file of a run with the query's one schema.
    let schema = schema_of(store.as_ref(), &Path::from(first.key.as_str()), *size).await?;
    let name = pending_table_name(&input.table, &input.execution_id);
    let location = format!("s3://{analytics_bucket}/{pending}");
    let table = glue::table(&name, &schema, &input.heavy.partition_by, location)?;
    let objects: Vec<_> = objects.into_iter().map(|(object, _)| object).collect();
    let partitions = glue::partitions(&table, &objects)?;
    Ok(PendingTable { table: Some(table), partition_calls: partition_calls(partitions) })
}

/// The batch's rules' results: Glue Data Quality's when it ran, none for a dataset without
/// rules, and otherwise every rule an `ERROR` saying why it was not evaluated.
pub fn quality(input: &StageBInput) -> QualityReport {
    let rules = &input.heavy.quality_rules;
    match (&input.glue_quality, &input.pending) {
        (Some(result), _) => result.report(),
        (None, _) if rules.is_empty() => QualityReport { results: Vec::new() },
        (None, Some(PendingTable { table: None, .. })) => QualityReport::not_evaluated(rules, NO_ROWS),
        (None, _) => QualityReport::not_evaluated(
            rules,
            "the dataset has rules but its config row names no Glue Data Quality ruleset; redeploy its dataset stack",
        ),
    }
}

/// Moves the batch's pending output to the dataset's prefix, or to its quarantine when
/// [`quality`] failed and the dataset fails on that. The crawler then finds what was
/// published, so no table is described.
pub async fn publish_batch(store: &Arc<dyn ObjectStore>, input: &StageBInput) -> Result<HeavyOutput> {
    let dataset = dataset(input)?;
    let quality = quality(input);
    let quarantined = !quality.passed() && input.heavy.on_quality_failure == OnQualityFailure::Fail;
    let target = match quarantined {
        true => dataset.quarantine_prefix(&input.execution_id),
        false => dataset.prefix(Layer::Analytics),
    };
    let pending = path(&dataset.pending_prefix(&input.execution_id));
    let objects = publish(store, &pending, &path(&target), &input.execution_id).await?;
    Ok(HeavyOutput::new(objects, quarantined, quality))
}
