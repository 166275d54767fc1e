//! `redrive`: moves every message of a stage's dead-letter queue back to its queue (run by
//! hand, through `sdlf redrive`). Each message is sent before it is deleted from the
//! dead-letter queue: a failure in between duplicates a message, never loses one.

use aws_sdk_sqs::error::DisplayErrorContext;
use lambda_runtime::Error;
use serde_json::{Value, json};
use tracing::info;

use crate::clients::{Clients, env};

pub struct Redrive {
    queue_url: String,
    dead_letter_queue_url: String,
}

impl Redrive {
    pub fn from_env() -> Result<Redrive, String> {
        Ok(Redrive { queue_url: env("QUEUE_URL")?, dead_letter_queue_url: env("DEAD_LETTER_QUEUE_URL")? })
    }

    pub async fn handle(&self, clients: &Clients, _event: Value) -> Result<Value, Error> {
        let mut moved = 0u64;
        loop {
            let received = clients
                .sqs
                .receive_message()
                .queue_url(&self.dead_letter_queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .map_err(|e| format!("reading the dead-letter queue failed: {}", DisplayErrorContext(e)))?;
            let messages = received.messages();
            if messages.is_empty() {
                break;
            }
            for message in messages {
                clients
                    .sqs
                    .send_message()
                    .queue_url(&self.queue_url)
                    .message_body(message.body().unwrap_or_default())
                    .send()
                    .await
                    .map_err(|e| {
                        format!("sending back to the queue failed after {moved} moved: {}", DisplayErrorContext(e))
                    })?;
                if let Some(handle) = message.receipt_handle() {
                    clients
                        .sqs
                        .delete_message()
                        .queue_url(&self.dead_letter_queue_url)
                        .receipt_handle(handle)
                        .send()
                        .await
                        .map_err(|e| {
                            format!(
                                "deleting a moved dead letter failed after {moved} moved: {}",
                                DisplayErrorContext(e)
                            )
                        })?;
                }
                moved += 1;
            }
        }
        info!(moved, "redrive done");
        Ok(json!({ "moved": moved }))
    }
}
