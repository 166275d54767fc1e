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

/// Whether this is the message's last delivery before its queue dead-letters it (`max` =
/// the queue's `maxReceiveCount`, set on the function as its `max_receive_count`): the moment to
/// say on the object's catalog row why it failed, so the catalog never keeps a row that only
/// the dead-letter queue could explain.
pub fn last_attempt(message: &SqsMessage, max: u32) -> bool {
    message.attributes.get("ApproximateReceiveCount").and_then(|n| n.parse::<u32>().ok()).is_some_and(|n| n >= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(count: Option<&str>) -> SqsMessage {
        let mut m = SqsMessage::default();
        if let Some(c) = count {
            m.attributes.insert("ApproximateReceiveCount".into(), c.into());
        }
        m
    }

    #[test]
    fn the_last_attempt_is_the_receive_that_reaches_the_limit() {
        assert!(!last_attempt(&message(Some("2")), 3));
        assert!(last_attempt(&message(Some("3")), 3));
        assert!(last_attempt(&message(Some("4")), 3));
        assert!(!last_attempt(&message(None), 3), "unknown: not the last");
    }
}
