//! The team stack: what every pipeline and dataset of one team shares.
//!
//! - KMS key `alias/sdlf-{team}` (queues, topic, Glue logs/bookmarks/output, Athena results).
//!   Its key policy lets SQS, SNS, EventBridge, Step Functions, Glue and CloudWatch (alarms
//!   publishing to the encrypted topic) use it for this account. Athena needs no entry: with
//!   `SSE_KMS` it calls KMS with the querying principal's own credentials, which IAM governs.
//! - Permissions boundary `sdlf-{team}-boundary`, carried by every team role (here, the
//!   pipelines' function roles and the datasets' schedule roles). It allows only the team's
//!   prefix `{team}/` of the data buckets, `{athena bucket}/{team}/`, the team's `sdlf-{team}-*`
//!   queues, topics, functions, state machines, crawlers, jobs and rulesets, the team's Glue
//!   databases `{org}_{domain}_{env}_{team}_*`, the lake's tables, the team and lake keys, and
//!   passing roles under the team's IAM path `/sdlf/{team}/` to Glue.
//! - Roles (generated names, path `/sdlf/{team}/`): crawler, Glue job, Step Functions.
//! - SNS topic `sdlf-{team}-notifications` (team key; TLS only; CloudWatch and EventBridge of
//!   this account may publish).
//! - Glue security configuration `sdlf-{team}-glue-security` and Athena workgroup
//!   `sdlf-{team}-athena`.
//!
//! SSM (`/sdlf/{env}/team/{team}/...`): `KeyArn`, `PermissionsBoundaryArn`, `CrawlerRoleArn`,
//! `GlueJobRoleArn`, `StatesRoleArn`, `TopicArn`, `GlueSecurityConfiguration`, `AthenaWorkgroup`.

use sdlf_cfn::{Expr, Handle};
use sdlf_cfn_types::{athena, glue, iam, kms, sns};
use sdlf_lambda_core::glue_table::PENDING_TABLE_INFIX;
use sdlf_policy::{Condition, PolicyDocument, Principal, Statement};

use crate::definition::Team;
use crate::names::{Layer, team_prefix};
use crate::stack::Stack;
use crate::stacks::constructs::{self, KeySpec, arn, s3_arn, table_arn};
use crate::stacks::{BuildError, Ctx, FoundationsOutputs, TeamOutputs, network};

/// Services that use the team key on the account's behalf (see the module doc).
const KEY_SERVICES: [&str; 6] = [
    "sqs.amazonaws.com",
    "sns.amazonaws.com",
    "events.amazonaws.com",
    "states.amazonaws.com",
    "glue.amazonaws.com",
    "cloudwatch.amazonaws.com",
];

/// What a principal needs to encrypt and decrypt with a key.
const KEY_USE: [&str; 5] = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];

/// Glue Data Catalog reads and the writes a crawler or job makes (no deletes: crawlers log
/// deletions instead of applying them, see the dataset stack).
const CATALOG_READ: [&str; 6] = [
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:GetTable",
    "glue:GetTables",
    "glue:GetPartition",
    "glue:GetPartitions",
];
const CATALOG_WRITE: [&str; 7] = [
    "glue:BatchGetPartition",
    "glue:CreateTable",
    "glue:UpdateTable",
    "glue:CreatePartition",
    "glue:BatchCreatePartition",
    "glue:UpdatePartition",
    "glue:BatchUpdatePartition",
];

const LOG_WRITE: [&str; 4] =
    ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"];

/// The IAM path of every team role: lets the boundary allow passing the team's roles (and
/// only them) without naming roles whose names CloudFormation generates.
pub fn role_path(team: &str) -> String {
    format!("/sdlf/{team}/")
}

/// CloudWatch namespaces the team's roles may publish metrics to: Glue job metrics, Glue Data
/// Quality results and the team's own functions.
pub fn metric_namespaces(team: &str) -> [String; 3] {
    ["Glue".to_owned(), "Glue Data Quality".to_owned(), format!("SDLF/{team}")]
}

/// Values imported from the foundations stack.
struct Lake {
    key: Expr,
    raw: Expr,
    stage: Expr,
    analytics: Expr,
    artifacts: Expr,
    athena: Expr,
    catalog_table: Expr,
    dataset_config_table: Expr,
    pipeline_config_table: Expr,
    execution_history_table: Expr,
}

