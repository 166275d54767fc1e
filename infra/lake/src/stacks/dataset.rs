//! The dataset stack: one per team and dataset.
//!
//! - Glue database `{org}_{domain}_{env}_{team}_{dataset}` at `s3://{analytics}/{team}/{dataset}/`
//!   (kept when the stack goes in a real account: it holds the table definitions).
//! - Crawler `sdlf-{team}-{dataset}-crawler` over that prefix, run by the team crawler role
//!   with the team's Glue security configuration. No schedule: stage B starts it after the
//!   heavy transform. It makes one table, named `{table_prefix}{dataset}` (the grouping policy
//!   below pins the table at the dataset folder, so Glue names it after that folder).
//! - Lake Formation grants to the crawler role (location + CREATE_TABLE/ALTER/DROP on the
//!   database: without them a crawler fails under Lake Formation, the original framework's
//!   issue #513) and, when the dataset has quality rules, SELECT/DESCRIBE on the database's
//!   tables to the Glue job role, which data-quality runs use. Left out in `local`.
//! - Glue Data Quality ruleset `sdlf-{team}-{dataset}-quality-ruleset` on that table, when the
//!   dataset has rules (left out in `local`).
//! - Stage B queue `sdlf-{team}-{dataset}-queue-b` + `-dlq` (team key), and the EventBridge
//!   Scheduler schedule `sdlf-{team}-{dataset}-schedule-b` that invokes the pipeline's stage B
//!   routing function with `{"team": .., "pipeline": .., "dataset": ..}`.
//! - The dataset's row of the dataset-config table (see below).
//!
//! SSM (`/sdlf/{env}/dataset/{team}/{dataset}/...`): `QueueStageBUrl`,
//! `QueueStageBDeadLetterUrl`, `GlueDatabase`, `Crawler`.
//!
//! The dataset's row of the dataset-config table is
//! [`sdlf_lambda_core::contract::config::DatasetConfig`], serialized into the properties of a
//! `Custom::DatasetConfig` resource (the functions read the row with the same type).

use sdlf_cfn::{Expr, ResourceOptions};
use sdlf_cfn_types::{glue, iam, lakeformation, scheduler};
use sdlf_policy::{Condition, PolicyDocument, Statement};

use sdlf_lambda_core::contract::config::{ConfigResource, DatasetConfig, RowKind};
use sdlf_lambda_core::contract::resources::DatasetResource;
use sdlf_lambda_core::messages::ScheduleInput;

use crate::definition::{Dataset, Team};
use crate::names::{Layer, dataset_prefix};
use crate::stack::Stack;
use crate::stacks::constructs::{self, QueueSpec, s3_arn};
use crate::stacks::team::role_path;
use crate::stacks::{
    BuildError, CatalogOutputs, Ctx, DatasetOutputs, FoundationsOutputs, PipelineOutputs, TeamOutputs,
};

/// Visibility timeout of the stage B queue: Lambda's maximum timeout, so it is at least the
/// stage B routing function's timeout whatever the pipeline sets (the function receives a
/// batch, then starts the state machine; a message must not reappear meanwhile).
pub const STAGE_B_VISIBILITY_SECONDS: i64 = 900;

/// Crawler settings (a JSON string, as Glue takes it). `TableLevelConfiguration: 3` puts the
/// table at `s3://{bucket}/{team}/{dataset}/` (bucket = level 1), so the whole dataset is one
/// table named after the dataset, and partitions inherit the table's schema.
const CRAWLER_CONFIGURATION: &str = r#"{"Version":1.0,"Grouping":{"TableGroupingPolicy":"CombineCompatibleSchemas","TableLevelConfiguration":3},"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"}}}"#;

/// Name of the table the crawler makes (see the module doc).
pub fn table_name(dataset: &Dataset) -> String {
    format!("{}{}", dataset.crawler.table_prefix.as_deref().unwrap_or(""), dataset.name)
}

