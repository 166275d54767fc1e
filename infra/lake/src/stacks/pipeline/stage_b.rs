//! Stage B: the heavy transform, one Glue run per batch of a dataset's stage A outputs.

use indexmap::IndexMap;
use sdlf_asl::{
    Branch, Catch, Choice, Condition, Fail, Field, Map, Pass, ResultPath, Retry, StateMachine, StateMachineBuilder,
    Succeed, Task, Wait, resource,
};
use sdlf_cfn::{Expr, Handle, Val};
use sdlf_cfn_types::{glue, lambda, sqs, stepfunctions};
use sdlf_lambda_core::contract::config::Engine;
use sdlf_lambda_core::contract::env::{
    FunctionVars, RedriveTarget, Stage, StageBHeavyEnv, StageBPostupdateEnv, StageBPublishEnv, StageBRoutingEnv,
};
use sdlf_lambda_core::messages::PublishStep;
use sdlf_lambda_core::contract::layout::manifest_prefix;
use sdlf_lambda_core::contract::resources::{DatasetResource, PipelineResource};
use sdlf_policy::{Condition as IamCondition, Statement};
use serde_json::json;

use super::stage_a::handle_error;
use super::{Builder, FunctionDef, objects_key, pascal, recovery, tables_key, terminal_queue};
use crate::assets::AssetSource;
use crate::definition::Dataset;
use crate::names::{Layer, dataset_prefix, longest_pipeline_queue, team_prefix};
use crate::stack::Stack;
use crate::stacks::BuildError;
use crate::stacks::constructs::{FunctionParts, arn, s3_arn, table_arn};

/// How long one Glue run may take, minutes.
const GLUE_TIMEOUT_MINUTES: i64 = 120;

/// The longest a stage B execution may run: the Glue run, the crawler and the quality run.
const MACHINE_TIMEOUT_SECONDS: u32 = 4 * 3600;

/// Seconds between two looks at the Glue job run and the crawler: a Glue run takes minutes,
/// and every look is a state transition that costs; the local emulator's runs end at once.
const POLL_SECONDS: u32 = 30;
const LOCAL_POLL_SECONDS: u32 = 1;

/// Job arguments the stack sets itself; a dataset may not override them.
const RESERVED_ARGUMENTS: [&str; 7] = [
    "--job-language",
    "--enable-metrics",
    "--enable-continuous-cloudwatch-log",
    "--job-bookmark-option",
    "--TempDir",
    "--SQL",
    "--PARTITION_BY",
];

pub(super) struct StageB {
    pub routing: Handle<lambda::Function>,
    pub machine: Handle<stepfunctions::StateMachine>,
    /// Failed batches, whole.
    pub dead_letter: Handle<sqs::Queue>,
    /// Dataset name → its Glue job.
    pub glue_jobs: Vec<(String, Handle<glue::Job>)>,
}

pub(super) fn build(b: &mut Builder, stack: &mut Stack) -> Result<StageB, BuildError> {
    let team = b.team;
    let datasets: Vec<&Dataset> = team.datasets.iter().filter(|d| d.pipeline == b.pipeline.name).collect();

    // One pipeline-level dead-letter queue: a failed batch is one unit (one Glue run over many
    // objects, maybe of one dataset only), kept whole with its error for inspection. The
    // datasets' queue-B dead-letter queues hold messages that failed before any batch formed.
    let dead_letter = terminal_queue(
        stack,
        "StageBDeadLetter",
        b.name(stack, PipelineResource::DeadLetterB.suffix(), longest_pipeline_queue())?,
        b.imports.team_key.clone(),
    )?;
    let mut glue_jobs = Vec::new();
    for d in &datasets {
        glue_jobs.push((d.name.clone(), glue_job(b, stack, d)?));
    }
    let post_update = post_update_function(b, stack)?;
    let runs_on = |engine| datasets.iter().any(|d| d.heavy_transform.engine_for(b.ctx.env) == engine);
    let (on_glue, on_datafusion) = (runs_on(Engine::Glue), runs_on(Engine::DataFusion));
    let heavy = if on_datafusion { Some(heavy_function(b, stack)?) } else { None };
    // A pipeline with no dataset yet gets the Glue path, the default engine's.
    let publish = if on_glue || !on_datafusion { Some(publish_function(b, stack)?) } else { None };
    let error = recovery::error_function(b, stack, Stage::B, "a failed batch", &dead_letter)?;
    let machine = state_machine(b, stack, &post_update, heavy.as_ref(), publish.as_ref(), &error)?;
    let start = vec![Statement::allow().action("states:StartExecution").resource(machine.reference())];
    let target = RedriveTarget::StateMachine(machine.reference());
    let does = "runs dead-lettered batches again";
    recovery::redrive_function(b, stack, Stage::B, does, &dead_letter, target, start)?;
    let routing = routing_function(b, stack, &datasets, &machine)?;
    Ok(StageB { routing: routing.function, machine, dead_letter, glue_jobs })
}

