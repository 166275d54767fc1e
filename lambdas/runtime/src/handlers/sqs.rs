//! SQS batches with partial failures: each message is processed on its own, and only the
//! failed ones are reported back (`ReportBatchItemFailures`), so they alone return to the
//! queue — and after the queue's receive limit, to its dead-letter queue.

use std::future::Future;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use lambda_runtime::Error;
use serde_json::{Value, json};
use tracing::warn;

pub async fn each_message<F, Fut>(event: Value, mut process: F) -> Result<Value, Error>
where
    F: FnMut(SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let event: SqsEvent = serde_json::from_value(event).map_err(|e| format!("not an SQS event: {e}"))?;
    let mut failures = Vec::new();
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        if let Err(reason) = process(message).await {
            warn!(message_id = %id, %reason, "message failed; it returns to the queue");
            failures.push(json!({ "itemIdentifier": id }));
        }
    }
    Ok(json!({ "batchItemFailures": failures }))
}