impl Lake {
    /// Imported in this order, which is the order of the template's parameters.
    fn import(stack: &mut Stack, foundations: &FoundationsOutputs) -> Lake {
        Lake {
            key: stack.import(&foundations.key_arn),
            raw: stack.import(&foundations.raw_bucket),
            stage: stack.import(&foundations.stage_bucket),
            analytics: stack.import(&foundations.analytics_bucket),
            artifacts: stack.import(&foundations.artifacts_bucket),
            athena: stack.import(&foundations.athena_bucket),
            catalog_table: stack.import(&foundations.catalog_table),
            dataset_config_table: stack.import(&foundations.dataset_config_table),
            pipeline_config_table: stack.import(&foundations.pipeline_config_table),
            execution_history_table: stack.import(&foundations.execution_history_table),
        }
    }
}

/// The team's roles, each under the team's path and carrying the boundary.
struct Roles {
    crawler: Handle<iam::Role>,
    glue_job: Handle<iam::Role>,
    states: Handle<iam::Role>,
}

pub fn build(ctx: &Ctx, team: &Team, foundations: &FoundationsOutputs) -> Result<(Stack, TeamOutputs), BuildError> {
    let t = team.name.as_str();
    let stack_name = ctx.names.team_stack(t);
    refuse_environment_name(ctx, t, &stack_name)?;
    let mut stack = ctx.stack(
        stack_name,
        &format!(
            "SDLF team {t}: key, permissions boundary, roles, topic, Glue security configuration, Athena workgroup"
        ),
        Some(t),
    );
    let lake = Lake::import(&mut stack, foundations);
    let team_key = team_key(&mut stack, ctx, t)?.arn();
    let boundary_arn = permissions_boundary(&mut stack, ctx, t, &lake, &team_key)?.reference();
    let topic = notifications_topic(&mut stack, ctx, t, &team_key)?;
    let roles = roles(&mut stack, ctx, t, &lake, &team_key, &topic, &boundary_arn)?;
    let security_configuration = glue_security_configuration(&mut stack, ctx, t, &team_key);
    network::glue_connections(&mut stack, ctx, t);
    let workgroup = athena_workgroup(&mut stack, ctx, t, &lake, &team_key);

    let ssm = |what: &str| ctx.names.ssm(&format!("team/{t}/{what}"));
    let outputs = TeamOutputs {
        team: t.to_owned(),
        key_arn: stack.publish("KeyArnParameter", ssm("KeyArn"), team_key, "ARN of the team's KMS key"),
        permissions_boundary_arn: stack.publish(
            "PermissionsBoundaryArnParameter",
            ssm("PermissionsBoundaryArn"),
            boundary_arn,
            "ARN of the permissions boundary every team role carries",
        ),
        crawler_role_arn: stack.publish(
            "CrawlerRoleArnParameter",
            ssm("CrawlerRoleArn"),
            roles.crawler.arn(),
            "ARN of the team's crawler role",
        ),
        glue_job_role_arn: stack.publish(
            "GlueJobRoleArnParameter",
            ssm("GlueJobRoleArn"),
            roles.glue_job.arn(),
            "ARN of the role of the team's Glue jobs and data-quality runs",
        ),
        states_role_arn: stack.publish(
            "StatesRoleArnParameter",
            ssm("StatesRoleArn"),
            roles.states.arn(),
            "ARN of the role of the team's state machines",
        ),
        topic_arn: stack.publish("TopicArnParameter", ssm("TopicArn"), topic.reference(), "ARN of the team's topic"),
        glue_security_configuration: stack.publish(
            "GlueSecurityConfigurationParameter",
            ssm("GlueSecurityConfiguration"),
            security_configuration,
            "Name of the team's Glue security configuration",
        ),
        athena_workgroup: stack.publish(
            "AthenaWorkgroupParameter",
            ssm("AthenaWorkgroup"),
            workgroup.reference(),
            "Name of the team's Athena workgroup",
        ),
    };
    Ok((stack, outputs))
}

/// `sdlf-{team}-*` must not cover lake-wide resources (`sdlf-{env}-*`).
fn refuse_environment_name(ctx: &Ctx, t: &str, stack_name: &str) -> Result<(), BuildError> {
    if ctx.lake.environments.iter().any(|e| e.name == t) {
        return Err(BuildError::Invalid {
            stack: stack_name.to_owned(),
            problem: format!(
                "team `{t}` has the name of an environment, so its `sdlf-{t}-*` permissions would cover the lake's \
                 own resources; rename the team"
            ),
        });
    }
    Ok(())
}

