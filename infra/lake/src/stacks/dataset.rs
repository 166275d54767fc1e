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

use sdlf_cfn::{Expr, Handle, ResourceOptions};
use sdlf_cfn_types::lakeformation::permissions as lf;
use sdlf_cfn_types::{glue, iam, lakeformation, scheduler};
use sdlf_policy::{Condition, PolicyDocument, Statement};

use sdlf_lambda_core::contract::config::{ConfigResource, DatasetConfig, RowKind};
use sdlf_lambda_core::contract::resources::DatasetResource;
use sdlf_lambda_core::messages::ScheduleInput;

use crate::definition::{Dataset, Team};
use crate::names::{Layer, dataset_prefix};
use crate::stack::{Published, Stack};
use crate::stacks::constructs::{self, QueueSpec, Queues, s3_arn};
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

/// The outputs of the stacks before this one that a dataset stack builds on.
struct Upstream<'a> {
    foundations: &'a FoundationsOutputs,
    catalog: &'a CatalogOutputs,
    team: &'a TeamOutputs,
    pipeline: &'a PipelineOutputs,
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
    let upstream = Upstream { foundations, catalog, team: team_outputs, pipeline };
    let (t, d) = (team.name.as_str(), dataset.name.as_str());
    let stack_name = ctx.names.dataset_stack(t, d);
    let invalid = |problem: String| BuildError::Invalid { stack: stack_name.clone(), problem };
    let glue_job = matching_glue_job(t, dataset, &upstream).map_err(invalid)?;
    let ruleset_text = if dataset.quality.rules.is_empty() {
        None
    } else {
        Some(crate::quality::render_ruleset(&dataset.quality.rules).map_err(|e| invalid(e.to_string()))?)
    };

    let mut stack = ctx.stack(
        stack_name.clone(),
        &format!("SDLF dataset {t}/{d}: catalog database, crawler, quality ruleset, stage B queue and schedule"),
        Some(t),
    );
    let imports = Imports::of(&mut stack, &upstream, glue_job);
    let b = Builder { ctx, team: t, dataset, imports };

    let database = b.database(&mut stack);
    let crawler = b.crawler(&mut stack, &database);
    let ruleset = match ruleset_text {
        Some(text) => b.quality_ruleset(&mut stack, &upstream, &database, text),
        None => None,
    };
    let queues = b.stage_b_queue(&mut stack)?;
    b.schedule(&mut stack)?;
    b.config_row(&mut stack, &queues, &database, &crawler, ruleset.is_some())?;
    let outputs = b.publish(&mut stack, &queues, &database, &crawler);
    Ok((stack, outputs))
}

/// The Glue job the pipeline publishes for the dataset, once the outputs are checked to be
/// the dataset's own team's and pipeline's; else why not.
fn matching_glue_job<'u>(t: &str, dataset: &Dataset, upstream: &Upstream<'u>) -> Result<&'u Published, String> {
    let (d, team, pipeline) = (dataset.name.as_str(), upstream.team, upstream.pipeline);
    if team.team != t || pipeline.team != t || pipeline.pipeline != dataset.pipeline {
        return Err(format!(
            "dataset `{t}/{d}` (pipeline `{}`) was given the outputs of team `{}` and pipeline `{}/{}`",
            dataset.pipeline, team.team, pipeline.team, pipeline.pipeline
        ));
    }
    pipeline
        .glue_jobs
        .get(d)
        .ok_or_else(|| format!("pipeline `{t}/{}` publishes no Glue job for dataset `{d}`", pipeline.pipeline))
}

/// The values this stack reads from the stacks before it.
struct Imports {
    analytics: Expr,
    config_table: Expr,
    config_function: Expr,
    team_key: Expr,
    boundary: Expr,
    crawler_role: Expr,
    security_configuration: Expr,
    topic: Expr,
    stage_a_queue: Expr,
    routing_function: Expr,
    glue_job: Expr,
}

