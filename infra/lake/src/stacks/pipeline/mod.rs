//! The pipeline stack: one per team × pipeline, holding both stages of the pipeline.
//!
//! **Stage A** (light, per object): queue `sdlf-{team}-{pipeline}-queue-a` (+ `-dlq`) ←
//! the foundations' routing function; `routing-a` starts state machine `sm-a` once per
//! message; `sm-a` marks the catalog row, runs `transform-a` (raw → Parquet in the stage
//! bucket under `pre-stage/{team}/{dataset}/`), marks the row again and hands the output to the
//! dataset's stage B queue. Failures go through `error-a` to queue A's dead-letter queue;
//! `redrive-a` (invoked by hand, `sdlf redrive`) moves them back.
//!
//! **Stage B** (heavy, per batch): each dataset's schedule invokes `routing-b` with
//! `{"team", "pipeline", "dataset"}`; it drains up to `MaxItems` messages of the dataset's
//! queue `sdlf-{team}-{dataset}-queue-b` and, with at least `MinItems`, starts `sm-b`: the
//! dataset's heavy transform (its Glue job, or `heavy-b` on DataFusion) into the batch's
//! pending folder, the data-quality rules, publishing (by `publish-b` for a Glue batch), the
//! crawler, `postupdate-b` and a notification. Failures go through `error-b` to the pipeline's queue `sdlf-{team}-{pipeline}-dlq-b`;
//! `redrive-b` (invoked by hand) starts each dead-lettered batch again, as a new execution.
//!
//! # Message and input shapes (the contract the functions implement)
//!
//! Queue A message (sent by the foundations' routing function, one per raw object):
//! `{"bucket", "key", "size", "team", "dataset", "pipeline", "stage_b_queue_url",
//! "transform": {"InputFormat", "TargetFormat", "Schema"}}` (`transform` holds the dataset
//! config row's light-transform attributes, copied as they are; see the dataset stack).
//!
//! Stage A state machine input (`routing-a`): the message plus `"execution_id"`, which is the
//! SQS message id. It is also the execution's name and the id of the execution-history row
//! `routing-a` creates (`{"id", "team", "pipeline", "dataset", "stage": "a", "status":
//! "started"}`), so a redelivered message does not start a second execution, while a message
//! moved back by `redrive-a` is a new message and gets a new one.
//!
//! `transform-a` returns `{"output_keys": ["pre-stage/{team}/{dataset}/...parquet", ...]}` (keys in the
//! stage bucket). The catalog row of the raw object (key `id` = `s3://{bucket}/{key}`) gets
//! `status` `processing-a` then `processed-a`, with `pipeline`, `execution_id` and
//! `output_keys` (a JSON string).
//!
//! Stage B queue message (sent by `sm-a`): `{"team", "dataset", "pipeline", "execution_id",
//! "source": {"bucket", "key"}, "stage_bucket", "output_keys": [...]}`.
//!
//! Stage B state machine input (`routing-b`): `{"team", "pipeline", "dataset",
//! "execution_id", "glue": {"job_name", "arguments": {"--SOURCE_KEYS", "--TARGET", "--TEAM",
//! "--DATASET"}}, "crawler", "database", "quality_ruleset", "messages": [queue B bodies]}`.
//! `--SOURCE_KEYS` is a comma-separated list of `s3://` URIs or, for long batches, the URI of
//! a JSON manifest (a list of URIs) that `routing-b` writes to
//! `s3://{stage}/pre-stage/{team}/_manifests/{pipeline}/{execution_id}.json` (outside every dataset's
//! prefix, so no crawler sees it); `--TARGET` is the batch's pending folder,
//! `s3://{analytics}/{team}/_pending/{dataset}/{execution_id}/`.
//! `quality_ruleset` is empty when the dataset has none (always in `local`). `crawler`,
//! `database` and `quality_ruleset` come from the dataset config row.
//!
//! `postupdate-b` gets the whole input (plus `glue.run`, `crawler_state`, and the batch's
//! outcome `transformed`, see `sdlf_lambda_core::messages::HeavyOutput`) and returns
//! `{"table": "<Glue table of the output>"}`; `error-a` / `error-b` get
//! `{"input": <execution input>, "error": {"Error", "Cause"}, "execution": <execution ARN>}`
//! and send `input` to their dead-letter queue (the error as message attributes).