// --- Glue jobs -------------------------------------------------------------------------------

/// The dataset's heavy transform on Spark: the generic script, shipped as an asset, given the
/// dataset's SQL and partitioning, run by the team's Glue job role with the team's security
/// configuration.
fn glue_job(b: &Builder, stack: &mut Stack, d: &Dataset) -> Result<Handle<glue::Job>, BuildError> {
    let (team, pipeline) = (&b.team.name, &b.pipeline.name);
    let asset = b.ctx.asset(stack, AssetSource::file(crate::definition::GLUE_SCRIPT))?;
    let arguments = job_arguments(b, stack, d)?;
    let script = Expr::join(
        "",
        [Expr::string("s3://"), b.imports.artifacts_bucket.clone(), Expr::string(format!("/{}", asset.s3_key()))],
    );
    Ok(stack.template.add(
        format!("GlueJob{}", pascal(&d.name)),
        glue::Job {
            name: Some(b.ctx.names.dataset_resource(team, &d.name, DatasetResource::GlueJob.suffix()).into()),
            description: Some(format!("Stage B of {team}/{pipeline}: heavy transform of dataset {}", d.name).into()),
            command: glue::job::JobCommand {
                name: Some("glueetl".into()),
                python_version: Some("3".into()),
                script_location: Some(script.into()),
                ..Default::default()
            },
            default_arguments: Some(arguments),
            glue_version: Some(d.glue_job.glue_version.clone().into()),
            worker_type: Some(Val::expr(Expr::string(d.glue_job.worker_type.as_str()))),
            number_of_workers: Some(i64::from(d.glue_job.workers).into()),
            max_retries: Some(0_i64.into()),
            timeout: Some(GLUE_TIMEOUT_MINUTES.into()),
            // One batch at a time per dataset: two runs would write the same partitions
            // and race on the crawler; the next batch waits in the queue.
            execution_property: Some(glue::job::ExecutionProperty { max_concurrent_runs: Some(1_i64.into()) }),
            security_configuration: Some(b.imports.glue_security_configuration.clone().into()),
            connections: crate::stacks::network::glue_job_connections(b.ctx, team),
            ..glue::Job::new(Default::default(), b.imports.glue_job_role.clone())
        },
    ))
}

/// The dataset's own arguments, then the ones the stack sets (which it refuses to see
/// overridden).
fn job_arguments(b: &Builder, stack: &Stack, d: &Dataset) -> Result<IndexMap<String, Val<String>>, BuildError> {
    let mut arguments: IndexMap<String, Val<String>> = IndexMap::new();
    for (k, v) in &d.glue_job.arguments {
        if RESERVED_ARGUMENTS.contains(&k.as_str()) {
            return Err(BuildError::Invalid {
                stack: stack.name().to_owned(),
                problem: format!(
                    "dataset `{}` sets Glue argument `{k}`, which the pipeline sets itself; remove it",
                    d.name
                ),
            });
        }
        arguments.insert(k.clone(), v.into());
    }
    arguments.insert("--SQL".into(), d.heavy_transform.sql.as_str().into());
    arguments.insert("--PARTITION_BY".into(), d.heavy_transform.partition_by.join(",").into());
    arguments.insert("--job-language".into(), "python".into());
    arguments.insert("--enable-metrics".into(), "true".into());
    arguments.insert("--enable-continuous-cloudwatch-log".into(), "true".into());
    // Each run reads exactly the batch it is given (`--SOURCE_KEYS`): bookmarks would skip
    // a redriven batch.
    arguments.insert("--job-bookmark-option".into(), "job-bookmark-disable".into());
    let temp_dir = format!("/tmp/{}", dataset_prefix(Layer::Artifacts, &b.team.name, &d.name));
    arguments.insert(
        "--TempDir".into(),
        Expr::join("", [Expr::string("s3://"), b.imports.artifacts_bucket.clone(), Expr::string(temp_dir)]).into(),
    );
    Ok(arguments)
}

// --- Functions -------------------------------------------------------------------------------

