//! `stage-b-postupdate`: after the heavy transform and the crawler (or the table's
//! registration), marks every raw object of the batch `processed-b` with the stage B execution
//! id — after a DataFusion batch with its quality outcome, or `failed` with the failed rules
//! when the batch was quarantined — records the batch in the execution history (with every
//! rule's result), and names the Glue table (from the dataset's config row) for Glue's quality
//! run. The output objects get their own catalog rows from the analytics bucket's
//! notifications, like every object.

use lambda_runtime::Error;
use sdlf_lambda_core::catalog::{self, StageStatus};
use sdlf_lambda_core::history;
use sdlf_lambda_core::messages::{GlueQuality, PostUpdateBOutput, StageBInput};
use serde_json::Value;
use tracing::info;

use sdlf_lambda_core::contract::env::StageBPostupdateEnv;

use crate::clients::{Clients, now_epoch_millis, var};
use crate::dynamo;

pub struct StageBPostupdate {
    catalog_table: String,
    history_table: String,
}

impl StageBPostupdate {
    pub fn from_env() -> Result<StageBPostupdate, String> {
        let env = StageBPostupdateEnv::from_vars(var).map_err(|e| e.to_string())?;
        Ok(StageBPostupdate { catalog_table: env.catalog_table, history_table: env.execution_history_table })
    }

    pub async fn handle(&self, clients: &Clients, event: Value) -> Result<Value, Error> {
        let input: StageBInput = serde_json::from_value(event).map_err(|e| format!("not a stage B input: {e}"))?;
        let mut sources: Vec<String> =
            input.messages.iter().map(|m| format!("s3://{}/{}", m.source.bucket, m.source.key)).collect();
        sources.sort();
        sources.dedup();
        let (pipeline, execution) = (&input.pipeline, &input.execution_id);
        let glue_quality = input.glue_quality.as_ref().map(GlueQuality::report);
        // The batch's rules' results and whether it was held back. The Spark job publishes
        // before Glue's evaluation: a failed rule there can only be reported.
        let quality = match (&input.transformed, &glue_quality) {
            (Some(outcome), _) => Some((&outcome.quality, outcome.quarantined)),
            (None, Some(report)) => Some((report, false)),
            (None, None) => None,
        };
        for uri in &sources {
            let update = match quality {
                Some((report, quarantined)) => catalog::mark_stage_b(uri, pipeline, execution, report, quarantined),
                None => catalog::mark_status(uri, StageStatus::ProcessedB, pipeline, execution, None),
            };
            dynamo::update(&clients.dynamodb, &self.catalog_table, &update).await?;
        }
        let now = now_epoch_millis();
        let row = match (&input.transformed, &glue_quality) {
            (Some(outcome), _) => {
                let table = format!("{}.{}", input.database, input.table);
                history::record_stage_b(execution, outcome, &table, now)
            }
            (None, Some(report)) => history::record_glue_quality(execution, report, now),
            (None, None) => history::record_status(execution, "transformed", now),
        };
        dynamo::update(&clients.dynamodb, &self.history_table, &row).await?;
        let table = input.table.clone();
        info!(execution = %input.execution_id, objects = sources.len(), %table, "stage B catalogued");
        Ok(serde_json::to_value(PostUpdateBOutput { table })?)
    }
}
