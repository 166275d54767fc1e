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
use crate::stacks::baseline::Invocation;
use crate::stacks::constructs::{self, FunctionParts, FunctionSpec, arn};
use crate::stacks::context::{MAX_RECEIVE_COUNT, QUEUE_FUNCTION_TIMEOUT_SECONDS};
use crate::stacks::{BuildError, CatalogOutputs, Ctx, FoundationsOutputs};

/// The values this stack reads from the foundations stack.
struct Imports {
    key_arn: Expr,
    raw: Expr,
    stage: Expr,
    analytics: Expr,
    artifacts: Expr,
    catalog_table: Expr,
    dataset_config_table: Expr,
    pipeline_config_table: Expr,
    execution_history_table: Expr,
    catalog_queue: Expr,
    routing_queue: Expr,
    routing_queue_url: Expr,
}

impl Imports {
    /// Imported in this order, which is the order of the template's parameters.
    fn of(stack: &mut Stack, foundations: &FoundationsOutputs) -> Imports {
        Imports {
            key_arn: stack.import(&foundations.key_arn),
            raw: stack.import(&foundations.raw_bucket),
            stage: stack.import(&foundations.stage_bucket),
            analytics: stack.import(&foundations.analytics_bucket),
            artifacts: stack.import(&foundations.artifacts_bucket),
            catalog_table: stack.import(&foundations.catalog_table),
            dataset_config_table: stack.import(&foundations.dataset_config_table),
            pipeline_config_table: stack.import(&foundations.pipeline_config_table),
            execution_history_table: stack.import(&foundations.execution_history_table),
            catalog_queue: stack.import(&foundations.catalog_queue_arn),
            routing_queue: stack.import(&foundations.routing_queue_arn),
            routing_queue_url: stack.import(&foundations.routing_queue_url),
        }
    }
}

pub fn build(ctx: &Ctx, foundations: &FoundationsOutputs) -> Result<(Stack, CatalogOutputs), BuildError> {
    let n = &ctx.names;
    let mut stack =
        ctx.stack(n.catalog_stack(), "SDLF catalog: the lake's catalog, routing and config functions", None);
    let imports = Imports::of(&mut stack, foundations);

    let catalog = catalog_function(&mut stack, ctx, &imports)?;
    constructs::queue_trigger(&mut stack, "Catalog", &catalog, imports.catalog_queue.clone(), 10);
    let routing = routing_function(&mut stack, ctx, &imports)?;
    constructs::queue_trigger(&mut stack, "Routing", &routing, imports.routing_queue.clone(), 10);
    let config = config_function(&mut stack, ctx, &imports)?;

    let config_function_arn = stack.publish(
        "ConfigFunctionArnParameter",
        n.ssm("functions/ConfigFunctionArn"),
        config.function.arn(),
        "Service token of Custom::DatasetConfig and Custom::PipelineConfig",
    );
    Ok((stack, CatalogOutputs { config_function_arn }))
}

/// ARN of a table given its imported name.
fn table_arn(name: &Expr) -> Expr {
    constructs::table_arn(name.clone(), "")
}

/// A function of the lake's, on the lake key and the artifacts bucket, without a boundary.
fn lake_function(
    stack: &mut Stack,
    ctx: &Ctx,
    imports: &Imports,
    spec: LakeFunction,
) -> Result<FunctionParts, BuildError> {
    constructs::function(
        stack,
        ctx,
        FunctionSpec {
            id: spec.id,
            name: ctx.names.lake_resource(spec.resource.suffix()),
            description: spec.description.into(),
            memory_mb: spec.memory_mb,
            timeout_seconds: spec.timeout_seconds,
            env: spec.env,
            statements: spec.statements,
            key_arn: imports.key_arn.clone(),
            artifacts_bucket: imports.artifacts.clone(),
            permissions_boundary: None,
            invoked_by: spec.invoked_by,
            // The queue-fed functions' concurrency is the environment's: a flood of S3 events
            // must not take the account's whole pool.
            reserved_concurrency: (spec.invoked_by == Invocation::Queue).then_some(ctx.env.catalog_concurrency),
        },
    )
}

/// What differs between the lake's functions.
struct LakeFunction {
    id: &'static str,
    invoked_by: Invocation,
    resource: LakeResource,
    description: &'static str,
    memory_mb: i64,
    timeout_seconds: i64,
    env: FunctionVars<Expr>,
    statements: Vec<Statement>,
}

