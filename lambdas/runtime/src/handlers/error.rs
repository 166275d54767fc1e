//! `error`: a failed execution's input → the stage's dead-letter queue (once: the state
//! machine invokes this from its Catch, not on every retry), and the catalog rows of the
//! objects it carried → `failed` with a reason a person can act on.

use crate::clients::sdk_error;
use aws_sdk_sqs::types::MessageAttributeValue;
use lambda_runtime::Error;
use sdlf_lambda_core::catalog;
use sdlf_lambda_core::messages::{ErrorInput, StageAInput, StageBInput};
use serde_json::{Value, json};
use tracing::warn;

use sdlf_lambda_core::contract::env::{ErrorEnv, Stage};
use sdlf_lambda_core::contract::status::FailedStage;

use crate::clients::{Clients, var};
use crate::dynamo;

pub struct ErrorHandler {
    dead_letter_queue_url: String,
    catalog_table: String,
    /// Which input shape the state machine passes.
    stage: Stage,
}

impl ErrorHandler {
    pub fn from_env() -> Result<ErrorHandler, String> {
        let env = ErrorEnv::from_vars(var).map_err(|e| e.to_string())?;
        Ok(ErrorHandler {
            dead_letter_queue_url: env.dead_letter_queue_url,
            catalog_table: env.catalog_table,
            stage: env.stage,
        })
    }

    pub async fn handle(&self, clients: &Clients, event: Value) -> Result<Value, Error> {
        let failure: ErrorInput =
            serde_json::from_value(event).map_err(|e| format!("not an error function input: {e}"))?;
        let reason = reason(&failure.error.error, &failure.error.cause);
        warn!(execution = %failure.execution, %reason, "execution failed");
        let attribute = |v: &str| MessageAttributeValue::builder().data_type("String").string_value(v).build();
        clients
            .sqs
            .send_message()
            .queue_url(&self.dead_letter_queue_url)
            .message_body(failure.input.to_string())
            .message_attributes("Error", attribute(non_empty(&failure.error.error))?)
            .message_attributes("Reason", attribute(non_empty(&reason))?)
            .message_attributes("Execution", attribute(non_empty(&failure.execution))?)
            .send()
            .await
            .map_err(|e| format!("sending the failed input to the dead-letter queue failed: {}", sdk_error(e)))?;
        // Dead-lettered first: if marking the rows fails, the input is already safe.
        for uri in self.objects(&failure.input) {
            // The row is the object: its reason need not name it again.
            let reason = reason.strip_prefix(&format!("{uri}: ")).unwrap_or(&reason);
            dynamo::update(
                &clients.dynamodb,
                &self.catalog_table,
                &catalog::mark_failed(&uri, FailedStage::Pipeline(self.stage), reason),
            )
            .await?;
        }
        Ok(json!({ "dead_lettered": true, "reason": reason }))
    }

    /// The raw objects (`s3://...`) the failed execution was about.
    fn objects(&self, input: &Value) -> Vec<String> {
        let uri = |bucket: &str, key: &str| format!("s3://{bucket}/{key}");
        if self.stage == Stage::A {
            serde_json::from_value::<StageAInput>(input.clone())
                .map(|i| vec![uri(&i.message.bucket, &i.message.key)])
                .unwrap_or_default()
        } else {
            serde_json::from_value::<StageBInput>(input.clone())
                .map(|i| i.messages.iter().map(|m| uri(&m.source.bucket, &m.source.key)).collect())
                .unwrap_or_default()
        }
    }
}

/// SQS refuses empty attribute values.
fn non_empty(text: &str) -> &str {
    if text.is_empty() { "-" } else { text }
}

/// The error as a person reads it: a Lambda failure's `errorMessage` (Step Functions wraps it
/// in a JSON `Cause`), else the error name and cause as they are.
pub fn reason(error: &str, cause: &str) -> String {
    if let Ok(Value::Object(c)) = serde_json::from_str::<Value>(cause)
        && let Some(Value::String(message)) = c.get("errorMessage")
    {
        return message.clone();
    }
    match (error.is_empty(), cause.is_empty()) {
        (_, false) if error.is_empty() => cause.to_owned(),
        (false, false) => format!("{error}: {cause}"),
        (false, true) => error.to_owned(),
        (true, true) => "the execution failed without saying why".to_owned(),
        (true, false) => cause.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lambda_failure_reads_as_its_message() {
        let cause = r#"{"errorMessage":"line 2: invalid JSON: EOF while parsing an object","errorType":"&str","stackTrace":[]}"#;
        assert_eq!(reason("&str", cause), "line 2: invalid JSON: EOF while parsing an object");
        assert_eq!(reason("States.Timeout", ""), "States.Timeout");
        assert_eq!(reason("Glue.Failed", "job failed"), "Glue.Failed: job failed");
        assert_eq!(reason("", ""), "the execution failed without saying why");
    }
}