/// Memory of the DataFusion function: its operators spill beyond what the pool leaves them.
const HEAVY_MEMORY_MB: i64 = 3008;
/// Lambda's longest run: batches that need longer belong on Glue.
const HEAVY_TIMEOUT_SECONDS: i64 = 900;
/// Memory of the publish step: it reads footers and moves objects, one at a time.
const PUBLISH_MEMORY_MB: i64 = 512;

/// The heavy transform on DataFusion, for the pipeline's datasets that run it there: reads the
/// team's stage A outputs, writes the team's analytics prefixes (pending, published and
/// quarantined folders are all under it).
fn heavy_function(b: &mut Builder, stack: &mut Stack) -> Result<FunctionParts, BuildError> {
    let (team, pipeline) = (b.team.name.clone(), b.pipeline.name.clone());
    let im = &b.imports;
    let stage_objects = format!("/{}*", team_prefix(Layer::Stage, &team));
    let mut statements =
        vec![Statement::allow().action("s3:GetObject").resource(s3_arn(im.stage_bucket.clone(), &stage_objects))];
    statements.extend(analytics_statements(im, &team));
    statements.push(objects_key(&im.lake_key));
    let env = FunctionVars::of(StageBHeavyEnv { analytics_bucket: im.analytics_bucket.clone() });
    b.function(
        stack,
        FunctionDef {
            id: "StageBHeavy",
            what: PipelineResource::HeavyB,
            description: format!(
                "Stage B of {team}/{pipeline}: heavy transform and data quality of a batch on DataFusion"
            ),
            memory_mb: HEAVY_MEMORY_MB,
            timeout_seconds: HEAVY_TIMEOUT_SECONDS,
            env,
            statements,
        },
    )
}

/// A Glue batch's publish step: describes the pending output for its quality run, then moves
/// it within the team's analytics prefixes (pending, published and quarantined folders).
fn publish_function(b: &mut Builder, stack: &mut Stack) -> Result<FunctionParts, BuildError> {
    let (team, pipeline) = (b.team.name.clone(), b.pipeline.name.clone());
    let im = &b.imports;
    let mut statements = analytics_statements(im, &team);
    statements.push(objects_key(&im.lake_key));
    let env = FunctionVars::of(StageBPublishEnv { analytics_bucket: im.analytics_bucket.clone() });
    b.function(
        stack,
        FunctionDef {
            id: "StageBPublish",
            what: PipelineResource::PublishB,
            description: format!(
                "Stage B of {team}/{pipeline}: a Glue batch's output described for its quality run, then published or quarantined"
            ),
            memory_mb: PUBLISH_MEMORY_MB,
            timeout_seconds: HEAVY_TIMEOUT_SECONDS,
            env,
            statements,
        },
    )
}

