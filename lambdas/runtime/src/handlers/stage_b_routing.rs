//! `stage-b-routing`: invoked by a dataset's schedule; drains up to `MaxItems` messages of the
//! dataset's stage B queue and, with at least `MinItems`, starts stage B's state machine on
//! the batch. Messages are deleted only once the execution has started (the original
//! framework deleted them on receipt and could lose a batch); the plan is the core's
//! ([`sdlf_lambda_core::batch`]).

use crate::clients::sdk_error;
use aws_sdk_sqs::types::QueueAttributeName;
use lambda_runtime::Error;
use sdlf_lambda_core::batch::{self, BatchContext, BatchPlan};
use sdlf_lambda_core::contract::config::DatasetConfig;
use sdlf_lambda_core::history::{self, NewExecution};
use sdlf_lambda_core::messages::{QueueBMessage, ScheduleInput};
use serde_json::Value;
use tracing::{info, warn};

use sdlf_lambda_core::contract::env::StageBRoutingEnv;
use sdlf_lambda_core::contract::replies::StageBReply;

use crate::clients::{Clients, now_epoch_millis, var};
use crate::dynamo;

pub struct StageBRouting {
    state_machine_arn: String,
    config_table: String,
    history_table: String,
    stage_bucket: String,
    analytics_bucket: String,
}

/// A received message: its receipt handle and its body, read.
struct Received {
    handle: String,
    /// The SQS message id.
    id: String,
    message: QueueBMessage,
}

impl StageBRouting {
    pub fn from_env() -> Result<StageBRouting, String> {
        let env = StageBRoutingEnv::from_vars(var).map_err(|e| e.to_string())?;
        Ok(StageBRouting {
            state_machine_arn: env.state_machine_arn,
            config_table: env.dataset_config_table,
            history_table: env.execution_history_table,
            stage_bucket: env.stage_bucket,
            analytics_bucket: env.analytics_bucket,
        })
    }

    pub async fn handle(&self, clients: &Clients, event: Value) -> Result<Value, Error> {
        let schedule: ScheduleInput =
            serde_json::from_value(event).map_err(|e| format!("not a stage B schedule input: {e}"))?;
        let dataset = format!("{}/{}", schedule.team, schedule.dataset);
        let row = dynamo::get(&clients.dynamodb, &self.config_table, "dataset", &dataset)
            .await?
            .ok_or_else(|| format!("no dataset-config row for {dataset}: deploy the dataset stack"))?;
        let config = DatasetConfig::from_item(&dataset, &row).map_err(|e| e.to_string())?;
        let bounds = config.batch_bounds().map_err(|e| e.to_string())?;
        // Before receiving anything: a mismatch must not hold the queue's messages.
        batch::check_schedule(&schedule, &config).map_err(|e| e.to_string())?;
        let queue = config.stage_b_queue_url.clone();
        // Every receive counts towards the queue's dead-letter limit, also for messages that are
        // only released again: so look at the queue's depth first, and receive only when a batch
        // can start.
        let queued = self.queued(clients, &queue).await?;
        if let BatchPlan::Wait { have, need } = batch::plan(queued, bounds) {
            info!(%dataset, have, need, "waiting for more objects");
            return reply(StageBReply::waiting(have as u64, need as u64));
        }

        let mut received: Vec<Received> = Vec::new();
        while let Some(count) = batch::next_receive_count(received.len(), bounds) {
            let out = clients
                .sqs
                .receive_message()
                .queue_url(&queue)
                .max_number_of_messages(i32::try_from(count).unwrap_or(10))
                // Long polling: a short poll may miss messages of a small queue.
                .wait_time_seconds(1)
                .send()
                .await
                .map_err(|e| format!("reading stage B queue {queue} failed: {}", sdk_error(e)))?;
            if out.messages().is_empty() {
                break;
            }
            for m in out.messages() {
                let handle = m.receipt_handle().unwrap_or_default().to_owned();
                let id = m.message_id().unwrap_or_default().to_owned();
                match serde_json::from_str::<QueueBMessage>(m.body().unwrap_or_default()) {
                    Ok(message) => received.push(Received { handle, id, message }),
                    // Left alone: after the queue's receive limit it reaches the dead-letter queue.
                    Err(e) => warn!(message_id = %id, error = %e, "not a stage B message"),
                }
            }
        }

        let take = match batch::plan(received.len(), bounds) {
            BatchPlan::Wait { have, need } => {
                self.release(clients, &queue, received.iter().map(|r| r.handle.as_str())).await?;
                info!(%dataset, have, need, "waiting for more objects");
                return reply(StageBReply::waiting(have as u64, need as u64));
            }
            BatchPlan::Start { take } => take,
        };
        let rest = received.split_off(take);
        self.release(clients, &queue, rest.iter().map(|r| r.handle.as_str())).await?;
        let messages: Vec<QueueBMessage> = received.iter().map(|r| r.message.clone()).collect();
        let ids: Vec<&str> = received.iter().map(|r| r.id.as_str()).collect();
        let execution_id = batch::execution_id(&ids);
        let context = BatchContext {
            schedule: &schedule,
            config: &config,
            execution_id: &execution_id,
            stage_bucket: &self.stage_bucket,
            analytics_bucket: &self.analytics_bucket,
        };
        let plan = batch::build(&context, &messages).map_err(|e| e.to_string())?;
        if let Some(start) = &plan.start {
            self.start(clients, &config, start).await?;
        }
        // Only now: the execution holds the batch.
        for &i in &plan.consumed {
            clients
                .sqs
                .delete_message()
                .queue_url(&queue)
                .receipt_handle(&received[i].handle)
                .send()
                .await
                .map_err(|e| format!("deleting a batched message failed: {}", sdk_error(e)))?;
        }
        self.release(clients, &queue, plan.released.iter().map(|&i| received[i].handle.as_str())).await?;
        info!(%dataset, execution = %execution_id, objects = plan.consumed.len(), "stage B started");
        let started = plan.start.is_some();
        reply(StageBReply {
            started,
            execution_id: started.then_some(execution_id),
            messages: plan.consumed.len() as u64,
            ..StageBReply::default()
        })
    }

