//! The catalog stack: one per environment, right after the foundations. It holds the lake's
//! own functions — `catalog`, `routing` and `config` — and feeds the foundations' queues to
//! them.
//!
//! Why not in the foundations stack: a function's package must be in the artifacts bucket
//! before CloudFormation creates the function, and that bucket is the foundations'. Deploying
//! the foundations first lets the deploy upload the packages in between.
//!
//! # Functions (`sdlf-{env}-{name}`, handler `{name}`)
//!
//! - `catalog`: fed by the catalog queue (S3 notification events, batch 10). Env
//!   `CATALOG_TABLE`, `ROUTING_QUEUE_URL`, `RAW_BUCKET`, `STAGE_BUCKET`, `ANALYTICS_BUCKET`.
//!   Sends each `ObjectCreated` record of the raw bucket to the routing queue (one S3 event
//!   record per message): S3 sends an event to one destination per event type, and an SQS
//!   message goes to one of its consumers, so the fan-out from one raw object to both the
//!   catalog and a pipeline goes through this function.
//! - `routing`: fed by the routing queue. Looks the object's dataset up in `dataset-config`,
//!   records the execution in `execution-history`, sends to the pipeline's stage A queue; an
//!   object no dataset claims is marked `unrouted` with the reason in the catalog. Env
//!   `CATALOG_TABLE`, `DATASET_CONFIG_TABLE`, `EXECUTION_HISTORY_TABLE`.
//! - `config`: the custom-resource provider. Env `DATASET_CONFIG_TABLE`, `PIPELINE_CONFIG_TABLE`.
//!
//! The tables' row shapes are documented with the foundations stack.
//!
//! # Published (`/sdlf/{env}/…`)
//!
//! `functions/ConfigFunctionArn`.

use sdlf_cfn::Expr;
use sdlf_lambda_core::contract::env::{CatalogEnv, ConfigEnv, FunctionVars, RoutingEnv};
use sdlf_lambda_core::contract::resources::LakeResource;
use sdlf_policy::{Condition, Statement};

use crate::stack::Stack;
use crate::stacks::constructs::{self, FunctionSpec, arn};
use crate::stacks::{BuildError, CatalogOutputs, Ctx, FoundationsOutputs};

/// Timeout of the catalog and routing functions; the foundations size their queues'
/// visibility for it (6×, as AWS recommends for Lambda event sources).
pub const QUEUE_FUNCTION_TIMEOUT_SECONDS: i64 = 60;