impl Imports {
    /// Imported in this order, which is the order of the template's parameters.
    fn of(stack: &mut Stack, upstream: &Upstream, glue_job: &Published) -> Imports {
        let (foundations, team) = (upstream.foundations, upstream.team);
        Imports {
            analytics: stack.import(&foundations.analytics_bucket),
            config_table: stack.import(&foundations.dataset_config_table),
            config_function: stack.import(&upstream.catalog.config_function_arn),
            team_key: stack.import(&team.key_arn),
            boundary: stack.import(&team.permissions_boundary_arn),
            crawler_role: stack.import(&team.crawler_role_arn),
            security_configuration: stack.import(&team.glue_security_configuration),
            topic: stack.import(&team.topic_arn),
            stage_a_queue: stack.import(&upstream.pipeline.stage_a_queue_url),
            routing_function: stack.import(&upstream.pipeline.stage_b_routing_function_arn),
            glue_job: stack.import(glue_job),
        }
    }
}

/// The dataset being built, and what its stack imports.
struct Builder<'a> {
    ctx: &'a Ctx<'a>,
    team: &'a str,
    dataset: &'a Dataset,
    imports: Imports,
}

/// A Lake Formation grant of `permissions` on `resource` to the role `principal`.
fn grant(principal: &Expr, permissions: &[&str], resource: lf::Resource) -> lakeformation::Permissions {
    lakeformation::Permissions {
        permissions: Some(permissions.iter().map(|p| (*p).into()).collect()),
        ..lakeformation::Permissions::new(
            lf::DataLakePrincipal { data_lake_principal_identifier: Some(principal.clone().into()) },
            resource,
        )
    }
}

/// This account, as a Glue catalog id and a condition value.
fn account() -> Expr {
    Expr::sub("${AWS::AccountId}")
}

