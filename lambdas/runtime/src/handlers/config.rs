//! `config`: the custom-resource provider of the dataset and pipeline config rows.
//!
//! Whatever happens, CloudFormation gets an answer: a request that cannot be read or a write
//! that fails is answered FAILED with the reason, so the stack fails fast and says why
//! instead of waiting for its timeout.

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_runtime::Error;
use sdlf_lambda_core::config_row::{self, Action};
use sdlf_lambda_core::messages::CustomResourceRequest as Request;
use serde_json::Value;
use tracing::{info, warn};

use crate::clients::Clients;
use crate::dynamo::item_to_sdk;

pub async fn handle(clients: &Clients, payload: Value) -> Result<Value, Error> {
    let request: Request = match serde_json::from_value(payload.clone()) {
        Ok(request) => request,
        Err(e) => return answer_unreadable(&payload, &e.to_string()).await,
    };
    let outcome = match config_row::decide(&request) {
        Ok((action, id)) => apply(clients, &action).await.map(|()| id),
        Err(reason) => Err(reason),
    };
    if let Err(reason) = &outcome {
        warn!(request = ?request.request_type, resource = %request.logical_resource_id, %reason, "config row failed");
    } else {
        info!(request = ?request.request_type, resource = %request.logical_resource_id, "config row done");
    }
    let response = config_row::response(&request, outcome);
    let body = serde_json::to_vec(&response)?;
    put(&request.response_url, body).await?;
    Ok(serde_json::to_value(&response)?)
}

/// A request that does not parse is still answered FAILED when it names where to answer:
/// otherwise CloudFormation waits for the resource's whole timeout.
async fn answer_unreadable(payload: &Value, problem: &str) -> Result<Value, Error> {
    let text = |name: &str| payload.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    let reason = format!("not a CloudFormation custom-resource request the config function reads: {problem}");
    let url = text("ResponseURL");
    if url.is_empty() {
        return Err(reason.into());
    }
    let logical = text("LogicalResourceId");
    let physical = payload.get("PhysicalResourceId").and_then(Value::as_str).map_or(logical.clone(), str::to_owned);
    let answer = serde_json::json!({
        "Status": "FAILED",
        "Reason": reason,
        "PhysicalResourceId": physical,
        "StackId": text("StackId"),
        "RequestId": text("RequestId"),
        "LogicalResourceId": logical,
    });
    put(&url, serde_json::to_vec(&answer)?).await?;
    Err(reason.into())
}

async fn apply(clients: &Clients, action: &Action) -> Result<(), String> {
    match action {
        Action::Put { table, item } => clients
            .dynamodb
            .put_item()
            .table_name(table)
            .set_item(Some(item_to_sdk(item)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| format!("writing the row to table {table} failed: {}", crate::clients::sdk_error(e))),
        Action::Delete { table, key_attribute, key } => {
            let result = clients
                .dynamodb
                .delete_item()
                .table_name(table)
                .key(*key_attribute, AttributeValue::S(key.clone()))
                .send()
                .await;
            match result {
                Ok(_) => Ok(()),
                // The table is gone with its rows (the foundations were deleted first): the
                // row is gone too, and failing would leave this stack undeletable.
                Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(()),
                Err(e) => Err(format!("deleting row {key} of table {table} failed: {}", crate::clients::sdk_error(e))),
            }
        }
        Action::Nothing => Ok(()),
    }
}

/// PUT the answer to the presigned `ResponseURL` (S3 in AWS, the emulator's own endpoint
/// locally). The presigned URL is signed without a content type, so none is sent.
pub async fn put(url: &str, body: Vec<u8>) -> Result<(), Error> {
    use http_body_util::Full;
    use hyper::body::Bytes;
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;

    // The crypto provider named, not left to rustls' default: that default is ambiguous (a
    // panic) in a build whose dependencies enable ring as well, as the host build for the
    // emulator does (it shares the command line's features: infra/unify).
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider)?
        .https_or_http()
        .enable_http1()
        .build();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(https);
    let length = body.len();
    let request = hyper::Request::put(url)
        .header("content-type", "")
        .header("content-length", length)
        .body(Full::new(Bytes::from(body)))?;
    let response = client.request(request).await?;
    if !response.status().is_success() {
        return Err(format!("CloudFormation's response URL answered {}", response.status()).into());
    }
    Ok(())
}