    async fn start(&self, clients: &Clients, config: &DatasetConfig, start: &batch::StageBStart) -> Result<(), String> {
        if let Some(manifest) = &start.manifest {
            clients
                .s3
                .put_object()
                .bucket(&manifest.bucket)
                .key(&manifest.key)
                .body(manifest.body.clone().into_bytes().into())
                .content_type("application/json")
                .send()
                .await
                .map_err(|e| {
                    format!("writing the batch manifest {} failed: {}", manifest.key, crate::clients::sdk_error(e))
                })?;
        }
        let id = &start.input.execution_id;
        let row = history::record_start(
            &NewExecution {
                id,
                team: &config.team,
                pipeline: &config.pipeline,
                dataset: &config.dataset,
                stage: "b",
                status: history::status::STARTED,
                object: None,
            },
            now_epoch_millis(),
        );
        dynamo::put(&clients.dynamodb, &self.history_table, &row).await?;
        let input = serde_json::to_string(&start.input).map_err(|e| e.to_string())?;
        let result =
            clients.sfn.start_execution().state_machine_arn(&self.state_machine_arn).name(id).input(input).send().await;
        match result {
            Ok(_) => Ok(()),
            // The same messages, so the same batch: it ran or runs already.
            Err(e) if e.as_service_error().is_some_and(|s| s.is_execution_already_exists()) => Ok(()),
            Err(e) => Err(format!("starting stage B failed: {}", crate::clients::sdk_error(e))),
        }
    }

    /// Messages waiting in the queue (visible ones: in-flight ones belong to a running receive).
    async fn queued(&self, clients: &Clients, queue: &str) -> Result<usize, String> {
        let out = clients
            .sqs
            .get_queue_attributes()
            .queue_url(queue)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .map_err(|e| format!("reading the depth of stage B queue {queue} failed: {}", sdk_error(e)))?;
        Ok(out
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::ApproximateNumberOfMessages))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0))
    }

    /// Makes messages visible again at once (instead of after the queue's visibility timeout).
    async fn release<'a>(
        &self,
        clients: &Clients,
        queue: &str,
        handles: impl Iterator<Item = &'a str>,
    ) -> Result<(), String> {
        for handle in handles {
            clients
                .sqs
                .change_message_visibility()
                .queue_url(queue)
                .receipt_handle(handle)
                .visibility_timeout(0)
                .send()
                .await
                .map_err(|e| format!("releasing a message failed: {}", sdk_error(e)))?;
        }
        Ok(())
    }
}

fn reply(reply: StageBReply) -> Result<Value, Error> {
    Ok(serde_json::to_value(reply)?)
}
