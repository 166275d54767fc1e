//! Stage A: the light transform, one state machine execution per raw object.

use sdlf_asl::{Catch, Choice, Condition, Fail, Field, ResultPath, Retry, StateMachine, Succeed, Task, resource};
use sdlf_cfn::{Expr, Handle};
use sdlf_cfn_types::{sqs, stepfunctions};
use sdlf_lambda_core::catalog::StatusUpdate;
use sdlf_lambda_core::contract::env::{FunctionVars, RedriveTarget, Stage, StageARoutingEnv, StageATransformEnv};
use sdlf_lambda_core::contract::layout::CATALOG_TABLE;
use sdlf_lambda_core::contract::resources::PipelineResource;
use sdlf_lambda_core::contract::status::CatalogStatus;
use sdlf_policy::Statement;
use serde_json::json;

use super::{Builder, FunctionDef, objects_key, recovery, tables_key};
use crate::names::{Layer, longest_pipeline_queue, team_prefix};
use crate::stack::Stack;
use crate::stacks::BuildError;
use crate::stacks::constructs::{self, FunctionParts, QueueSpec, Queues, s3_arn, table_arn};

/// Native DynamoDB `UpdateItem` from a state machine.
pub(super) const DYNAMODB_UPDATE_ITEM: &str = "arn:aws:states:::dynamodb:updateItem";

/// Routing reads at most this long; the queue hides a message for six times as long, as AWS
/// advises for Lambda event sources.
const ROUTING_TIMEOUT_SECONDS: i64 = 60;

/// The longest a stage A execution may run: the transform's 15-minute maximum with room for
/// retries of the Lambda service.
const MACHINE_TIMEOUT_SECONDS: u32 = 3600;

pub(super) struct StageA {
    pub queue: Handle<sqs::Queue>,
    pub dead_letter: Handle<sqs::Queue>,
    pub machine: Handle<stepfunctions::StateMachine>,
}

pub(super) fn build(b: &mut Builder, stack: &mut Stack) -> Result<StageA, BuildError> {
    let Queues { queue, dead_letter, .. } = queues(b, stack)?;
    let transform = transform_function(b, stack)?;
    let error = recovery::error_function(b, stack, Stage::A, "a failed execution's input", &dead_letter)?;
    let team_key = b.imports.team_key.clone();
    let back_to_queue = constructs::send_to_queue(queue.arn(), team_key);
    let target = RedriveTarget::Queue(queue.reference());
    let does = "moves dead letters back to the queue";
    recovery::redrive_function(b, stack, Stage::A, does, &dead_letter, target, back_to_queue)?;
    let machine = state_machine(b, stack, &transform, &error)?;
    let routing = routing_function(b, stack, &queue, &machine)?;
    constructs::queue_trigger(stack, "StageARouting", &routing, queue.arn(), 10);
    Ok(StageA { queue, dead_letter, machine })
}

/// Queue A and its dead-letter queue, on the team key.
fn queues(b: &Builder, stack: &mut Stack) -> Result<Queues, BuildError> {
    // The dead-letter queue's name is the longest queue name the name checks allow for.
    b.name(stack, PipelineResource::DeadLetterA.suffix(), longest_pipeline_queue())?;
    constructs::queue_with_dlq(
        stack,
        QueueSpec {
            id: "StageA",
            name: b.name(stack, PipelineResource::QueueA.suffix(), longest_pipeline_queue())?,
            key_arn: b.imports.team_key.clone(),
            visibility_timeout_seconds: 6 * ROUTING_TIMEOUT_SECONDS,
            max_receive_count: b.pipeline.stage_a.max_receive_count,
            // The foundations' routing role sends by its own policy (same account).
            extra_statements: Vec::new(),
        },
    )
}