mod alarms;
mod recovery;
mod stage_a;
mod stage_b;

use sdlf_cfn::{Expr, Handle};
use sdlf_cfn_types::{lambda, stepfunctions};
use sdlf_lambda_core::contract::config::{ConfigResource, PipelineConfig, RowKind};
use sdlf_lambda_core::contract::env::FunctionVars;
use sdlf_lambda_core::contract::resources::PipelineResource;
use sdlf_policy::{Condition, Statement};

use crate::definition::{Pipeline, Team};
use crate::stack::Stack;
use crate::stacks::baseline::Invocation;
use crate::stacks::constructs::{self, FunctionParts, FunctionSpec};
use crate::stacks::{BuildError, CatalogOutputs, Ctx, FoundationsOutputs, PipelineOutputs, TeamOutputs};

/// The values this stack reads from the foundations and team stacks.
pub(super) struct Imports {
    /// The lake key: buckets and tables are encrypted with it.
    pub lake_key: Expr,
    pub raw_bucket: Expr,
    pub stage_bucket: Expr,
    pub analytics_bucket: Expr,
    pub artifacts_bucket: Expr,
    pub catalog_table: Expr,
    pub dataset_config_table: Expr,
    pub execution_history_table: Expr,
    /// The team key: queues, logs and function environments.
    pub team_key: Expr,
    pub boundary: Expr,
    pub glue_job_role: Expr,
    pub states_role: Expr,
    pub topic: Expr,
    pub glue_security_configuration: Expr,
}

/// A function of the stack, kept for its alarm.
pub(super) struct Function {
    /// The physical-name suffix (`routing-a`).
    pub what: &'static str,
    pub handle: Handle<lambda::Function>,
}

/// Common parts of the stage builders.
pub(super) struct Builder<'a> {
    pub ctx: &'a Ctx<'a>,
    pub team: &'a Team,
    pub pipeline: &'a Pipeline,
    pub imports: Imports,
    pub functions: Vec<Function>,
}

/// What the function needs beyond the common settings.
pub(super) struct FunctionDef {
    pub id: &'static str,
    /// Suffix of the physical name, at most [`crate::names::longest_pipeline_function`] long.
    pub what: PipelineResource,
    pub description: String,
    pub memory_mb: i64,
    pub timeout_seconds: i64,
    pub env: FunctionVars<Expr>,
    pub statements: Vec<Statement>,
}

