//! `redrive`: takes the dead letters of a stage back into the pipeline (run by hand, through
//! `sdlf redrive`). Stage A: each message goes back to the stage A queue. Stage B: each
//! dead-lettered batch (a stage B input) starts a new execution, named after the dead letter's
//! message id. Either way the message is deleted from the dead-letter queue only after it is
//! back in the pipeline: a failure in between duplicates a message, never loses one.
//!
//! Only the dead letters that were there when the redrive started are moved: an object that
//! fails again comes back to the dead-letter queue while the redrive is still running, and
//! moving it again would loop until the function times out.

use crate::clients::sdk_error;
use aws_sdk_sqs::types::{Message, MessageSystemAttributeName};
use lambda_runtime::Error;
use serde_json::Value;
use tracing::info;

use sdlf_lambda_core::contract::env::{RedriveEnv, RedriveTarget};
use sdlf_lambda_core::contract::replies::RedriveReply;

use crate::clients::{Clients, now_epoch_millis, var};

pub struct Redrive {
    dead_letter_queue_url: String,
    target: RedriveTarget,
}

impl Redrive {
    pub fn from_env() -> Result<Redrive, String> {
        let env = RedriveEnv::from_vars(var).map_err(|e| e.to_string())?;
        Ok(Redrive { dead_letter_queue_url: env.dead_letter_queue_url, target: env.target })
    }

    pub async fn handle(&self, clients: &Clients, _event: Value) -> Result<Value, Error> {
        let started = now_epoch_millis();
        let (mut moved, mut left) = (0u64, 0u64);
        loop {
            let received = clients
                .sqs
                .receive_message()
                .queue_url(&self.dead_letter_queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
                .send()
                .await
                .map_err(|e| format!("reading the dead-letter queue failed: {}", sdk_error(e)))?;
            if received.messages().is_empty() {
                break;
            }
            let mut moved_any = false;
            for message in received.messages() {
                let handle = message.receipt_handle().unwrap_or_default();
                if sent_after(message, started) {
                    // Dead-lettered during this redrive: left for the next one.
                    self.release(clients, handle).await?;
                    left += 1;
                    continue;
                }
                self.send_back(clients, message).await.map_err(|e| format!("{e} (after {moved} moved)"))?;
                clients
                    .sqs
                    .delete_message()
                    .queue_url(&self.dead_letter_queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .map_err(|e| {
                        format!("deleting a moved dead letter failed after {moved} moved: {}", sdk_error(e))
                    })?;
                moved += 1;
                moved_any = true;
            }
            if !moved_any {
                break;
            }
        }
        info!(moved, left, "redrive done");
        Ok(serde_json::to_value(RedriveReply { moved })?)
    }

    async fn release(&self, clients: &Clients, handle: &str) -> Result<(), String> {
        clients
            .sqs
            .change_message_visibility()
            .queue_url(&self.dead_letter_queue_url)
            .receipt_handle(handle)
            .visibility_timeout(0)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| format!("releasing a new dead letter failed: {}", sdk_error(e)))
    }

    async fn send_back(&self, clients: &Clients, message: &Message) -> Result<(), String> {
        let body = message.body().unwrap_or_default();
        match &self.target {
            RedriveTarget::Queue(url) => clients
                .sqs
                .send_message()
                .queue_url(url)
                .message_body(body)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("sending back to the queue failed: {}", sdk_error(e))),
            RedriveTarget::StateMachine(arn) => {
                let name = message.message_id().ok_or("a dead letter without a message id")?;
                let mut input: Value =
                    serde_json::from_str(body).map_err(|e| format!("a stage B dead letter that is not JSON: {e}"))?;
                let Some(fields) = input.as_object_mut() else {
                    return Err(format!("dead letter {name} is not a stage B input (not a JSON object)"));
                };
                fields.insert("execution_id".to_owned(), Value::String(name.to_owned()));
                let result = clients
                    .sfn
                    .start_execution()
                    .state_machine_arn(arn)
                    .name(name)
                    .input(input.to_string())
                    .send()
                    .await;
                match result {
                    Ok(_) => Ok(()),
                    Err(e) if e.as_service_error().is_some_and(|s| s.is_execution_already_exists()) => Ok(()),
                    Err(e) => Err(format!("starting the batch again failed: {}", crate::clients::sdk_error(e))),
                }
            }
        }
    }
}

/// Whether SQS received `message` after `epoch_millis` (unknown counts as before: moved).
fn sent_after(message: &Message, epoch_millis: i64) -> bool {
    message
        .attributes()
        .and_then(|a| a.get(&MessageSystemAttributeName::SentTimestamp))
        .and_then(|t| t.parse::<i64>().ok())
        .is_some_and(|sent| sent > epoch_millis)
}