fn catalog_function(stack: &mut Stack, ctx: &Ctx, im: &Imports) -> Result<FunctionParts, BuildError> {
    let mut statements = Vec::new();
    statements.extend(constructs::consume_queue(im.catalog_queue.clone(), im.key_arn.clone()));
    statements.push(
        Statement::allow()
            .sid("MaintainCatalog")
            .actions(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"])
            .resource(table_arn(&im.catalog_table)),
    );
    statements.extend(constructs::send_to_queue(im.routing_queue.clone(), im.key_arn.clone()));
    lake_function(
        stack,
        ctx,
        im,
        LakeFunction {
            id: "Catalog",
            invoked_by: Invocation::Queue,
            resource: LakeResource::CatalogFunction,
            description: "Records every object of the data buckets in the catalog table; forwards new raw objects \
                          to the routing queue",
            memory_mb: 256,
            timeout_seconds: QUEUE_FUNCTION_TIMEOUT_SECONDS,
            env: FunctionVars::of(CatalogEnv {
                catalog_table: im.catalog_table.clone(),
                routing_queue_url: im.routing_queue_url.clone(),
                raw_bucket: im.raw.clone(),
                stage_bucket: im.stage.clone(),
                analytics_bucket: im.analytics.clone(),
            }),
            statements,
        },
    )
}

fn routing_function(stack: &mut Stack, ctx: &Ctx, im: &Imports) -> Result<FunctionParts, BuildError> {
    let mut statements = Vec::new();
    statements.extend(constructs::consume_queue(im.routing_queue.clone(), im.key_arn.clone()));
    statements.push(
        Statement::allow()
            .sid("ReadDatasetConfig")
            .action("dynamodb:GetItem")
            .resource(table_arn(&im.dataset_config_table)),
    );
    statements.push(
        Statement::allow().sid("MarkUnrouted").action("dynamodb:UpdateItem").resource(table_arn(&im.catalog_table)),
    );
    statements.push(
        Statement::allow()
            .sid("RecordExecutions")
            .actions(["dynamodb:PutItem", "dynamodb:UpdateItem"])
            .resource(table_arn(&im.execution_history_table)),
    );
    // Stage A queues (`sdlf-{team}-{pipeline}-queue-a`) belong to later stacks and are
    // encrypted with team keys the foundations cannot name: grant by name pattern, and the
    // keys of this account only through SQS.
    statements
        .push(Statement::allow().sid("SendToStageA").action("sqs:SendMessage").resource(arn("sqs", "sdlf-*-queue-a")));
    statements.push(
        Statement::allow()
            .sid("EncryptForStageA")
            .actions(["kms:GenerateDataKey", "kms:Decrypt"])
            .resource(arn("kms", "key/*"))
            .condition(Condition::string_equals("kms:ViaService", Expr::sub("sqs.${AWS::Region}.amazonaws.com"))),
    );
    lake_function(
        stack,
        ctx,
        im,
        LakeFunction {
            id: "Routing",
            invoked_by: Invocation::Queue,
            resource: LakeResource::RoutingFunction,
            description: "Routes new raw objects to their pipeline's stage A queue",
            memory_mb: 256,
            timeout_seconds: QUEUE_FUNCTION_TIMEOUT_SECONDS,
            env: FunctionVars::of(RoutingEnv {
                catalog_table: im.catalog_table.clone(),
                dataset_config_table: im.dataset_config_table.clone(),
                execution_history_table: im.execution_history_table.clone(),
                // The routing queue's receive limit: on the last delivery the object's row says why.
                max_receive_count: MAX_RECEIVE_COUNT,
            }),
            statements,
        },
    )
}

/// CloudFormation invokes a custom resource's function with the deploying principal's
/// credentials (same account), so no Lambda::Permission is needed.
fn config_function(stack: &mut Stack, ctx: &Ctx, im: &Imports) -> Result<FunctionParts, BuildError> {
    lake_function(
        stack,
        ctx,
        im,
        LakeFunction {
            id: "Config",
            invoked_by: Invocation::CustomResource,
            resource: LakeResource::ConfigFunction,
            description: "Custom resource provider: writes and deletes rows of the dataset and pipeline config tables",
            memory_mb: 128,
            timeout_seconds: 60,
            env: FunctionVars::of(ConfigEnv {
                dataset_config_table: im.dataset_config_table.clone(),
                pipeline_config_table: im.pipeline_config_table.clone(),
            }),
            statements: vec![
                Statement::allow()
                    .sid("WriteConfigRows")
                    .actions(["dynamodb:PutItem", "dynamodb:DeleteItem"])
                    .resources([table_arn(&im.dataset_config_table), table_arn(&im.pipeline_config_table)]),
            ],
        },
    )
}