impl Builder<'_> {
    /// `sdlf-{team}-{pipeline}-{what}`, refused when the suffix is longer than the longest
    /// one [`crate::names::validate`] checked for this kind of name.
    pub fn name(&self, stack: &Stack, what: &str, longest: &str) -> Result<String, BuildError> {
        if what.len() > longest.len() {
            return Err(BuildError::Invalid {
                stack: stack.name().to_owned(),
                problem: format!(
                    "name suffix `{what}` is longer than `{longest}`, the longest the name checks allow for"
                ),
            });
        }
        Ok(self.ctx.names.pipeline_resource(&self.team.name, &self.pipeline.name, what))
    }

    /// A function with the team's boundary, key and the artifacts bucket, invoked and limited
    /// as [`Builder::invocation`] says; recorded for alarms.
    pub fn function(&mut self, stack: &mut Stack, def: FunctionDef) -> Result<FunctionParts, BuildError> {
        let name = self.name(stack, def.what.suffix(), crate::names::longest_pipeline_function())?;
        let (invoked_by, reserved_concurrency) = self.invocation(def.what).ok_or_else(|| BuildError::Invalid {
            stack: stack.name().to_owned(),
            problem: format!("`{}` is not one of the pipeline's functions", def.what.suffix()),
        })?;
        let parts = constructs::function(
            stack,
            self.ctx,
            FunctionSpec {
                id: def.id,
                name,
                description: def.description,
                memory_mb: def.memory_mb,
                timeout_seconds: def.timeout_seconds,
                env: def.env,
                statements: def.statements,
                key_arn: self.imports.team_key.clone(),
                artifacts_bucket: self.imports.artifacts_bucket.clone(),
                permissions_boundary: Some(self.imports.boundary.clone()),
                invoked_by,
                reserved_concurrency,
            },
        )?;
        self.functions.push(Function { what: def.what.suffix(), handle: parts.function.clone() });
        Ok(parts)
    }

    /// Who invokes each of the pipeline's functions, and the reserved concurrency the
    /// definition gives it: the one table of both for every pipeline function. `None` for a
    /// resource that is not a function.
    fn invocation(&self, what: PipelineResource) -> Option<(Invocation, Option<u32>)> {
        let stage_a = &self.pipeline.stage_a;
        Some(match what {
            PipelineResource::RoutingA => (Invocation::Queue, Some(stage_a.routing_concurrency)),
            // Stage A's one function whose concurrency follows the objects' arrival: a flood of
            // objects must not take the account's whole pool.
            PipelineResource::TransformA => (Invocation::StateMachine, Some(stage_a.transform_concurrency)),
            PipelineResource::ErrorA
            | PipelineResource::HeavyB
            | PipelineResource::PublishB
            | PipelineResource::PostupdateB
            | PipelineResource::ErrorB => (Invocation::StateMachine, None),
            PipelineResource::RoutingB => (Invocation::Schedule, None),
            PipelineResource::RedriveA | PipelineResource::RedriveB => (Invocation::Operator, None),
            PipelineResource::QueueA
            | PipelineResource::DeadLetterA
            | PipelineResource::DeadLetterB
            | PipelineResource::MachineA
            | PipelineResource::MachineB => return None,
        })
    }

    /// The encrypted log group a state machine logs errors to, and the logging configuration.
    pub fn machine_logging(
        &self,
        stack: &mut Stack,
        id: &str,
        machine_name: &str,
    ) -> stepfunctions::state_machine::LoggingConfiguration {
        use sdlf_cfn_types::logs;
        use stepfunctions::state_machine::{CloudWatchLogsLogGroup, Level, LogDestination, LoggingConfiguration};
        let logs = stack.template.add_with(
            format!("{id}Logs"),
            logs::LogGroup {
                // The `/aws/vendedlogs/` prefix keeps the log group's resource policy small.
                log_group_name: Some(format!("/aws/vendedlogs/states/{machine_name}").into()),
                kms_key_id: Some(self.imports.team_key.clone().into()),
                retention_in_days: Some(crate::stacks::context::LOG_RETENTION_DAYS.into()),
                ..logs::LogGroup::default()
            },
            self.ctx.stateful(),
        );
        LoggingConfiguration {
            destinations: Some(vec![LogDestination {
                cloud_watch_logs_log_group: Some(CloudWatchLogsLogGroup { log_group_arn: Some(logs.arn().into()) }),
            }]),
            // Errors only, without the data: inputs name objects and may carry their content.
            include_execution_data: Some(false.into()),
            level: Some(Level::Error.into()),
        }
    }

    /// A state machine from a built [`sdlf_asl::StateMachine`], run by the team's states role.
    pub fn machine(
        &self,
        stack: &mut Stack,
        id: &str,
        what: &str,
        machine: &sdlf_asl::StateMachine,
    ) -> Handle<stepfunctions::StateMachine> {
        let name = self.ctx.names.pipeline_resource(&self.team.name, &self.pipeline.name, what);
        let logging = self.machine_logging(stack, id, &name);
        let (definition, definition_substitutions) = machine.render().into_properties();
        stack.template.add(
            format!("{id}StateMachine"),
            stepfunctions::StateMachine {
                state_machine_name: Some(name.into()),
                state_machine_type: Some(stepfunctions::state_machine::StateMachineType::Standard.into()),
                definition: Some(definition),
                definition_substitutions,
                logging_configuration: Some(logging),
                ..stepfunctions::StateMachine::new(self.imports.states_role.clone())
            },
        )
    }
}