/// Converts one raw object of the team to Parquet under the team's stage prefix.
fn transform_function(b: &mut Builder, stack: &mut Stack) -> Result<FunctionParts, BuildError> {
    let (team, pipeline, stage) = (&b.team.name, &b.pipeline.name, b.pipeline.stage_a);
    let im = &b.imports;
    let raw_prefix = format!("/{}*", team_prefix(Layer::Raw, team));
    let stage_prefix = format!("/{}*", team_prefix(Layer::Stage, team));
    let def = FunctionDef {
        id: "StageATransform",
        what: PipelineResource::TransformA,
        description: format!("Stage A of {team}/{pipeline}: converts one raw object to Parquet in the stage bucket"),
        memory_mb: i64::from(stage.transform_memory_mb),
        timeout_seconds: i64::from(stage.transform_timeout_seconds),
        env: FunctionVars::of(StageATransformEnv { stage_bucket: im.stage_bucket.clone() }),
        statements: vec![
            Statement::allow().action("s3:GetObject").resource(s3_arn(im.raw_bucket.clone(), &raw_prefix)),
            Statement::allow().action("s3:PutObject").resource(s3_arn(im.stage_bucket.clone(), &stage_prefix)),
            objects_key(&im.lake_key),
        ],
    };
    b.function(stack, def)
}

fn state_machine(
    b: &Builder,
    stack: &mut Stack,
    transform: &FunctionParts,
    error: &FunctionParts,
) -> Result<Handle<stepfunctions::StateMachine>, BuildError> {
    let definition = definition(
        b.imports.catalog_table.clone(),
        b.imports.stage_bucket.clone(),
        transform.function.arn(),
        error.function.arn(),
    )
    .map_err(|e| BuildError::StateMachine {
        stack: stack.name().to_owned(),
        machine: PipelineResource::MachineA.suffix().into(),
        problems: e.to_string(),
    })?;
    Ok(b.machine(stack, "StageA", PipelineResource::MachineA.suffix(), &definition))
}

/// Starts one execution per queued object, recording it in the execution history.
fn routing_function(
    b: &mut Builder,
    stack: &mut Stack,
    queue: &Handle<sqs::Queue>,
    machine: &Handle<stepfunctions::StateMachine>,
) -> Result<FunctionParts, BuildError> {
    let (team, pipeline) = (&b.team.name, &b.pipeline.name);
    let im = &b.imports;
    let def = FunctionDef {
        id: "StageARouting",
        what: PipelineResource::RoutingA,
        description: format!("Stage A of {team}/{pipeline}: starts one execution per queued object"),
        memory_mb: 256,
        timeout_seconds: ROUTING_TIMEOUT_SECONDS,
        env: FunctionVars::of(StageARoutingEnv {
            state_machine_arn: machine.reference(),
            execution_history_table: im.execution_history_table.clone(),
            catalog_table: im.catalog_table.clone(),
            max_receive_count: b.pipeline.stage_a.max_receive_count,
        }),
        statements: constructs::consume_queue(queue.arn(), im.team_key.clone())
            .into_iter()
            .chain([
                Statement::allow().action("states:StartExecution").resource(machine.reference()),
                Statement::allow()
                    .action("dynamodb:PutItem")
                    .resource(table_arn(im.execution_history_table.clone(), "")),
                Statement::allow().action("dynamodb:UpdateItem").resource(table_arn(im.catalog_table.clone(), "")),
                tables_key(&im.lake_key),
            ])
            .collect(),
    };
    b.function(stack, def)
}

/// The catalog row of the raw object (`s3://{bucket}/{key}`) set to `status` with
/// `attributes`, as the core's [`StatusUpdate`] renders it (the functions' updates come from
/// the same function); a failed condition sends the execution to its error path.
fn catalog_update(table: &Expr, status: CatalogStatus, attributes: Vec<(&str, serde_json::Value)>) -> Task {
    let update = StatusUpdate::new(status, attributes, |text| json!({ "S": text }));
    let key = json!({ CATALOG_TABLE.partition_key: { "S.$": "States.Format('s3://{}/{}', $.bucket, $.key)" } });
    Task::new(DYNAMODB_UPDATE_ITEM)
        .parameter("TableName", table)
        .parameter("Key", key)
        .parameter("UpdateExpression", update.update)
        .parameter("ConditionExpression", update.condition)
        .parameter("ExpressionAttributeNames", json!(update.names))
        .parameter("ExpressionAttributeValues", json!(update.values))
        .result_path(ResultPath::Discard)
        .catch(Catch::all("HandleError", "$.error"))
}