/// Reading, writing and listing the team's analytics prefixes.
fn analytics_statements(im: &super::Imports, team: &str) -> Vec<Statement> {
    let analytics = team_prefix(Layer::Analytics, team);
    vec![
        Statement::allow()
            .actions(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
            .resource(s3_arn(im.analytics_bucket.clone(), &format!("/{analytics}*"))),
        Statement::allow()
            .action("s3:ListBucket")
            .resource(s3_arn(im.analytics_bucket.clone(), ""))
            .condition(IamCondition::string_like("s3:prefix", format!("{analytics}*"))),
    ]
}

/// Catalogues the batch's raw objects and updates the execution history.
fn post_update_function(b: &mut Builder, stack: &mut Stack) -> Result<FunctionParts, BuildError> {
    let (team, pipeline) = (b.team.name.clone(), b.pipeline.name.clone());
    let im = &b.imports;
    let (history, catalog) = (im.execution_history_table.clone(), im.catalog_table.clone());
    let statements = vec![
        Statement::allow()
            .actions(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"])
            .resource(table_arn(catalog.clone(), "")),
        Statement::allow().action("dynamodb:UpdateItem").resource(table_arn(history.clone(), "")),
        tables_key(&im.lake_key),
    ];
    let env = FunctionVars::of(StageBPostupdateEnv { catalog_table: catalog, execution_history_table: history });
    b.function(
        stack,
        FunctionDef {
            id: "StageBPostUpdate",
            what: PipelineResource::PostupdateB,
            description: format!(
                "Stage B of {team}/{pipeline}: records the batch's outcome in the catalog and the execution history"
            ),
            memory_mb: 256,
            timeout_seconds: 300,
            env,
            statements,
        },
    )
}

fn state_machine(
    b: &Builder,
    stack: &mut Stack,
    post_update: &FunctionParts,
    heavy: Option<&FunctionParts>,
    publish: Option<&FunctionParts>,
    error: &FunctionParts,
) -> Result<Handle<stepfunctions::StateMachine>, BuildError> {
    let local = b.ctx.env.is_local();
    let engines = Engines {
        glue: publish.map(|p| GlueSteps { publish: p.function.arn(), glue_job_role: b.imports.glue_job_role.clone() }),
        datafusion: heavy.map(|h| DataFusionStep { function: h.function.arn(), registers_table: local }),
    };
    let poll_seconds = if local { LOCAL_POLL_SECONDS } else { POLL_SECONDS };
    let definition = definition(poll_seconds, b.imports.topic.clone(), post_update.function.arn(), engines, error.function.arn())
        .map_err(|e| BuildError::StateMachine {
            stack: stack.name().to_owned(),
            machine: PipelineResource::MachineB.suffix().into(),
            problems: e.to_string(),
        })?;
    Ok(b.machine(stack, "StageB", PipelineResource::MachineB.suffix(), &definition))
}

/// Starts a Glue batch of a dataset when enough is queued. Invoked by the datasets'
/// EventBridge Scheduler schedules through their own role: a schedule with a role needs no
/// resource-based permission on the function.
fn routing_function(
    b: &mut Builder,
    stack: &mut Stack,
    datasets: &[&Dataset],
    machine: &Handle<stepfunctions::StateMachine>,
) -> Result<FunctionParts, BuildError> {
    let (team, pipeline) = (b.team.name.clone(), b.pipeline.name.clone());
    let im = &b.imports;
    let manifests = format!("/{}*", manifest_prefix(&team, &pipeline));
    let mut statements = vec![
        Statement::allow().action("dynamodb:GetItem").resource(table_arn(im.dataset_config_table.clone(), "")),
        Statement::allow().action("dynamodb:PutItem").resource(table_arn(im.execution_history_table.clone(), "")),
        tables_key(&im.lake_key),
        Statement::allow().action("states:StartExecution").resource(machine.reference()),
        Statement::allow().action("s3:PutObject").resource(s3_arn(im.stage_bucket.clone(), &manifests)),
        objects_key(&im.lake_key),
    ];
    if !datasets.is_empty() {
        // The queues of this pipeline's datasets only, not every `sdlf-{team}-*-queue-b`.
        let queues = datasets
            .iter()
            .map(|d| arn("sqs", &b.ctx.names.dataset_resource(&team, &d.name, DatasetResource::QueueB.suffix())))
            .collect::<Vec<_>>();
        statements.push(
            Statement::allow()
                .actions([
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueAttributes",
                ])
                .resources(queues),
        );
        statements.push(Statement::allow().action("kms:Decrypt").resource(im.team_key.clone()));
    }
    let env = FunctionVars::of(StageBRoutingEnv {
        state_machine_arn: machine.reference(),
        dataset_config_table: im.dataset_config_table.clone(),
        execution_history_table: im.execution_history_table.clone(),
        stage_bucket: im.stage_bucket.clone(),
        analytics_bucket: im.analytics_bucket.clone(),
    });
    b.function(
        stack,
        FunctionDef {
            id: "StageBRouting",
            what: PipelineResource::RoutingB,
            description: format!(
                "Stage B of {team}/{pipeline}: starts a Glue batch of a dataset when enough is queued"
            ),
            memory_mb: 256,
            timeout_seconds: 120,
            env,
            statements,
        },
    )
}

// --- State machine ---------------------------------------------------------------------------

/// The engines a pipeline's stage B machine runs batches on, in one environment.
pub(super) struct Engines {
    /// When a dataset runs on Glue here (or the pipeline has no dataset yet).
    pub glue: Option<GlueSteps>,
    /// When a dataset runs on DataFusion here.
    pub datafusion: Option<DataFusionStep>,
}

/// What the Glue path needs beyond the job.
pub(super) struct GlueSteps {
    /// The `stage-b-publish` function.
    pub publish: Expr,
    /// The role Glue Data Quality's run assumes.
    pub glue_job_role: Expr,
}

/// The DataFusion step of a machine whose pipeline runs datasets there.
pub(super) struct DataFusionStep {
    /// The `stage-b-heavy` function.
    pub function: Expr,
    /// Register the table it wrote (`local`, where the crawler infers nothing), instead of
    /// running the crawler.
    pub registers_table: bool,
}

/// Every batch is published before it is crawled or catalogued, and only once its quality is
/// known; `ChooseEngine` picks the path by the input's engine when both are present.
///
/// On Glue: `RunGlueJob → WaitForGlueJob → GetGlueJobRun → GlueJobDone` (the job writes to
/// the batch's pending folder) `→ HasQualityRuleset → DescribePending → HasPendingTable →
/// CreatePendingTable | UpdatePendingTable → RegisterPendingPartitions → EvaluateQuality →
/// ReadQualityResult → DropPendingTable → PublishBatch`; a run that ends other than SUCCEEDED
/// goes to `GlueJobFailed`, an error while the pending table exists drops it first
/// (`DropPendingTableAfterError`).
///
/// On DataFusion: `RunHeavyTransform` (transform, quality rules and publishing in one
/// function), then `HasTable → CreateTable | UpdateTable → RegisterPartitions` where the stage
/// registers the table itself.
///
/// Then `IsPublished → StartCrawler → WaitForCrawler → GetCrawler → CrawlerReady` (the crawler
/// runs only over published output) `→ PostUpdate → QualityPassed → NotifyTransformed |
/// NotifyQualityFailed → Done`. Every task catches into `HandleError → Failed`.
///
/// The Glue job is started and polled rather than run through the `.sync` integration: the
/// same definition then runs on the local emulator, which has no `.sync` for Glue, and the
/// poll interval is the environment's (`poll_seconds`).
pub(super) fn definition(
    poll_seconds: u32,
    topic: Expr,
    post_update: Expr,
    engines: Engines,
    error: Expr,
) -> Result<StateMachine, sdlf_asl::AslError> {
    let start = match (&engines.glue, &engines.datafusion) {
        (Some(_), Some(_)) => "ChooseEngine",
        (None, Some(_)) => "RunHeavyTransform",
        _ => "RunGlueJob",
    };
    let crawls = engines.glue.is_some() || engines.datafusion.as_ref().is_some_and(|d| !d.registers_table);
    let mut machine = StateMachine::builder(start)
        .comment("Stage B: heavy transform (Glue or DataFusion), data quality, publishing, crawler, catalog, notification")
        .timeout_seconds(MACHINE_TIMEOUT_SECONDS);
    if start == "ChooseEngine" {
        machine = machine.state(
            "ChooseEngine",
            Choice::new()
                .when(Condition::string_equals("$.heavy.engine", Engine::DataFusion.as_str()), "RunHeavyTransform")
                .otherwise("RunGlueJob"),
        );
    }
    if let Some(datafusion) = engines.datafusion {
        machine = datafusion_states(machine, datafusion);
    }
    if let Some(glue) = engines.glue {
        machine = glue_quality_states(glue_run_states(machine, poll_seconds), glue);
    }
    if crawls {
        machine = crawler_states(machine, poll_seconds);
    }
    notify_and_end_states(post_update_states(machine, post_update, topic), error).build()
}

/// Publishes `message` (an intrinsic's path) to the team's topic, then `Done`.
fn notify(topic: Expr, subject: &str, message: &str) -> Task {
    Task::new(resource::SNS_PUBLISH)
        .parameter("TopicArn", topic)
        .parameter("Subject", subject)
        .parameter("Message", Field::path(message))
        .result_path(ResultPath::Discard)
        .catch(catch_all())
        .next("Done")
}

/// Every task's catch: into `HandleError`, the error at `$.error`.
fn catch_all() -> Catch {
    Catch::all("HandleError", "$.error")
}

/// The batch's outcome ([`sdlf_lambda_core::messages::HeavyOutput`]) from a function's
/// answer, for `$.transformed`.
fn outcome_selector() -> serde_json::Value {
    let output = ["rows", "objects", "quarantined", "passed", "quality", "failures", "table", "partition_calls"];
    let selector: serde_json::Map<String, serde_json::Value> =
        output.iter().map(|f| (format!("{f}.$"), json!(format!("$.Payload.{f}")))).collect();
    serde_json::Value::Object(selector)
}

/// `RunHeavyTransform →` the table's registration, or `IsPublished` and the crawler.
fn datafusion_states(machine: StateMachineBuilder, heavy: DataFusionStep) -> StateMachineBuilder {
    let after = if heavy.registers_table { "HasTable" } else { "IsPublished" };
    let machine = machine.state(
        "RunHeavyTransform",
        Task::lambda_invoke(heavy.function, Field::path("$"))
            .result_selector(outcome_selector())
            .result_path("$.transformed")
            .retry(Retry::lambda_service_errors())
            .catch(catch_all())
            .next(after),
    );
    if heavy.registers_table { table_states(machine) } else { machine }
}

/// `CreateTable` (or `UpdateTable` when it exists) of the `TableInput` at `table`, then `next`;
/// errors go to `on_error` with the error at `$.error`.
fn register_table_states(
    machine: StateMachineBuilder,
    [create, update]: [&str; 2],
    table: &str,
    next: &str,
    on_error: &str,
) -> StateMachineBuilder {
    let input = json!({"DatabaseName.$": "$.database", "TableInput.$": table});
    machine
        .state(
            create,
            Task::sdk("glue:createTable", input.clone())
                .result_path(ResultPath::Discard)
                .catch(Catch::new(["Glue.AlreadyExistsException"], update).result_path(ResultPath::Discard))
                .catch(Catch::all(on_error, "$.error"))
                .next(next),
        )
        .state(
            update,
            Task::sdk("glue:updateTable", input)
                .result_path(ResultPath::Discard)
                .catch(Catch::all(on_error, "$.error"))
                .next(next),
        )
}

/// A Map registering the partitions at `calls` (lists of `PartitionInput`) of the table named
/// at `table_name`, a call at a time, then `next`.
fn register_partitions(calls: &str, table_name: &str, next: &str, on_error: &str) -> Map {
    let register = Branch::new("CreatePartitions").state(
        "CreatePartitions",
        // Partitions already there are listed in the answer's `Errors`, not raised: a redriven
        // batch registers again harmlessly.
        Task::sdk(
            "glue:batchCreatePartition",
            json!({"DatabaseName.$": "$.database", "TableName.$": "$.table", "PartitionInputList.$": "$.partitions"}),
        )
        .result_path(ResultPath::Discard)
        .end(),
    );
    Map::new(register)
        .items_path(calls)
        .item_selector(json!({"database.$": "$.database", "table.$": table_name, "partitions.$": "$$.Map.Item.Value"}))
        .max_concurrency(1)
        .result_path(ResultPath::Discard)
        .catch(Catch::all(on_error, "$.error"))
        .next(next)
}

/// `HasTable → CreateTable (or UpdateTable when it exists) → RegisterPartitions → PostUpdate`:
/// the table the DataFusion step described, registered as a crawler would.
fn table_states(machine: StateMachineBuilder) -> StateMachineBuilder {
    let machine = machine.state(
        "HasTable",
        // Nothing published (quarantined, or an empty result): nothing to register.
        Choice::new().when(Condition::is_null("$.transformed.table", true), "PostUpdate").otherwise("CreateTable"),
    );
    register_table_states(machine, ["CreateTable", "UpdateTable"], "$.transformed.table", "RegisterPartitions", "HandleError")
        .state(
            "RegisterPartitions",
            register_partitions("$.transformed.partition_calls", "$.table", "PostUpdate", "HandleError"),
        )
}

/// `RunGlueJob → WaitForGlueJob → GetGlueJobRun → GlueJobDone`, looping until the run ends;
/// a run that ends other than SUCCEEDED goes to `GlueJobFailed → HandleError`.
fn glue_run_states(machine: StateMachineBuilder, poll_seconds: u32) -> StateMachineBuilder {
    machine
        .state(
            "RunGlueJob",
            Task::sdk("glue:startJobRun", json!({"JobName.$": "$.glue.job_name", "Arguments.$": "$.glue.arguments"}))
                .result_selector(json!({"id.$": "$.JobRunId"}))
                .result_path("$.glue.run")
                // The job runs one batch at a time: the next batch waits for the running one
                // (up to 100 looks) instead of failing.
                .retry(
                    Retry::new(["Glue.ConcurrentRunsExceededException"])
                        .interval_seconds(2 * poll_seconds)
                        .max_attempts(100)
                        .backoff_rate(1.0),
                )
                .catch(catch_all())
                .next("WaitForGlueJob"),
        )
        .state("WaitForGlueJob", Wait::seconds(poll_seconds).next("GetGlueJobRun"))
        .state(
            "GetGlueJobRun",
            Task::sdk("glue:getJobRun", json!({"JobName.$": "$.glue.job_name", "RunId.$": "$.glue.run.id"}))
                .result_selector(json!({"id.$": "$.JobRun.Id", "state.$": "$.JobRun.JobRunState"}))
                .result_path("$.glue.run")
                .catch(catch_all())
                .next("GlueJobDone"),
        )
        .state(
            "GlueJobDone",
            Choice::new()
                .when(Condition::string_equals("$.glue.run.state", "SUCCEEDED"), "HasQualityRuleset")
                .when(
                    Condition::or(
                        ["FAILED", "ERROR", "TIMEOUT", "STOPPED", "EXPIRED"]
                            .map(|state| Condition::string_equals("$.glue.run.state", state)),
                    ),
                    "GlueJobFailed",
                )
                .otherwise("WaitForGlueJob"),
        )
        .state(
            "GlueJobFailed",
            Pass::new()
                .parameter("Error", "Glue.JobRunFailed")
                .parameter(
                    "Cause",
                    Field::path(
                        "States.Format('Glue job {} run {} ended {}; its logs are in the Glue console', \
                         $.glue.job_name, $.glue.run.id, $.glue.run.state)",
                    ),
                )
                .result_path("$.error")
                .next("HandleError"),
        )
}

/// The publish function invoked for `step` with the execution's input.
fn publish_task(function: Expr, step: PublishStep) -> Task {
    Task::lambda_invoke(function, Field::value(json!({"step": step.as_str(), "input.$": "$"})))
        .retry(Retry::lambda_service_errors())
        .catch(catch_all())
}

/// From the Glue job's pending output to `PublishBatch → IsPublished`: its quality evaluated
/// by Glue Data Quality on a temporary table over the pending folder (see
/// [`sdlf_lambda_core::messages::PublishStep`]), unless the dataset has no ruleset.
fn glue_quality_states(machine: StateMachineBuilder, glue: GlueSteps) -> StateMachineBuilder {
    const DROP_AFTER_ERROR: &str = "DropPendingTableAfterError";
    let pending_name = "$.pending.table.Name";
    let drop = json!({"DatabaseName.$": "$.database", "Name.$": pending_name});
    // Separate rules rather than `Or`: a comparison on an absent path is a runtime error.
    let has_ruleset = Choice::new()
        .when(Condition::is_present("$.quality_ruleset", false), "PublishBatch")
        .when(Condition::string_equals("$.quality_ruleset", ""), "PublishBatch")
        .otherwise("DescribePending");
    let machine = machine
        .state("HasQualityRuleset", has_ruleset)
        .state(
            "DescribePending",
            publish_task(glue.publish.clone(), PublishStep::Describe)
                .result_selector(json!({"table.$": "$.Payload.table", "partition_calls.$": "$.Payload.partition_calls"}))
                .result_path("$.pending")
                .next("HasPendingTable"),
        )
        .state(
            "HasPendingTable",
            // No rows written: nothing to evaluate; the publish step says so per rule.
            Choice::new().when(Condition::is_null("$.pending.table", true), "PublishBatch").otherwise("CreatePendingTable"),
        );
    let machine = register_table_states(
        machine,
        ["CreatePendingTable", "UpdatePendingTable"],
        "$.pending.table",
        "RegisterPendingPartitions",
        DROP_AFTER_ERROR,
    );
    machine
        .state(
            "RegisterPendingPartitions",
            register_partitions("$.pending.partition_calls", pending_name, "EvaluateQuality", DROP_AFTER_ERROR),
        )
        .state(
            "EvaluateQuality",
            Task::new(resource::GLUE_START_DATA_QUALITY_RULESET_EVALUATION_RUN_SYNC)
                .parameter("DataSource", json!({"GlueTable": {"DatabaseName.$": "$.database", "TableName.$": pending_name}}))
                .parameter("Role", glue.glue_job_role)
                .parameter("RulesetNames", Field::path("States.Array($.quality_ruleset)"))
                .parameter("AdditionalRunOptions", json!({"CloudWatchMetricsEnabled": true}))
                .result_selector(json!({"run_id.$": "$.RunId", "status.$": "$.Status", "result_ids.$": "$.ResultIds"}))
                .result_path("$.quality")
                .catch(Catch::all(DROP_AFTER_ERROR, "$.error"))
                .next("ReadQualityResult"),
        )
        .state(
            "ReadQualityResult",
            // One ruleset, one result: its rules' outcomes and metrics, for the publish step.
            Task::sdk(
                "glue:getDataQualityResult",
                json!({"ResultId.$": "States.ArrayGetItem($.quality.result_ids, 0)"}),
            )
            .result_selector(json!({"score.$": "$.Score", "rules.$": "$.RuleResults"}))
            .result_path("$.glue_quality")
            .catch(Catch::all(DROP_AFTER_ERROR, "$.error"))
            .next("DropPendingTable"),
        )
        .state(
            "DropPendingTable",
            Task::sdk("glue:deleteTable", drop.clone()).result_path(ResultPath::Discard).catch(catch_all()).next("PublishBatch"),
        )
        .state(
            DROP_AFTER_ERROR,
            // The error that led here stays at `$.error` whether or not the table goes.
            Task::sdk("glue:deleteTable", drop)
                .result_path(ResultPath::Discard)
                .catch(Catch::all("HandleError", "$.drop_error"))
                .next("HandleError"),
        )
        .state(
            "PublishBatch",
            publish_task(glue.publish, PublishStep::Publish)
                .result_selector(outcome_selector())
                .result_path("$.transformed")
                .next("IsPublished"),
        )
}

/// `IsPublished → StartCrawler → WaitForCrawler → GetCrawler → CrawlerReady → PostUpdate`,
/// looping until the crawler is ready; a batch that published nothing skips the crawler.
fn crawler_states(machine: StateMachineBuilder, poll_seconds: u32) -> StateMachineBuilder {
    machine
        .state(
            "IsPublished",
            Choice::new()
                .when(Condition::boolean_equals("$.transformed.quarantined", true), "PostUpdate")
                .when(Condition::numeric_equals("$.transformed.rows", 0), "PostUpdate")
                .otherwise("StartCrawler"),
        )
        .state(
            "StartCrawler",
            Task::sdk("glue:startCrawler", json!({"Name.$": "$.crawler"}))
                .result_path(ResultPath::Discard)
                // Already running (a previous batch, or by hand): wait, then start it again, so
                // this batch's output is crawled.
                .retry(
                    Retry::new(["Glue.CrawlerRunningException"])
                        .interval_seconds(poll_seconds)
                        .max_attempts(20)
                        .backoff_rate(1.0),
                )
                .catch(catch_all())
                .next("WaitForCrawler"),
        )
        .state("WaitForCrawler", Wait::seconds(poll_seconds).next("GetCrawler"))
        .state(
            "GetCrawler",
            Task::sdk("glue:getCrawler", json!({"Name.$": "$.crawler"}))
                .result_selector(json!({"State.$": "$.Crawler.State"}))
                .result_path("$.crawler_state")
                .catch(catch_all())
                .next("CrawlerReady"),
        )
        .state(
            "CrawlerReady",
            Choice::new()
                .when(Condition::string_equals("$.crawler_state.State", "READY"), "PostUpdate")
                .otherwise("WaitForCrawler"),
        )
}

/// `PostUpdate → QualityPassed → NotifyTransformed | NotifyQualityFailed → Done`.
fn post_update_states(machine: StateMachineBuilder, post_update: Expr, topic: Expr) -> StateMachineBuilder {
    machine
        .state(
            "PostUpdate",
            Task::lambda_invoke(post_update, Field::path("$"))
                .result_selector(json!({"table.$": "$.Payload.table"}))
                .result_path("$.post_update")
                .retry(Retry::lambda_service_errors())
                .catch(catch_all())
                .next("QualityPassed"),
        )
        .state(
            "QualityPassed",
            Choice::new()
                .when(Condition::boolean_equals("$.transformed.passed", true), "NotifyTransformed")
                .otherwise("NotifyQualityFailed"),
        )
        .state(
            "NotifyTransformed",
            notify(
                topic.clone(),
                "sdlf stage B succeeded",
                "States.Format('Stage B of pipeline {}/{} processed a batch of dataset {}: execution {}, \
                         {} rows on {}; every data-quality rule passed.', $.team, $.pipeline, $.dataset, \
                         $.execution_id, $.transformed.rows, $.heavy.engine)",
            ),
        )
        .state(
            "NotifyQualityFailed",
            notify(
                topic,
                "sdlf stage B: data quality failed",
                "States.Format('Stage B of pipeline {}/{}: a batch of dataset {} failed data-quality rules \
                         (execution {} on {}; kept out of the analytics layer: {}).\n{}', $.team, $.pipeline, \
                         $.dataset, $.execution_id, $.heavy.engine, $.transformed.quarantined, $.transformed.failures)",
            ),
        )
}

/// `Done`, and the error path `HandleError → Failed`.
fn notify_and_end_states(machine: StateMachineBuilder, error: Expr) -> StateMachineBuilder {
    machine
        .state("Done", Succeed::new())
        .state("HandleError", handle_error(error))
        .state(
            "Failed",
            Fail::new().error("StageBFailed").cause("Stage B failed; its input went to the stage B dead-letter queue"),
        )
}