// --- Key and boundary ------------------------------------------------------------------------

fn team_key(stack: &mut Stack, ctx: &Ctx, t: &str) -> Result<Handle<kms::Key>, BuildError> {
    constructs::key(
        stack,
        ctx,
        KeySpec {
            id: "Team",
            alias: format!("alias/sdlf-{t}"),
            description: format!("SDLF team {t}: queues, topic, Glue logs, bookmarks and output, Athena results"),
            services: &KEY_SERVICES,
            extra_statements: vec![],
        },
    )
}

fn permissions_boundary(
    stack: &mut Stack,
    ctx: &Ctx,
    t: &str,
    lake: &Lake,
    team_key: &Expr,
) -> Result<Handle<iam::ManagedPolicy>, BuildError> {
    let doc = constructs::document(stack, "PermissionsBoundary", boundary(ctx, t, lake, team_key.clone()))?;
    Ok(stack.template.add(
        "PermissionsBoundary",
        iam::ManagedPolicy {
            managed_policy_name: Some(ctx.names.team_resource(t, "boundary").into()),
            description: Some(format!("Permissions boundary of every role of SDLF team {t}").into()),
            path: Some(role_path(t).into()),
            ..iam::ManagedPolicy::new(doc)
        },
    ))
}

// --- Topic and roles -------------------------------------------------------------------------

/// The team's topic: TLS only; CloudWatch alarms and EventBridge rules of this account publish.
fn notifications_topic(
    stack: &mut Stack,
    ctx: &Ctx,
    t: &str,
    team_key: &Expr,
) -> Result<Handle<sns::Topic>, BuildError> {
    let topic = stack.template.add(
        "NotificationsTopic",
        sns::Topic {
            topic_name: Some(ctx.names.team_resource(t, "notifications").into()),
            kms_master_key_id: Some(team_key.clone().into()),
            ..sns::Topic::default()
        },
    );
    let policy = PolicyDocument::new()
        .statement(Statement::deny_insecure_transport_of(["sns:Publish"], [topic.reference()]))
        .statement(
            Statement::allow()
                .sid("AlarmsAndRulesOfThisAccountPublish")
                .principals([
                    Principal::service("cloudwatch.amazonaws.com"),
                    Principal::service("events.amazonaws.com"),
                ])
                .action("sns:Publish")
                .resource(topic.reference())
                .condition(Condition::string_equals("aws:SourceAccount", Expr::sub("${AWS::AccountId}"))),
        );
    let policy = constructs::document(stack, "NotificationsTopicPolicy", policy)?;
    stack.template.add("NotificationsTopicPolicy", sns::TopicPolicy::new(policy, vec![topic.reference().into()]));
    Ok(topic)
}

fn roles(
    stack: &mut Stack,
    ctx: &Ctx,
    t: &str,
    lake: &Lake,
    team_key: &Expr,
    topic: &Handle<sns::Topic>,
    boundary: &Expr,
) -> Result<Roles, BuildError> {
    let crawler = role(
        stack,
        t,
        "CrawlerRole",
        "glue.amazonaws.com",
        &format!("Crawlers of SDLF team {t}"),
        crawler_statements(ctx, t, lake, team_key.clone()),
        boundary.clone(),
    )?;
    let glue_job = role(
        stack,
        t,
        "GlueJobRole",
        "glue.amazonaws.com",
        &format!("Glue jobs and data-quality runs of SDLF team {t}"),
        glue_job_statements(ctx, t, lake, team_key.clone()),
        boundary.clone(),
    )?;
    let states = role(
        stack,
        t,
        "StatesRole",
        "states.amazonaws.com",
        &format!("State machines of SDLF team {t}"),
        states_statements(ctx, t, lake, team_key.clone(), glue_job.arn(), topic.reference()),
        boundary.clone(),
    )?;
    Ok(Roles { crawler, glue_job, states })
}

// --- Glue and Athena -------------------------------------------------------------------------