/// `PreUpdateCatalog → LightTransform → PostUpdateCatalog → SendToStageB → Done`; every task
/// catches into `HandleError → Failed`. An input with nothing to transform goes from
/// `LightTransform` to `MarkEmpty → Done`: its row ends `empty` with the reason, nothing goes
/// to stage B, and nothing is dead-lettered.
pub(super) fn definition(
    catalog_table: Expr,
    stage_bucket: Expr,
    transform: Expr,
    error: Expr,
) -> Result<StateMachine, sdlf_asl::AslError> {
    let message = Expr::map([
        ("team.$", Expr::string("$.team")),
        ("dataset.$", Expr::string("$.dataset")),
        ("pipeline.$", Expr::string("$.pipeline")),
        ("execution_id.$", Expr::string("$.execution_id")),
        ("source", Expr::map([("bucket.$", "$.bucket"), ("key.$", "$.key")])),
        ("stage_bucket", stage_bucket),
        ("output_keys.$", Expr::string("$.light_transform.output_keys")),
    ]);
    StateMachine::builder("PreUpdateCatalog")
        .comment("Stage A: mark the catalog row, light transform (Lambda), mark it again, hand over to stage B")
        .timeout_seconds(MACHINE_TIMEOUT_SECONDS)
        .state(
            "PreUpdateCatalog",
            catalog_update(
                &catalog_table,
                CatalogStatus::ProcessingA,
                vec![("pipeline", json!({"S.$": "$.pipeline"})), ("execution_id", json!({"S.$": "$.execution_id"}))],
            )
            .next("LightTransform"),
        )
        .state(
            "LightTransform",
            Task::lambda_invoke(transform, Field::path("$"))
                .result_selector(json!({"output_keys.$": "$.Payload.output_keys", "empty.$": "$.Payload.empty"}))
                .result_path("$.light_transform")
                .retry(Retry::lambda_service_errors())
                .catch(Catch::all("HandleError", "$.error"))
                .next("IsEmpty"),
        )
        .state(
            "IsEmpty",
            Choice::new()
                .when(Condition::is_null("$.light_transform.empty", true), "PostUpdateCatalog")
                .otherwise("MarkEmpty"),
        )
        .state(
            "MarkEmpty",
            catalog_update(
                &catalog_table,
                CatalogStatus::Empty,
                vec![("reason", json!({"S.$": "$.light_transform.empty"}))],
            )
            .next("Done"),
        )
        .state(
            "PostUpdateCatalog",
            catalog_update(
                &catalog_table,
                CatalogStatus::ProcessedA,
                vec![("output_keys", json!({"S.$": "States.JsonToString($.light_transform.output_keys)"}))],
            )
            .next("SendToStageB"),
        )
        .state(
            "SendToStageB",
            Task::new(resource::SQS_SEND_MESSAGE)
                .parameter("QueueUrl", Field::path("$.stage_b_queue_url"))
                .parameter("MessageBody", message)
                .result_path(ResultPath::Discard)
                .catch(Catch::all("HandleError", "$.error"))
                .next("Done"),
        )
        .state("Done", Succeed::new())
        .state("HandleError", handle_error(error))
        .state(
            "Failed",
            Fail::new().error("StageAFailed").cause("Stage A failed; its input went to queue A's dead-letter queue"),
        )
        .build()
}

/// Invokes the error function with the execution's input and the error caught at `$.error`.
pub(super) fn handle_error(error: Expr) -> Task {
    Task::lambda_invoke(
        error,
        json!({"input.$": "$$.Execution.Input", "error.$": "$.error", "execution.$": "$$.Execution.Id"}),
    )
    .result_path(ResultPath::Discard)
    .retry(Retry::lambda_service_errors())
    // The error function is idempotent enough to run again (a second dead letter is better
    // than none): without a retry, a throttled write would leave the object without a trace.
    .retry(Retry::all().interval_seconds(2).max_attempts(5).backoff_rate(2.0))
    .next("Failed")
}