pub fn build(ctx: &Ctx, foundations: &FoundationsOutputs) -> Result<(Stack, CatalogOutputs), BuildError> {
    let n = &ctx.names;
    let mut stack =
        ctx.stack(n.catalog_stack(), "SDLF catalog: the lake's catalog, routing and config functions", None);
    let key_arn = stack.import(&foundations.key_arn);
    let raw = stack.import(&foundations.raw_bucket);
    let stage = stack.import(&foundations.stage_bucket);
    let analytics = stack.import(&foundations.analytics_bucket);
    let artifacts = stack.import(&foundations.artifacts_bucket);
    let catalog_table = stack.import(&foundations.catalog_table);
    let dataset_config_table = stack.import(&foundations.dataset_config_table);
    let pipeline_config_table = stack.import(&foundations.pipeline_config_table);
    let execution_history_table = stack.import(&foundations.execution_history_table);
    let catalog_queue = stack.import(&foundations.catalog_queue_arn);
    let routing_queue = stack.import(&foundations.routing_queue_arn);
    let routing_queue_url = stack.import(&foundations.routing_queue_url);
    let table_arn = |name: &Expr| constructs::table_arn(name.clone(), "");

    let mut catalog_statements = Vec::new();
    catalog_statements.extend(constructs::consume_queue(catalog_queue.clone(), key_arn.clone()));
    catalog_statements.push(
        Statement::allow()
            .sid("MaintainCatalog")
            .actions(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"])
            .resource(table_arn(&catalog_table)),
    );
    catalog_statements.extend(constructs::send_to_queue(routing_queue.clone(), key_arn.clone()));
    let catalog = constructs::function(
        &mut stack,
        ctx,
        FunctionSpec {
            id: "Catalog",
            name: n.lake_resource(LakeResource::CatalogFunction.suffix()),
            description: "Records every object of the data buckets in the catalog table; forwards new raw objects \
                          to the routing queue"
                .into(),
            memory_mb: 256,
            timeout_seconds: QUEUE_FUNCTION_TIMEOUT_SECONDS,
            env: FunctionVars::of(CatalogEnv {
                catalog_table: catalog_table.clone(),
                routing_queue_url: routing_queue_url.clone(),
                raw_bucket: raw.clone(),
                stage_bucket: stage.clone(),
                analytics_bucket: analytics.clone(),
            }),
            statements: catalog_statements,
            key_arn: key_arn.clone(),
            artifacts_bucket: artifacts.clone(),
            permissions_boundary: None,
        },
    )?;
    constructs::queue_trigger(&mut stack, "Catalog", &catalog.function, catalog_queue.clone(), 10);

    let mut routing_statements = Vec::new();
    routing_statements.extend(constructs::consume_queue(routing_queue.clone(), key_arn.clone()));
    routing_statements.push(
        Statement::allow()
            .sid("ReadDatasetConfig")
            .action("dynamodb:GetItem")
            .resource(table_arn(&dataset_config_table)),
    );
    routing_statements
        .push(Statement::allow().sid("MarkUnrouted").action("dynamodb:UpdateItem").resource(table_arn(&catalog_table)));
    routing_statements.push(
        Statement::allow()
            .sid("RecordExecutions")
            .actions(["dynamodb:PutItem", "dynamodb:UpdateItem"])
            .resource(table_arn(&execution_history_table)),
    );
    // Stage A queues (`sdlf-{team}-{pipeline}-queue-a`) belong to later stacks and are
    // encrypted with team keys the foundations cannot name: grant by name pattern, and the
    // keys of this account only through SQS.
    routing_statements
        .push(Statement::allow().sid("SendToStageA").action("sqs:SendMessage").resource(arn("sqs", "sdlf-*-queue-a")));
    routing_statements.push(
        Statement::allow()
            .sid("EncryptForStageA")
            .actions(["kms:GenerateDataKey", "kms:Decrypt"])
            .resource(arn("kms", "key/*"))
            .condition(Condition::string_equals("kms:ViaService", Expr::sub("sqs.${AWS::Region}.amazonaws.com"))),
    );
    let routing = constructs::function(
        &mut stack,
        ctx,
        FunctionSpec {
            id: "Routing",
            name: n.lake_resource(LakeResource::RoutingFunction.suffix()),
            description: "Routes new raw objects to their pipeline's stage A queue".into(),
            memory_mb: 256,
            timeout_seconds: QUEUE_FUNCTION_TIMEOUT_SECONDS,
            env: FunctionVars::of(RoutingEnv {
                catalog_table: catalog_table.clone(),
                dataset_config_table: dataset_config_table.clone(),
                execution_history_table: execution_history_table.clone(),
                // The routing queue's receive limit: on the last delivery the object's row says why.
                max_receive_count: crate::stacks::foundations::MAX_RECEIVE_COUNT as u32,
            }),
            statements: routing_statements,
            key_arn: key_arn.clone(),
            artifacts_bucket: artifacts.clone(),
            permissions_boundary: None,
        },
    )?;
    constructs::queue_trigger(&mut stack, "Routing", &routing.function, routing_queue.clone(), 10);

    // CloudFormation invokes a custom resource's function with the deploying principal's
    // credentials (same account), so no Lambda::Permission is needed.
    let config = constructs::function(
        &mut stack,
        ctx,
        FunctionSpec {
            id: "Config",
            name: n.lake_resource(LakeResource::ConfigFunction.suffix()),
            description: "Custom resource provider: writes and deletes rows of the dataset and pipeline config tables"
                .into(),
            memory_mb: 128,
            timeout_seconds: 60,
            env: FunctionVars::of(ConfigEnv {
                dataset_config_table: dataset_config_table.clone(),
                pipeline_config_table: pipeline_config_table.clone(),
            }),
            statements: vec![
                Statement::allow()
                    .sid("WriteConfigRows")
                    .actions(["dynamodb:PutItem", "dynamodb:DeleteItem"])
                    .resources([table_arn(&dataset_config_table), table_arn(&pipeline_config_table)]),
            ],
            key_arn: key_arn.clone(),
            artifacts_bucket: artifacts.clone(),
            permissions_boundary: None,
        },
    )?;

    let config_function_arn = stack.publish(
        "ConfigFunctionArnParameter",
        n.ssm("functions/ConfigFunctionArn"),
        config.function.arn(),
        "Service token of Custom::DatasetConfig and Custom::PipelineConfig",
    );
    Ok((stack, CatalogOutputs { config_function_arn }))
}