/// The name jobs and crawlers refer to for their encryption settings.
fn glue_security_configuration(stack: &mut Stack, ctx: &Ctx, t: &str, team_key: &Expr) -> Expr {
    use glue::security_configuration as sc;
    let name = ctx.names.team_resource(t, "glue-security");
    let security = stack.add_where_supported(
        "GlueSecurityConfiguration",
        glue::SecurityConfiguration::new(
            sc::EncryptionConfiguration {
                s3_encryptions: Some(vec![sc::S3Encryption {
                    s3_encryption_mode: Some("SSE-KMS".into()),
                    kms_key_arn: Some(team_key.clone().into()),
                }]),
                cloud_watch_encryption: Some(sc::CloudWatchEncryption {
                    cloud_watch_encryption_mode: Some(sc::CloudWatchEncryptionMode::SseKms.into()),
                    kms_key_arn: Some(team_key.clone().into()),
                }),
                job_bookmarks_encryption: Some(sc::JobBookmarksEncryption {
                    job_bookmarks_encryption_mode: Some(sc::JobBookmarksEncryptionMode::CseKms.into()),
                    kms_key_arn: Some(team_key.clone().into()),
                }),
            },
            name.clone(),
        ),
        sdlf_cfn::ResourceOptions::new(),
    );
    // The local emulator has no Glue security configurations; its Glue does not check the name
    // jobs and crawlers refer to, so they keep it.
    security.map_or_else(|| Expr::string(name), |s| s.reference())
}