impl Builder<'_> {
    fn name(&self, resource: DatasetResource) -> String {
        self.ctx.names.dataset_resource(self.team, &self.dataset.name, resource.suffix())
    }

    /// `s3://{analytics}/{team}/{dataset}/`: the database's location and the crawler's target.
    fn analytics_url(&self) -> Expr {
        let prefix = dataset_prefix(Layer::Analytics, self.team, &self.dataset.name);
        Expr::join("", [Expr::string("s3://"), self.imports.analytics.clone(), Expr::string(format!("/{prefix}"))])
    }

    // --- Database --------------------------------------------------------------------------

    fn database(&self, stack: &mut Stack) -> Handle<glue::Database> {
        let (t, d) = (self.team, &self.dataset.name);
        stack.template.add_with(
            "Database",
            glue::Database::new(
                account(),
                glue::database::DatabaseInput {
                    name: Some(self.ctx.names.glue_database(t, d).into()),
                    description: Some(format!("SDLF dataset {t}/{d}: tables of the analytics layer").into()),
                    location_uri: Some(self.analytics_url().into()),
                    ..Default::default()
                },
            ),
            self.ctx.stateful(),
        )
    }

    // --- Crawler ---------------------------------------------------------------------------

    /// The crawler, after the Lake Formation grants it needs (where Lake Formation is).
    fn crawler(&self, stack: &mut Stack, database: &Handle<glue::Database>) -> Handle<glue::Crawler> {
        let (t, d) = (self.team, &self.dataset.name);
        let mut options = ResourceOptions::new();
        for grant in self.crawler_grants(stack, database).into_iter().flatten() {
            options = options.depends_on(&grant);
        }
        use glue::crawler as gc;
        stack.template.add_with(
            "Crawler",
            glue::Crawler {
                name: Some(self.name(DatasetResource::Crawler).into()),
                description: Some(
                    format!("Catalogues the analytics layer of dataset {t}/{d}; started by stage B").into(),
                ),
                database_name: Some(database.reference().into()),
                crawler_security_configuration: Some(self.imports.security_configuration.clone().into()),
                table_prefix: self.dataset.crawler.table_prefix.clone().map(Into::into),
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
                    self.imports.crawler_role.clone(),
                    gc::Targets {
                        s3_targets: Some(vec![gc::S3Target {
                            path: Some(self.analytics_url().into()),
                            ..Default::default()
                        }]),
                        ..Default::default()
                    },
                )
            },
            options,
        )
    }

    /// Location access and CREATE_TABLE/ALTER/DROP on the database for the crawler role:
    /// without them a crawler fails under Lake Formation (the original framework's issue #513).
    fn crawler_grants(
        &self,
        stack: &mut Stack,
        database: &Handle<glue::Database>,
    ) -> [Option<Handle<lakeformation::Permissions>>; 2] {
        let role = &self.imports.crawler_role;
        // The dataset's folder, without the prefix's trailing slash.
        let folder = dataset_prefix(Layer::Analytics, self.team, &self.dataset.name);
        let location = lf::Resource {
            data_location_resource: Some(lf::DataLocationResource {
                catalog_id: Some(account().into()),
                s3_resource: Some(
                    s3_arn(self.imports.analytics.clone(), &format!("/{}", folder.trim_end_matches('/'))).into(),
                ),
            }),
            ..Default::default()
        };
        let location_grant = stack.add_where_supported(
            "CrawlerLocationPermission",
            grant(role, &["DATA_LOCATION_ACCESS"], location),
            ResourceOptions::new(),
        );
        let on_database = lf::Resource {
            database_resource: Some(lf::DatabaseResource {
                catalog_id: Some(account().into()),
                name: Some(database.reference().into()),
            }),
            ..Default::default()
        };
        let database_grant = stack.add_where_supported(
            "CrawlerDatabasePermission",
            grant(role, &["CREATE_TABLE", "ALTER", "DROP"], on_database),
            ResourceOptions::new(),
        );
        [location_grant, database_grant]
    }

    // --- Quality ruleset -------------------------------------------------------------------

    /// The ruleset on the crawler's table (where Glue Data Quality is), and the Glue job
    /// role's SELECT/DESCRIBE on the database's tables: evaluation runs as that role, reading
    /// the table through Lake Formation.
    fn quality_ruleset(
        &self,
        stack: &mut Stack,
        upstream: &Upstream,
        database: &Handle<glue::Database>,
        text: String,
    ) -> Option<Handle<glue::DataQualityRuleset>> {
        let (t, d) = (self.team, &self.dataset.name);
        let ruleset = stack.add_where_supported(
            "QualityRuleset",
            glue::DataQualityRuleset {
                description: Some(format!("Data-quality rules of dataset {t}/{d}").into()),
                ruleset: Some(text.into()),
                target_table: Some(glue::data_quality_ruleset::DataQualityTargetTable::new(
                    database.reference(),
                    table_name(self.dataset),
                )),
                ..glue::DataQualityRuleset::new(self.name(DatasetResource::QualityRuleset))
            },
            ResourceOptions::new(),
        )?;
        // Imported only when the ruleset exists: where Data Quality is left out, so is Lake
        // Formation, and an unused template parameter is a lint warning.
        let glue_job_role = stack.import(&upstream.team.glue_job_role_arn);
        let tables = lf::Resource {
            table_resource: Some(lf::TableResource {
                catalog_id: Some(account().into()),
                database_name: Some(database.reference().into()),
                table_wildcard: Some(Expr::map(Vec::<(String, Expr)>::new())),
                ..Default::default()
            }),
            ..Default::default()
        };
        stack.add_where_supported(
            "QualityTablePermission",
            grant(&glue_job_role, &["SELECT", "DESCRIBE"], tables),
            ResourceOptions::new(),
        );
        Some(ruleset)
    }

    // --- Stage B queue and schedule --------------------------------------------------------

    fn stage_b_queue(&self, stack: &mut Stack) -> Result<Queues, BuildError> {
        constructs::queue_with_dlq(
            stack,
            QueueSpec {
                id: "StageB",
                name: self.name(DatasetResource::QueueB),
                key_arn: self.imports.team_key.clone(),
                visibility_timeout_seconds: STAGE_B_VISIBILITY_SECONDS,
                max_receive_count: self.dataset.batch.max_receive_count,
                extra_statements: vec![],
            },
        )
    }

    /// The schedule that invokes the pipeline's stage B routing function for this dataset,
    /// with the role it does it with.
    fn schedule(&self, stack: &mut Stack) -> Result<(), BuildError> {
        let (t, d, im) = (self.team, &self.dataset.name, &self.imports);
        let role = self.schedule_role(stack)?;
        // What stage B routing reads when the schedule invokes it.
        let input = ScheduleInput { team: t.to_owned(), pipeline: self.dataset.pipeline.clone(), dataset: d.clone() };
        let input = serde_json::to_string(&input).map_err(|e| BuildError::Invalid {
            stack: stack.name().to_owned(),
            problem: format!("schedule input: {e}"),
        })?;
        stack.template.add(
            "Schedule",
            scheduler::Schedule {
                name: Some(self.name(DatasetResource::ScheduleB).into()),
                description: Some(format!("Starts stage B of dataset {t}/{d}").into()),
                kms_key_arn: Some(im.team_key.clone().into()),
                state: Some(scheduler::schedule::ScheduleState::Enabled.into()),
                ..scheduler::Schedule::new(
                    scheduler::schedule::FlexibleTimeWindow::new(scheduler::schedule::FlexibleTimeWindowMode::Off),
                    self.dataset.schedule.expression(),
                    scheduler::schedule::Target {
                        input: Some(input.into()),
                        ..scheduler::schedule::Target::new(im.routing_function.clone(), role.arn())
                    },
                )
            },
        );
        Ok(())
    }

    fn schedule_role(&self, stack: &mut Stack) -> Result<Handle<iam::Role>, BuildError> {
        let (t, d, im) = (self.team, &self.dataset.name, &self.imports);
        let trust = PolicyDocument::new().statement(
            Statement::assume_role("scheduler.amazonaws.com")
                .condition(Condition::string_equals("aws:SourceAccount", account())),
        );
        let trust = constructs::document(stack, "ScheduleRole", trust)?;
        let permissions = PolicyDocument::new()
            .statement(
                Statement::allow()
                    .sid("StartStageB")
                    .action("lambda:InvokeFunction")
                    .resource(im.routing_function.clone()),
            )
            // The schedule's input is encrypted with the team key; the role decrypts it to deliver it.
            .statement(Statement::allow().sid("DecryptInput").action("kms:Decrypt").resource(im.team_key.clone()));
        let permissions = constructs::document(stack, "ScheduleRole", permissions)?;
        Ok(stack.template.add(
            "ScheduleRole",
            iam::Role {
                description: Some(format!("Starts stage B of dataset {t}/{d} on schedule").into()),
                path: Some(role_path(t).into()),
                permissions_boundary: Some(im.boundary.clone().into()),
                policies: Some(vec![iam::role::Policy::new(permissions, "invoke")]),
                ..iam::Role::new(trust)
            },
        ))
    }

    // --- Config row and published values ---------------------------------------------------

    fn config_row(
        &self,
        stack: &mut Stack,
        queues: &Queues,
        database: &Handle<glue::Database>,
        crawler: &Handle<glue::Crawler>,
        has_ruleset: bool,
    ) -> Result<(), BuildError> {
        let (t, d, im) = (self.team, &self.dataset.name, &self.imports);
        let lt = &self.dataset.light_transform;
        let row = DatasetConfig {
            team: t.to_owned(),
            dataset: d.clone(),
            pipeline: self.dataset.pipeline.clone(),
            stage_a_queue_url: im.stage_a_queue.clone(),
            stage_b_queue_url: queues.queue.reference(),
            input_format: lt.input.clone(),
            target_format: lt.target,
            schema: lt.schema.clone(),
            min_items: self.dataset.batch.min_items,
            max_items: self.dataset.batch.max_items,
            glue_job: im.glue_job.clone(),
            glue_database: database.reference(),
            crawler: crawler.reference(),
            glue_table: table_name(self.dataset),
            quality_ruleset: if has_ruleset { self.name(DatasetResource::QualityRuleset) } else { String::new() },
            topic: im.topic.clone(),
            heavy_sql: self.dataset.heavy_transform.sql.clone(),
            partition_by: self.dataset.heavy_transform.partition_by.clone(),
            engine: self.dataset.heavy_transform.engine_for(self.ctx.env),
            quality_rules: self.dataset.quality.rules.clone(),
            on_quality_failure: self.dataset.quality.on_failure,
        };
        constructs::config_row(
            stack,
            "DatasetConfig",
            RowKind::Dataset,
            im.config_function.clone(),
            ConfigResource { table: im.config_table.clone(), key: format!("{t}/{d}"), row },
        )
    }

    fn publish(
        &self,
        stack: &mut Stack,
        queues: &Queues,
        database: &Handle<glue::Database>,
        crawler: &Handle<glue::Crawler>,
    ) -> DatasetOutputs {
        let (t, d) = (self.team, &self.dataset.name);
        let ssm = |what: &str| self.ctx.names.ssm(&format!("dataset/{t}/{d}/{what}"));
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
        DatasetOutputs {
            team: t.to_owned(),
            dataset: d.clone(),
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
        }
    }
}
