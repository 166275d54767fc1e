//! The `bootstrap` of the heavy package's functions, picked by the function's `Handler`
//! setting: `stage-b-heavy` (the state machine's input in, [`sdlf_heavy::stage::run_stage_b`]
//! over S3, its output back) and `stage-b-publish` (a Glue batch's pending output described,
//! then published: [`sdlf_heavy::glue_batch`]).

use std::sync::Arc;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use sdlf_heavy::{Limits, context};
use sdlf_lambda_core::contract::env::{StageBHeavyEnv, StageBPublishEnv};
use sdlf_lambda_core::handler::{HEAVY_PACKAGE, Handler};
use sdlf_lambda_core::messages::{PublishRequest, PublishStep, StageBInput};
use serde_json::Value;
use tracing::info;

/// Lambda sets it to the function's memory setting.
const MEMORY_VAR: &str = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE";

/// The store of `bucket`: credentials and region from the function's environment (as
/// Lambda sets them), and the endpoint `AWS_ENDPOINT_URL` names (the `local` environment's
/// stacks set it), path-style and over plain HTTP if it says so, as an emulator needs.
fn s3_store(bucket: &str) -> sdlf_heavy::stage::Result<Arc<dyn ObjectStore>> {
    let endpoint = std::env::var(sdlf_lambda_core::contract::env::ENDPOINT_VARIABLE).ok().filter(|e| !e.is_empty());
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    if let Some(endpoint) = &endpoint {
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"))
            .with_virtual_hosted_style_request(false);
    }
    let store = builder.build().map_err(|e| {
        let at = endpoint.as_deref().unwrap_or("AWS");
        sdlf_heavy::stage::external(format!("no S3 client for bucket {bucket} at {at}: {e}"))
    })?;
    Ok(Arc::new(store))
}

async fn heavy(env: &StageBHeavyEnv, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let input: StageBInput = serde_json::from_value(event.payload).map_err(|e| format!("not a stage B input: {e}"))?;
    let memory_mb = std::env::var(MEMORY_VAR).ok().and_then(|m| m.parse().ok()).unwrap_or(1024);
    let ctx = context(&Limits::function(memory_mb))?;
    let output = sdlf_heavy::stage::run_stage_b(&ctx, &s3_store, &env.analytics_bucket, &input).await?;
    info!(
        execution = %input.execution_id,
        dataset = %format!("{}/{}", input.team, input.dataset),
        rows = output.rows,
        objects = output.objects.len(),
        passed = output.passed,
        quarantined = output.quarantined,
        "stage B batch transformed"
    );
    Ok(serde_json::to_value(output)?)
}

async fn publish(env: &StageBPublishEnv, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let request: PublishRequest =
        serde_json::from_value(event.payload).map_err(|e| format!("not a stage B publish request: {e}"))?;
    let input = &request.input;
    let store = s3_store(&env.analytics_bucket)?;
    let dataset = format!("{}/{}", input.team, input.dataset);
    match request.step {
        PublishStep::Describe => {
            let pending = sdlf_heavy::glue_batch::describe(&store, &env.analytics_bucket, input).await?;
            let partitions: usize = pending.partition_calls.iter().map(Vec::len).sum();
            info!(execution = %input.execution_id, %dataset, table = pending.table.is_some(), partitions, "pending output described");
            Ok(serde_json::to_value(pending)?)
        }
        PublishStep::Publish => {
            let output = sdlf_heavy::glue_batch::publish_batch(&store, input).await?;
            info!(
                execution = %input.execution_id,
                %dataset,
                rows = output.rows,
                objects = output.objects.len(),
                passed = output.passed,
                quarantined = output.quarantined,
                "stage B batch published"
            );
            Ok(serde_json::to_value(output)?)
        }
    }
}

/// What this process serves.
enum App {
    Heavy(StageBHeavyEnv),
    Publish(StageBPublishEnv),
}

impl App {
    fn init() -> Result<App, String> {
        let var = |name: &str| std::env::var(name).ok();
        let name = std::env::var("_HANDLER").unwrap_or_default();
        match Handler::from_name(&name) {
            Some(Handler::StageBHeavy) => Ok(App::Heavy(StageBHeavyEnv::from_vars(var).map_err(|e| e.to_string())?)),
            Some(Handler::StageBPublish) => {
                Ok(App::Publish(StageBPublishEnv::from_vars(var).map_err(|e| e.to_string())?))
            }
            _ => {
                let known: Vec<&str> =
                    Handler::ALL.iter().filter(|h| h.package() == HEAVY_PACKAGE).map(|h| h.name()).collect();
                Err(format!(
                    "unknown handler `{name}` (the function's Handler setting); this package serves {}",
                    known.join(", ")
                ))
            }
        }
    }

    async fn handle(&self, event: LambdaEvent<Value>) -> Result<Value, Error> {
        match self {
            App::Heavy(env) => heavy(env, event).await,
            App::Publish(env) => publish(env, event).await,
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    // JSON when the function's LoggingConfig says so (the stacks set JSON), text otherwise.
    lambda_runtime::tracing::init_default_subscriber();
    let app = App::init()?;
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move { app.handle(event).await })).await
}