/// Use of the lake key by DynamoDB on the caller's behalf (the tables are encrypted with it).
pub(super) fn tables_key(lake_key: &Expr) -> Statement {
    Statement::allow()
        .actions(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"])
        .resource(lake_key.clone())
        .condition(Condition::string_equals("kms:ViaService", Expr::sub("dynamodb.${AWS::Region}.amazonaws.com")))
}

/// Reading and writing S3 objects encrypted with the lake key (SSE-KMS).
pub(super) fn objects_key(lake_key: &Expr) -> Statement {
    Statement::allow().actions(["kms:Decrypt", "kms:GenerateDataKey"]).resource(lake_key.clone())
}

pub(super) use crate::stacks::constructs::terminal_queue;

/// A dataset name as a logical-id part: `legislators` → `Legislators`.
pub(super) fn pascal(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

pub fn build(
    ctx: &Ctx,
    team: &Team,
    pipeline: &Pipeline,
    foundations: &FoundationsOutputs,
    catalog: &CatalogOutputs,
    team_outputs: &TeamOutputs,
) -> Result<(Stack, PipelineOutputs), BuildError> {
    let (t, p) = (team.name.as_str(), pipeline.name.as_str());
    let mut stack = ctx.stack(
        ctx.names.pipeline_stack(t, p),
        &format!("sdlf pipeline {t}/{p}: stage A (light transform per object) and stage B (Glue per batch)"),
        Some(t),
    );
    let imports = Imports {
        lake_key: stack.import(&foundations.key_arn),
        raw_bucket: stack.import(&foundations.raw_bucket),
        stage_bucket: stack.import(&foundations.stage_bucket),
        analytics_bucket: stack.import(&foundations.analytics_bucket),
        artifacts_bucket: stack.import(&foundations.artifacts_bucket),
        catalog_table: stack.import(&foundations.catalog_table),
        dataset_config_table: stack.import(&foundations.dataset_config_table),
        execution_history_table: stack.import(&foundations.execution_history_table),
        team_key: stack.import(&team_outputs.key_arn),
        boundary: stack.import(&team_outputs.permissions_boundary_arn),
        glue_job_role: stack.import(&team_outputs.glue_job_role_arn),
        states_role: stack.import(&team_outputs.states_role_arn),
        topic: stack.import(&team_outputs.topic_arn),
        glue_security_configuration: stack.import(&team_outputs.glue_security_configuration),
    };
    let mut b = Builder { ctx, team, pipeline, imports, functions: Vec::new() };

    let a = stage_a::build(&mut b, &mut stack)?;
    let stage_b = stage_b::build(&mut b, &mut stack)?;
    alarms::build(&b, &mut stack, &a, &stage_b)?;

    let ssm = |what: &str| ctx.names.ssm(&format!("pipeline/{t}/{p}/{what}"));
    let stage_a_queue_url =
        stack.publish("StageAQueueUrlParam", ssm("StageAQueueUrl"), a.queue.reference(), "URL of stage A's queue");
    let stage_b_routing_function_arn = stack.publish(
        "StageBRoutingFunctionArnParam",
        ssm("StageBRoutingFunctionArn"),
        stage_b.routing.arn(),
        "ARN of the function the datasets' schedules invoke to start stage B",
    );
    let mut glue_jobs = std::collections::BTreeMap::new();
    for (dataset, job) in &stage_b.glue_jobs {
        let published = stack.publish(
            &format!("GlueJob{}Param", pascal(dataset)),
            ssm(&format!("GlueJob/{dataset}")),
            job.reference(),
            &format!("Name of the heavy-transform Glue job of dataset {dataset}"),
        );
        glue_jobs.insert(dataset.clone(), published);
    }

    let config_function = stack.import(&catalog.config_function_arn);
    let config_table = stack.import(&foundations.pipeline_config_table);
    let row = PipelineConfig {
        team: t.to_owned(),
        pipeline: p.to_owned(),
        stage_a_state_machine_arn: a.machine.reference(),
        stage_b_state_machine_arn: stage_b.machine.reference(),
        stage_a_queue_url: a.queue.reference(),
    };
    constructs::config_row(
        &mut stack,
        "PipelineConfig",
        RowKind::Pipeline,
        config_function,
        ConfigResource { table: config_table, key: format!("{t}/{p}"), row },
    )?;

    let outputs = PipelineOutputs {
        team: t.to_owned(),
        pipeline: p.to_owned(),
        stage_a_queue_url,
        stage_b_routing_function_arn,
        glue_jobs,
    };
    Ok((stack, outputs))
}
