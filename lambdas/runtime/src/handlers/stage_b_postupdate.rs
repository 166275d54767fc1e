//! `stage-b-postupdate`: after the batch was published (by the DataFusion function, or by the
//! publish step after Glue Data Quality's run) and its table crawled or registered, marks
//! every raw object of the batch `processed-b` with the stage B execution id and its quality
//! outcome — or `failed` with the failed rules when the batch was quarantined — records the
//! batch in the execution history (with every rule's result), and names the Glue table (from
//! the dataset's config row). The output objects get their own catalog rows from the analytics bucket's
//! notifications, like every object.

use lambda_runtime::Error;
use sdlf_lambda_core::catalog;
use sdlf_lambda_core::history;
use sdlf_lambda_core::messages::{PostUpdateBOutput, StageBInput};
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
        // Both engines publish before this step: the DataFusion function itself, a Glue
        // batch through the publish step after Glue Data Quality's run.
        let Some(outcome) = &input.transformed else {
            return Err(format!(
                "stage B execution {execution} reached the post-update without `transformed` (the batch's outcome); \
                 the pipeline's state machine publishes every batch first: redeploy the pipeline stack"
            )
            .into());
        };
        for uri in &sources {
            let update = catalog::mark_stage_b(uri, pipeline, execution, &outcome.quality, outcome.quarantined);
            dynamo::update(&clients.dynamodb, &self.catalog_table, &update).await?;
        }
        let table = format!("{}.{}", input.database, input.table);
        let row = history::record_stage_b(execution, outcome, &table, now_epoch_millis());
        dynamo::update(&clients.dynamodb, &self.history_table, &row).await?;
        let table = input.table.clone();
        info!(execution = %input.execution_id, objects = sources.len(), %table, "stage B catalogued");
        Ok(serde_json::to_value(PostUpdateBOutput { table })?)
    }
}