pub fn build(
    ctx: &Ctx,
    team: &Team,
    dataset: &Dataset,
    foundations: &FoundationsOutputs,
    catalog: &CatalogOutputs,
    team_outputs: &TeamOutputs,
    pipeline: &PipelineOutputs,
) -> Result<(Stack, DatasetOutputs), BuildError> {
    let (t, d) = (team.name.as_str(), dataset.name.as_str());
    let names = ctx.names;
    let stack_name = names.dataset_stack(t, d);
    let invalid = |problem: String| BuildError::Invalid { stack: stack_name.clone(), problem };
    if team_outputs.team != t || pipeline.team != t || pipeline.pipeline != dataset.pipeline {
        return Err(invalid(format!(
            "dataset `{t}/{d}` (pipeline `{}`) was given the outputs of team `{}` and pipeline `{}/{}`",
            dataset.pipeline, team_outputs.team, pipeline.team, pipeline.pipeline
        )));
    }
    let glue_job = pipeline.glue_jobs.get(d).ok_or_else(|| {
        invalid(format!("pipeline `{t}/{}` publishes no Glue job for dataset `{d}`", pipeline.pipeline))
    })?;
    let ruleset_text = if dataset.quality_rules.is_empty() {
        None
    } else {
        Some(crate::quality::render_ruleset(&dataset.quality_rules).map_err(|e| invalid(e.to_string()))?)
    };

    let mut stack = ctx.stack(
        stack_name.clone(),
        &format!("SDLF dataset {t}/{d}: catalog database, crawler, quality ruleset, stage B queue and schedule"),
        Some(t),
    );
    let analytics = stack.import(&foundations.analytics_bucket);
    let config_table = stack.import(&foundations.dataset_config_table);
    let config_function = stack.import(&catalog.config_function_arn);
    let team_key = stack.import(&team_outputs.key_arn);
    let boundary = stack.import(&team_outputs.permissions_boundary_arn);
    let crawler_role = stack.import(&team_outputs.crawler_role_arn);
    let security_configuration = stack.import(&team_outputs.glue_security_configuration);
    let topic = stack.import(&team_outputs.topic_arn);
    let stage_a_queue = stack.import(&pipeline.stage_a_queue_url);
    let routing_function = stack.import(&pipeline.stage_b_routing_function_arn);
    let glue_job = stack.import(glue_job);

    let prefix = dataset_prefix(Layer::Analytics, t, d);
    let s3_url = Expr::join("", [Expr::string("s3://"), analytics.clone(), Expr::string(format!("/{prefix}"))]);
    let account = Expr::sub("${AWS::AccountId}");

    let database_name = names.glue_database(t, d);
    let database = stack.template.add_with(
        "Database",
        glue::Database::new(
            account.clone(),
            glue::database::DatabaseInput {
                name: Some(database_name.clone().into()),
                description: Some(format!("SDLF dataset {t}/{d}: tables of the analytics layer").into()),
                location_uri: Some(s3_url.clone().into()),
                ..Default::default()
            },
        ),
        ctx.stateful(),
    );

    use lakeformation::permissions as lf;
    let principal = |arn: &Expr| lf::DataLakePrincipal { data_lake_principal_identifier: Some(arn.clone().into()) };
    let perms = |list: &[&str]| Some(list.iter().map(|p| (*p).into()).collect::<Vec<_>>());
    let location_grant = stack.add_where_supported(
        "CrawlerLocationPermission",
        lakeformation::Permissions {
            permissions: perms(&["DATA_LOCATION_ACCESS"]),
            ..lakeformation::Permissions::new(
                principal(&crawler_role),
                lf::Resource {
                    data_location_resource: Some(lf::DataLocationResource {
                        catalog_id: Some(account.clone().into()),
                        s3_resource: Some(s3_arn(analytics.clone(), &format!("/{t}/{d}")).into()),
                    }),
                    ..Default::default()
                },
            )
        },
        ResourceOptions::new(),
    );
    let database_grant = stack.add_where_supported(
        "CrawlerDatabasePermission",
        lakeformation::Permissions {
            permissions: perms(&["CREATE_TABLE", "ALTER", "DROP"]),
            ..lakeformation::Permissions::new(
                principal(&crawler_role),
                lf::Resource {
                    database_resource: Some(lf::DatabaseResource {
                        catalog_id: Some(account.clone().into()),
                        name: Some(database.reference().into()),
                    }),
                    ..Default::default()
                },
            )
        },
        ResourceOptions::new(),
    );

    let crawler_name = names.dataset_resource(t, d, DatasetResource::Crawler.suffix());
    let mut crawler_options = ResourceOptions::new();
    for grant in [&location_grant, &database_grant].into_iter().flatten() {
        crawler_options = crawler_options.depends_on(grant);
    }
    use glue::crawler as gc;
    let crawler = stack.template.add_with(
        "Crawler",
        glue::Crawler {
            name: Some(crawler_name.clone().into()),
            description: Some(format!("Catalogues the analytics layer of dataset {t}/{d}; started by stage B").into()),
            database_name: Some(database.reference().into()),
            crawler_security_configuration: Some(security_configuration.into()),
            table_prefix: dataset.crawler.table_prefix.clone().map(Into::into),
            configuration: Some(CRAWLER_CONFIGURATION.into()),
            // The table follows the heavy transform's schema as the definition evolves, but a
            // crawl that finds objects missing (mid-rewrite, say) only logs it: dropping the
            // table would break Athena users and the quality ruleset that target it.
            schema_change_policy: Some(gc::SchemaChangePolicy {
                update_behavior: Some(gc::UpdateBehavior::UpdateInDatabase.into()),
                delete_behavior: Some(gc::DeleteBehavior::Log.into()),
            }),
            // Crawling new folders only would require LOG for updates too (Glue's rule), so
            // schema changes in existing partitions would never reach the table: crawl everything.
            recrawl_policy: Some(gc::RecrawlPolicy {
                recrawl_behavior: Some(gc::RecrawlBehavior::CrawlEverything.into()),
            }),
            ..glue::Crawler::new(
                crawler_role.clone(),
                gc::Targets {
                    s3_targets: Some(vec![gc::S3Target { path: Some(s3_url.into()), ..Default::default() }]),
                    ..Default::default()
                },
            )
        },
        crawler_options,
    );

    let table = table_name(dataset);
    let ruleset_name = names.dataset_resource(t, d, DatasetResource::QualityRuleset.suffix());
    let ruleset = match ruleset_text {
        Some(text) => {
            let ruleset = stack.add_where_supported(
                "QualityRuleset",
                glue::DataQualityRuleset {
                    description: Some(format!("Data-quality rules of dataset {t}/{d}").into()),
                    ruleset: Some(text.into()),
                    target_table: Some(glue::data_quality_ruleset::DataQualityTargetTable::new(
                        database.reference(),
                        table.clone(),
                    )),
                    ..glue::DataQualityRuleset::new(ruleset_name.clone())
                },
                ResourceOptions::new(),
            );
            // Evaluation runs as the Glue job role, reading the table through Lake Formation.
            // Imported only when the ruleset exists: where Data Quality is left out, so is Lake
            // Formation, and an unused template parameter is a lint warning.
            if ruleset.is_some() {
                let glue_job_role = stack.import(&team_outputs.glue_job_role_arn);
                stack.add_where_supported(
                    "QualityTablePermission",
                    lakeformation::Permissions {
                        permissions: perms(&["SELECT", "DESCRIBE"]),
                        ..lakeformation::Permissions::new(
                            principal(&glue_job_role),
                            lf::Resource {
                                table_resource: Some(lf::TableResource {
                                    catalog_id: Some(account.clone().into()),
                                    database_name: Some(database.reference().into()),
                                    table_wildcard: Some(Expr::map(Vec::<(String, Expr)>::new())),
                                    ..Default::default()
                                }),
                                ..Default::default()
                            },
                        )
                    },
                    ResourceOptions::new(),
                );
            }
            ruleset
        }
        None => None,
    };

    let queues = constructs::queue_with_dlq(
        &mut stack,
        QueueSpec {
            id: "StageB",
            name: names.dataset_resource(t, d, DatasetResource::QueueB.suffix()),
            key_arn: team_key.clone(),
            visibility_timeout_seconds: STAGE_B_VISIBILITY_SECONDS,
            max_receive_count: i64::from(dataset.batch.max_receive_count),
            extra_statements: vec![],
        },
    )?;

    let trust = PolicyDocument::new().statement(
        Statement::assume_role("scheduler.amazonaws.com")
            .condition(Condition::string_equals("aws:SourceAccount", account.clone())),
    );
    let trust = constructs::document(&stack, "ScheduleRole", trust)?;
    let permissions = PolicyDocument::new()
        .statement(
            Statement::allow().sid("StartStageB").action("lambda:InvokeFunction").resource(routing_function.clone()),
        )
        // The schedule's input is encrypted with the team key; the role decrypts it to deliver it.
        .statement(Statement::allow().sid("DecryptInput").action("kms:Decrypt").resource(team_key.clone()));
    let permissions = constructs::document(&stack, "ScheduleRole", permissions)?;
    let schedule_role = stack.template.add(
        "ScheduleRole",
        iam::Role {
            description: Some(format!("Starts stage B of dataset {t}/{d} on schedule").into()),
            path: Some(role_path(t).into()),
            permissions_boundary: Some(boundary.into()),
            policies: Some(vec![iam::role::Policy::new(permissions, "invoke")]),
            ..iam::Role::new(trust)
        },
    );
    // What stage B routing reads when the schedule invokes it.
    let input = ScheduleInput { team: t.to_owned(), pipeline: dataset.pipeline.clone(), dataset: d.to_owned() };
    let input = serde_json::to_string(&input).map_err(|e| invalid(format!("schedule input: {e}")))?;
    stack.template.add(
        "Schedule",
        scheduler::Schedule {
            name: Some(names.dataset_resource(t, d, DatasetResource::ScheduleB.suffix()).into()),
            description: Some(format!("Starts stage B of dataset {t}/{d}").into()),
            kms_key_arn: Some(team_key.into()),
            state: Some(scheduler::schedule::ScheduleState::Enabled.into()),
            ..scheduler::Schedule::new(
                scheduler::schedule::FlexibleTimeWindow::new(scheduler::schedule::FlexibleTimeWindowMode::Off),
                dataset.schedule.expression(),
                scheduler::schedule::Target {
                    input: Some(input.into()),
                    ..scheduler::schedule::Target::new(routing_function, schedule_role.arn())
                },
            )
        },
    );

    let lt = &dataset.light_transform;
    let row = DatasetConfig {
        team: t.to_owned(),
        dataset: d.to_owned(),
        pipeline: dataset.pipeline.clone(),
        stage_a_queue_url: stage_a_queue,
        stage_b_queue_url: queues.queue.reference(),
        input_format: lt.input.clone(),
        target_format: lt.target,
        schema: lt.schema.clone(),
        min_items: dataset.batch.min_items,
        max_items: dataset.batch.max_items,
        glue_job,
        glue_database: database.reference(),
        crawler: crawler.reference(),
        glue_table: table_name(dataset),
        quality_ruleset: if ruleset.is_some() { ruleset_name } else { String::new() },
        topic,
    };
    constructs::config_row(
        &mut stack,
        "DatasetConfig",
        RowKind::Dataset,
        config_function,
        ConfigResource { table: config_table, key: format!("{t}/{d}"), row },
    )?;

    let ssm = |what: &str| names.ssm(&format!("dataset/{t}/{d}/{what}"));
    let stage_b_queue_url = stack.publish(
        "QueueStageBUrlParameter",
        ssm("QueueStageBUrl"),
        queues.queue.reference(),
        "URL of the dataset's stage B queue",
    );
    stack.publish(
        "QueueStageBDeadLetterUrlParameter",
        ssm("QueueStageBDeadLetterUrl"),
        queues.dead_letter.reference(),
        "URL of the dataset's stage B dead-letter queue (for redrives)",
    );
    let outputs = DatasetOutputs {
        team: t.to_owned(),
        dataset: d.to_owned(),
        stage_b_queue_url,
        glue_database: stack.publish(
            "GlueDatabaseParameter",
            ssm("GlueDatabase"),
            database.reference(),
            "Name of the dataset's Glue database",
        ),
        crawler: stack.publish(
            "CrawlerParameter",
            ssm("Crawler"),
            crawler.reference(),
            "Name of the dataset's crawler",
        ),
    };
    Ok((stack, outputs))
}
