//! `stage-a-routing`: each message of the pipeline's stage A queue starts one execution of
//! stage A's state machine. The execution's name is the SQS message id, so a redelivered
//! message finds its execution already started (`ExecutionAlreadyExists`) instead of starting
//! a second one; a message moved back by a redrive is a new message and runs again. A message
//! that fails its last delivery before the dead-letter queue marks its object `failed`, with
//! the reason.

use crate::clients::sdk_error;
use lambda_runtime::Error;
use sdlf_lambda_core::catalog;
use sdlf_lambda_core::history::{self, NewExecution};
use sdlf_lambda_core::messages::{QueueAMessage, StageAInput};
use serde_json::Value;
use tracing::info;

use sdlf_lambda_core::contract::env::{Stage, StageARoutingEnv};
use sdlf_lambda_core::contract::status::FailedStage;

use crate::clients::{Clients, now_epoch_millis, var};
use crate::dynamo;
use crate::handlers::sqs;

pub struct StageARouting {
    state_machine_arn: String,
    history_table: String,
    catalog_table: String,
    max_receive_count: u32,
}

impl StageARouting {
    pub fn from_env() -> Result<StageARouting, String> {
        let env = StageARoutingEnv::from_vars(var).map_err(|e| e.to_string())?;
        Ok(StageARouting {
            state_machine_arn: env.state_machine_arn,
            history_table: env.execution_history_table,
            catalog_table: env.catalog_table,
            max_receive_count: env.max_receive_count,
        })
    }

    pub async fn handle(&self, clients: &Clients, event: Value) -> Result<Value, Error> {
        sqs::each_message(event, |message| async move {
            let queued: QueueAMessage = serde_json::from_str(message.body.as_deref().unwrap_or_default())
                .map_err(|e| format!("not a stage A message: {e}"))?;
            let id = message.message_id.clone().ok_or("an SQS message without an id")?;
            let result = self.start(clients, queued.clone(), id).await;
            if let Err(reason) = &result
                && sqs::last_attempt(&message, self.max_receive_count)
            {
                let uri = format!("s3://{}/{}", queued.bucket, queued.key);
                dynamo::update(
                    &clients.dynamodb,
                    &self.catalog_table,
                    &catalog::mark_failed(&uri, FailedStage::Pipeline(Stage::A), reason),
                )
                .await?;
            }
            result
        })
        .await
    }

    async fn start(&self, clients: &Clients, queued: QueueAMessage, id: String) -> Result<(), String> {
        let input = StageAInput { message: queued, execution_id: id.clone() };
        let m = &input.message;
        let started = history::record_start(
            &NewExecution {
                id: &id,
                team: &m.team,
                pipeline: &m.pipeline,
                dataset: &m.dataset,
                stage: "a",
                status: history::status::STARTED,
                object: Some(&format!("s3://{}/{}", m.bucket, m.key)),
            },
            now_epoch_millis(),
        );
        dynamo::put(&clients.dynamodb, &self.history_table, &started).await?;
        let body = serde_json::to_string(&input).map_err(|e| e.to_string())?;
        let result =
            clients.sfn.start_execution().state_machine_arn(&self.state_machine_arn).name(&id).input(body).send().await;
        match result {
            Ok(_) => info!(execution = %id, object = %format!("s3://{}/{}", m.bucket, m.key), "stage A started"),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_execution_already_exists()) => {
                info!(execution = %id, "already started (a redelivered message)")
            }
            Err(e) => return Err(format!("starting stage A failed: {}", sdk_error(e))),
        }
        Ok(())
    }
}
