//! Queue message counts, for the data-loss guard.

use std::sync::Arc;

use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::operation::get_queue_attributes::GetQueueAttributesError;
use aws_sdk_sqs::types::QueueAttributeName;
use sdlf_deploy::api::{ApiError, Queues};

use crate::CallCounter;

/// The counts summed: visible, in flight (received, not yet deleted) and delayed messages.
const COUNTS: [QueueAttributeName; 3] = [
    QueueAttributeName::ApproximateNumberOfMessages,
    QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
    QueueAttributeName::ApproximateNumberOfMessagesDelayed,
];

#[derive(Debug, Clone)]
pub struct Sqs {
    client: aws_sdk_sqs::Client,
    calls: Arc<CallCounter>,
}

impl Sqs {
    pub fn new(client: aws_sdk_sqs::Client, calls: Arc<CallCounter>) -> Sqs {
        Sqs { client, calls }
    }
}

/// The SDK's variant, or the code: `AWS.SimpleQueueService.NonExistentQueue` when SQS sends
/// its query-compatible code, `QueueDoesNotExist` (the JSON protocol's type) otherwise.
fn is_missing_queue(e: &SdkError<GetQueueAttributesError>) -> bool {
    e.as_service_error().is_some_and(|s| {
        s.is_queue_does_not_exist()
            || matches!(s.code(), Some("AWS.SimpleQueueService.NonExistentQueue" | "QueueDoesNotExist"))
    })
}

impl Queues for Sqs {
    async fn message_count(&self, queue_url: &str) -> Result<Option<u64>, ApiError> {
        self.calls.tick();
        let out = match self
            .client
            .get_queue_attributes()
            .queue_url(queue_url)
            .set_attribute_names(Some(COUNTS.to_vec()))
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if is_missing_queue(&e) => return Ok(None),
            Err(e) => return Err(crate::api_error("GetQueueAttributes", None, e)),
        };
        let mut total = 0u64;
        for name in &COUNTS {
            // A count missing from the answer is not zero: the guard must not guess.
            let n =
                out.attributes().and_then(|a| a.get(name)).and_then(|v| v.parse::<u64>().ok()).ok_or_else(|| {
                    ApiError {
                        operation: "GetQueueAttributes",
                        stack: None,
                        message: format!("queue {queue_url}: no {} in the answer", name.as_str()),
                        ..ApiError::default()
                    }
                })?;
            total += n;
        }
        Ok(Some(total))
    }
}
