//! The running lake, as `sdlf run` and `sdlf redrive` see it: functions to invoke, the catalog
//! to read, objects to drop into the raw bucket and list, state machine executions.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use sdlf_deploy::api::ApiError;
use serde_dynamo::AttributeValue;

use crate::{CallCounter, api_error};

#[derive(Debug, Clone)]
pub struct Lake {
    dynamodb: aws_sdk_dynamodb::Client,
    lambda: aws_sdk_lambda::Client,
    sfn: aws_sdk_sfn::Client,
    s3: aws_sdk_s3::Client,
    calls: Arc<CallCounter>,
}

/// A row of a table, its string and number attributes as text (what a report shows).
pub type Row = BTreeMap<String, String>;

/// A DynamoDB item as a [`Row`]. The values go through `serde_dynamo`'s SDK conversion into its
/// `AttributeValue` (the lake functions' item type, converted the same way by the runtime), so
/// the CLI and the functions read the table alike. Numbers stay DynamoDB's decimal text: a
/// detour through JSON numbers would round its 38 digits to an `f64`'s.
fn row(item: HashMap<String, aws_sdk_dynamodb::types::AttributeValue>) -> Row {
    item.into_iter()
        .filter_map(|(name, value)| match AttributeValue::from(value) {
            AttributeValue::S(text) | AttributeValue::N(text) => Some((name, text)),
            _ => None,
        })
        .collect()
}

/// An object of a bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub key: String,
    pub size: u64,
}

/// A state machine execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    pub name: String,
    pub status: String,
    /// Milliseconds since the Unix epoch.
    pub started_millis: i64,
}

impl Lake {
    pub(crate) fn new(config: &aws_config::SdkConfig, s3: aws_sdk_s3::Client, calls: Arc<CallCounter>) -> Lake {
        Lake {
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            lambda: aws_sdk_lambda::Client::new(config),
            sfn: aws_sdk_sfn::Client::new(config),
            s3,
            calls,
        }
    }

    /// Invokes `function` synchronously with `payload`; its answer, or the function's own
    /// error message.
    pub async fn invoke(&self, function: &str, payload: &serde_json::Value) -> Result<serde_json::Value, ApiError> {
        self.calls.tick();
        let out = self
            .lambda
            .invoke()
            .function_name(function)
            .payload(aws_sdk_lambda::primitives::Blob::new(payload.to_string()))
            .send()
            .await
            .map_err(|e| api_error("Invoke", None, e))?;
        let body = out.payload().map(|b| b.as_ref().to_vec()).unwrap_or_default();
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        if let Some(kind) = out.function_error() {
            let message = answer.get("errorMessage").and_then(|m| m.as_str()).unwrap_or("no message");
            return Err(ApiError {
                operation: "Invoke",
                stack: None,
                message: format!("function {function} failed ({kind}): {message}"),
                ..ApiError::default()
            });
        }
        Ok(answer)
    }

    /// Every row of `table` (all pages).
    pub async fn scan(&self, table: &str) -> Result<Vec<Row>, ApiError> {
        let mut rows = Vec::new();
        // Pages, not `.items()`: every page is one call to count.
        let mut pages = self.dynamodb.scan().table_name(table).into_paginator().send();
        while let Some(page) = pages.next().await {
            self.calls.tick();
            let page = page.map_err(|e| api_error("Scan", None, e))?;
            rows.extend(page.items.unwrap_or_default().into_iter().map(row));
        }
        Ok(rows)
    }

    pub async fn put_object(&self, bucket: &str, key: &str, body: Vec<u8>) -> Result<(), ApiError> {
        self.calls.tick();
        self.s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(body.into())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("PutObject", None, e))
    }

    /// The objects of `bucket` under `prefix` (all pages).
    pub async fn list_objects(&self, bucket: &str, prefix: &str) -> Result<Vec<Object>, ApiError> {
        let mut objects = Vec::new();
        // Pages, not `.items()`: every page is one call to count.
        let mut pages = self.s3.list_objects_v2().bucket(bucket).prefix(prefix).into_paginator().send();
        while let Some(page) = pages.next().await {
            self.calls.tick();
            let page = page.map_err(|e| api_error("ListObjectsV2", None, e))?;
            objects.extend(page.contents().iter().map(|o| Object {
                key: o.key().unwrap_or_default().to_owned(),
                size: o.size().and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
            }));
            // The paginator follows any continuation token; a page that says it is the last one
            // ends the listing even if it carries one (as the S3 API defines it).
            if page.is_truncated() != Some(true) {
                break;
            }
        }
        Ok(objects)
    }

    /// The executions of the state machine named `name` (newest first, one page).
    pub async fn executions(&self, name: &str) -> Result<Vec<Execution>, ApiError> {
        let Some(arn) = self.state_machine_arn(name).await? else { return Ok(Vec::new()) };
        self.calls.tick();
        let out = self
            .sfn
            .list_executions()
            .state_machine_arn(arn)
            .send()
            .await
            .map_err(|e| api_error("ListExecutions", None, e))?;
        Ok(out
            .executions()
            .iter()
            .map(|e| Execution {
                name: e.name().to_owned(),
                status: e.status().as_str().to_owned(),
                started_millis: e.start_date().to_millis().unwrap_or(0),
            })
            .collect())
    }

    /// The ARN of the state machine named `name`, looking through every page of the listing.
    async fn state_machine_arn(&self, name: &str) -> Result<Option<String>, ApiError> {
        let mut pages = self.sfn.list_state_machines().into_paginator().send();
        while let Some(page) = pages.next().await {
            self.calls.tick();
            let page = page.map_err(|e| api_error("ListStateMachines", None, e))?;
            if let Some(machine) = page.state_machines().iter().find(|m| m.name() == name) {
                return Ok(Some(machine.state_machine_arn().to_owned()));
            }
        }
        Ok(None)
    }
}