/// The team's workgroup: engine 3, results under the team's prefix of the Athena bucket,
/// encrypted with the team key.
fn athena_workgroup(stack: &mut Stack, ctx: &Ctx, t: &str, lake: &Lake, team_key: &Expr) -> Handle<athena::WorkGroup> {
    use athena::work_group as wg;
    stack.template.add(
        "AthenaWorkgroup",
        athena::WorkGroup {
            description: Some(format!("Queries of SDLF team {t}; results under the team's prefix").into()),
            state: Some(wg::State::Enabled.into()),
            // Only the emulator's workgroup may be deleted with saved queries in it.
            recursive_delete_option: ctx.is_local().then_some(true.into()),
            work_group_configuration: Some(wg::WorkGroupConfiguration {
                enforce_work_group_configuration: Some(true.into()),
                publish_cloud_watch_metrics_enabled: Some(true.into()),
                engine_version: Some(wg::EngineVersion {
                    selected_engine_version: Some("Athena engine version 3".into()),
                }),
                result_configuration: Some(wg::ResultConfiguration {
                    output_location: Some(
                        Expr::join(
                            "",
                            [
                                Expr::string("s3://"),
                                lake.athena.clone(),
                                Expr::string(format!("/{}", team_prefix(Layer::Athena, t))),
                            ],
                        )
                        .into(),
                    ),
                    encryption_configuration: Some(wg::EncryptionConfiguration {
                        kms_key: Some(team_key.clone().into()),
                        ..wg::EncryptionConfiguration::new(wg::EncryptionOption::SseKms)
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..athena::WorkGroup::new(ctx.names.team_resource(t, "athena"))
        },
    )
}

/// A role under the team's path, carrying the boundary.
fn role(
    stack: &mut Stack,
    team: &str,
    id: &str,
    service: &str,
    description: &str,
    statements: Vec<Statement>,
    boundary: Expr,
) -> Result<Handle<iam::Role>, BuildError> {
    let trust = PolicyDocument::new().statement(
        Statement::assume_role(service)
            .condition(Condition::string_equals("aws:SourceAccount", Expr::sub("${AWS::AccountId}"))),
    );
    let trust = constructs::document(stack, id, trust)?;
    let permissions = constructs::document(stack, id, PolicyDocument::new().statements(statements))?;
    Ok(stack.template.add(
        id,
        iam::Role {
            description: Some(description.into()),
            path: Some(role_path(team).into()),
            permissions_boundary: Some(boundary.into()),
            policies: Some(vec![iam::role::Policy::new(permissions, "permissions")]),
            ..iam::Role::new(trust)
        },
    ))
}

/// `arn:...:s3:::{bucket}/{team prefix of the layer}*`.
fn team_objects(bucket: &Expr, layer: Layer, team: &str) -> Expr {
    s3_arn(bucket.clone(), &format!("/{}*", team_prefix(layer, team)))
}

/// Listing the buckets, only under the team's prefix of each layer.
fn list_team_prefix(buckets: &[(&Expr, Layer)], team: &str) -> Statement {
    let mut prefixes: Vec<String> = Vec::new();
    for (_, layer) in buckets {
        let p = team_prefix(*layer, team);
        for v in [p.clone(), format!("{p}*")] {
            if !prefixes.contains(&v) {
                prefixes.push(v);
            }
        }
    }
    Statement::allow()
        .actions(["s3:ListBucket", "s3:GetBucketLocation"])
        .resources(buckets.iter().map(|(b, _)| s3_arn((*b).clone(), "")))
        .condition(Condition::string_like("s3:prefix", prefixes))
}

/// Glue catalog, team databases and their tables: `{org}_{domain}_{env}_{team}_*`.
fn team_catalog(ctx: &Ctx, team: &str) -> Vec<Expr> {
    let databases = ctx.names.glue_database(team, "");
    vec![
        arn("glue", "catalog"),
        arn("glue", &format!("database/{databases}*")),
        arn("glue", &format!("table/{databases}*/*")),
    ]
}

/// Glue crawlers, jobs and rulesets of the team: `sdlf-{team}-*`.
fn team_glue(kind: &str, team: &str) -> Expr {
    arn("glue", &format!("{kind}/sdlf-{team}-*"))
}

fn get_data_access() -> Statement {
    // Lake Formation's credential vending has no resource-level permissions.
    Statement::allow().sid("LakeFormationDataAccess").action("lakeformation:GetDataAccess").resource("*")
}

/// Step Functions delivers execution logs through CloudWatch Logs' log-delivery API, which has
/// no resource-level permissions.
fn deliver_execution_logs() -> Statement {
    Statement::allow()
        .sid("DeliverExecutionLogs")
        .actions([
            "logs:CreateLogDelivery",
            "logs:GetLogDelivery",
            "logs:UpdateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
        ])
        .resource("*")
}

fn put_metrics(team: &str) -> Statement {
    // PutMetricData has no resource-level permissions; the namespace condition narrows it.
    Statement::allow()
        .sid("PublishMetrics")
        .action("cloudwatch:PutMetricData")
        .resource("*")
        .condition(Condition::string_equals("cloudwatch:namespace", metric_namespaces(team).to_vec()))
}

/// The ceiling of every team role (see the module doc).
fn boundary(ctx: &Ctx, t: &str, lake: &Lake, team_key: Expr) -> PolicyDocument {
    PolicyDocument::new()
        .statements(boundary_data(t, lake, team_key))
        .statements(boundary_services(t))
        .statements(boundary_catalog(ctx, t, lake))
        .statements(network_statements(ctx, t))
}

/// In a VPC environment: placing network interfaces in its subnets (the team's functions and
/// Glue jobs) and reading the team's Glue network connections (its Glue jobs).
fn network_statements(ctx: &Ctx, t: &str) -> Vec<Statement> {
    let mut statements = network::network_interface_statements(ctx);
    statements.extend(network::glue_connection_statement(ctx, t));
    statements
}

/// The boundary's data: the team's prefixes, the artifacts, the team and lake keys.
fn boundary_data(t: &str, lake: &Lake, team_key: Expr) -> Vec<Statement> {
    vec![
        Statement::allow()
            .sid("TeamObjects")
            .actions(["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"])
            .resources([
                team_objects(&lake.raw, Layer::Raw, t),
                team_objects(&lake.stage, Layer::Stage, t),
                team_objects(&lake.analytics, Layer::Analytics, t),
                team_objects(&lake.athena, Layer::Athena, t),
            ]),
        list_team_prefix(
            &[
                (&lake.raw, Layer::Raw),
                (&lake.stage, Layer::Stage),
                (&lake.analytics, Layer::Analytics),
                (&lake.athena, Layer::Athena),
            ],
            t,
        )
        .sid("ListTeamPrefixes"),
        Statement::allow()
            .sid("ReadArtifacts")
            .actions(["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"])
            .resources([s3_arn(lake.artifacts.clone(), ""), s3_arn(lake.artifacts.clone(), "/*")]),
        Statement::allow().sid("UseKeys").actions(KEY_USE).resources([team_key, lake.key.clone()]),
    ]
}

/// The boundary's services: the team's `sdlf-{team}-*` queues, topics, functions, state
/// machines and logs.
fn boundary_services(t: &str) -> Vec<Statement> {
    vec![
        Statement::allow()
            .sid("TeamQueues")
            .actions([
                "sqs:SendMessage",
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
            ])
            .resource(arn("sqs", &format!("sdlf-{t}-*"))),
        Statement::allow().sid("TeamTopics").action("sns:Publish").resource(arn("sns", &format!("sdlf-{t}-*"))),
        Statement::allow()
            .sid("TeamFunctions")
            .action("lambda:InvokeFunction")
            .resource(arn("lambda", &format!("function:sdlf-{t}-*"))),
        Statement::allow()
            .sid("TeamStateMachines")
            .actions(["states:StartExecution", "states:DescribeExecution", "states:StopExecution"])
            .resources([
                arn("states", &format!("stateMachine:sdlf-{t}-*")),
                arn("states", &format!("execution:sdlf-{t}-*")),
            ]),
        deliver_execution_logs(),
        Statement::allow().sid("TeamLogs").actions(LOG_WRITE).resources([
            arn("logs", &format!("log-group:/aws/lambda/sdlf-{t}-*")),
            // Glue names its log groups itself (`/aws-glue/crawlers-role/...`, `/aws-glue/jobs/...`).
            arn("logs", "log-group:/aws-glue/*"),
        ]),
    ]
}

/// The boundary's catalog: the team's Glue databases, crawlers, jobs and rulesets, passing
/// the team's roles to Glue, the lake's tables, Lake Formation and metrics.
fn boundary_catalog(ctx: &Ctx, t: &str, lake: &Lake) -> Vec<Statement> {
    let dataset_config_read = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"];
    vec![
        Statement::allow()
            .sid("TeamCatalog")
            .actions(CATALOG_READ.into_iter().chain(CATALOG_WRITE))
            .resources(team_catalog(ctx, t)),
        Statement::allow()
            .sid("TeamGlue")
            .actions([
                "glue:StartCrawler",
                "glue:GetCrawler",
                "glue:StartJobRun",
                "glue:GetJobRun",
                "glue:GetJobRuns",
                "glue:BatchStopJobRun",
                "glue:StartDataQualityRulesetEvaluationRun",
                "glue:GetDataQualityRulesetEvaluationRun",
                "glue:GetDataQualityRuleset",
                "glue:GetDataQualityResult",
                "glue:PublishDataQuality",
            ])
            .resources([team_glue("crawler", t), team_glue("job", t), team_glue("dataQualityRuleset", t)]),
        Statement::allow()
            .sid("PassTeamRolesToGlue")
            .action("iam:PassRole")
            .resource(Expr::sub(format!("arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role{}*", role_path(t))))
            .condition(Condition::string_equals("iam:PassedToService", "glue.amazonaws.com")),
        Statement::allow()
            .sid("LakeTables")
            .actions(["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"])
            .resources([
                table_arn(lake.catalog_table.clone(), ""),
                table_arn(lake.catalog_table.clone(), "/index/*"),
                table_arn(lake.execution_history_table.clone(), ""),
                table_arn(lake.execution_history_table.clone(), "/index/*"),
            ]),
        Statement::allow().sid("ReadConfigTables").actions(dataset_config_read).resources([
            table_arn(lake.dataset_config_table.clone(), ""),
            table_arn(lake.pipeline_config_table.clone(), ""),
        ]),
        get_data_access(),
        put_metrics(t),
    ]
}

fn crawler_statements(ctx: &Ctx, t: &str, lake: &Lake, team_key: Expr) -> Vec<Statement> {
    vec![
        Statement::allow().sid("ReadTeamObjects").action("s3:GetObject").resources([
            team_objects(&lake.stage, Layer::Stage, t),
            team_objects(&lake.analytics, Layer::Analytics, t),
        ]),
        list_team_prefix(&[(&lake.stage, Layer::Stage), (&lake.analytics, Layer::Analytics)], t)
            .sid("ListTeamPrefixes"),
        Statement::allow()
            .sid("TeamCatalog")
            .actions(CATALOG_READ.into_iter().chain(CATALOG_WRITE))
            .resources(team_catalog(ctx, t)),
        Statement::allow().sid("CrawlerLogs").actions(LOG_WRITE).resource(arn("logs", "log-group:/aws-glue/crawlers*")),
        Statement::allow()
            .sid("DecryptData")
            .actions(["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"])
            .resources([team_key, lake.key.clone()]),
        get_data_access(),
    ]
}

fn glue_job_statements(ctx: &Ctx, t: &str, lake: &Lake, team_key: Expr) -> Vec<Statement> {
    let mut statements = vec![
        Statement::allow().sid("ReadStage").action("s3:GetObject").resource(team_objects(&lake.stage, Layer::Stage, t)),
        Statement::allow()
            .sid("WriteAnalytics")
            .actions(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
            .resource(team_objects(&lake.analytics, Layer::Analytics, t)),
        list_team_prefix(&[(&lake.stage, Layer::Stage), (&lake.analytics, Layer::Analytics)], t)
            .sid("ListTeamPrefixes"),
        Statement::allow()
            .sid("ReadScripts")
            .action("s3:GetObject")
            .resource(s3_arn(lake.artifacts.clone(), "/assets/*")),
        Statement::allow()
            .sid("TeamCatalog")
            .actions(CATALOG_READ.into_iter().chain(CATALOG_WRITE))
            .resources(team_catalog(ctx, t)),
        // Data-quality runs get this role passed: they read the ruleset and publish results.
        Statement::allow()
            .sid("DataQuality")
            .actions(["glue:GetDataQualityRuleset", "glue:PublishDataQuality"])
            .resource(team_glue("dataQualityRuleset", t)),
        Statement::allow().sid("GlueLogs").actions(LOG_WRITE).resource(arn("logs", "log-group:/aws-glue/*")),
        Statement::allow().sid("UseKeys").actions(KEY_USE).resources([team_key, lake.key.clone()]),
        get_data_access(),
        put_metrics(t),
    ];
    statements.extend(network_statements(ctx, t));
    statements
}

fn states_statements(
    ctx: &Ctx,
    t: &str,
    lake: &Lake,
    team_key: Expr,
    glue_job_role: Expr,
    topic: Expr,
) -> Vec<Statement> {
    let mut statements = vec![
        Statement::allow()
            .sid("InvokeTeamFunctions")
            .action("lambda:InvokeFunction")
            .resource(arn("lambda", &format!("function:sdlf-{t}-*"))),
        Statement::allow()
            .sid("RunTeamJobs")
            .actions(["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"])
            .resource(team_glue("job", t)),
        Statement::allow()
            .sid("RunTeamCrawlers")
            .actions(["glue:StartCrawler", "glue:GetCrawler"])
            .resource(team_glue("crawler", t)),
        Statement::allow()
            .sid("RunTeamQualityRulesets")
            .actions([
                "glue:StartDataQualityRulesetEvaluationRun",
                "glue:GetDataQualityRulesetEvaluationRun",
                "glue:GetDataQualityRuleset",
                // Authorized on the ruleset the result is of.
                "glue:GetDataQualityResult",
            ])
            .resource(team_glue("dataQualityRuleset", t)),
        // A data-quality evaluation runs as the Glue job role.
        Statement::allow()
            .sid("PassGlueJobRole")
            .action("iam:PassRole")
            .resource(glue_job_role)
            .condition(Condition::string_equals("iam:PassedToService", "glue.amazonaws.com")),
        Statement::allow()
            .sid("SendToTeamQueues")
            .action("sqs:SendMessage")
            .resource(arn("sqs", &format!("sdlf-{t}-*"))),
        Statement::allow().sid("Notify").action("sns:Publish").resource(topic),
        Statement::allow().sid("RecordExecutions").actions(["dynamodb:PutItem", "dynamodb:UpdateItem"]).resources([
            table_arn(lake.catalog_table.clone(), ""),
            table_arn(lake.execution_history_table.clone(), ""),
        ]),
        Statement::allow()
            .sid("UseKeys")
            .actions(["kms:Decrypt", "kms:GenerateDataKey"])
            .resources([team_key, lake.key.clone()]),
        deliver_execution_logs(),
    ];
    // Stage B registers tables: in `local` the table it published (the emulator's crawler
    // infers nothing), on AWS a Glue batch's pending output for its quality run.
    statements.push(
        Statement::allow()
            .sid("RegisterTeamTables")
            .actions(["glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:BatchCreatePartition"])
            .resources(team_catalog(ctx, t)),
    );
    if !ctx.env.is_local() {
        // ...and drops the pending table once its quality result is read: those tables only.
        let databases = ctx.names.glue_database(t, "");
        statements.push(Statement::allow().sid("DropPendingTables").action("glue:DeleteTable").resources([
            arn("glue", "catalog"),
            arn("glue", &format!("database/{databases}*")),
            arn("glue", &format!("table/{databases}*/*{PENDING_TABLE_INFIX}*")),
        ]));
    }
    statements
}
