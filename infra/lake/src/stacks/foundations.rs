//! The foundations stack: one per environment, deployed first. It holds what every team,
//! pipeline and dataset shares:
//!
//! - the lake key `alias/sdlf-{env}-lake` (buckets, catalog and routing queues, tables, logs);
//! - the six buckets of [`Layer::ALL`], all logging to `access-logs` under `{bucket-name}/`;
//! - the object catalog's plumbing: S3 event notifications of raw, stage and analytics → the
//!   catalog queue, and the routing queue (their functions are the catalog stack's);
//! - the catalog, config and execution-history tables (the config rows are written through
//!   `Custom::DatasetConfig` / `Custom::PipelineConfig`, see [`constructs::config_row`]);
//! - Lake Formation: settings, a data-access role, the three data buckets registered.
//!
//! # Tables (the Lambda runtime implements these shapes)
//!
//! Named `sdlf-{env}-{table}`. Key attributes are strings; timestamps are ISO-8601 UTC
//! (`2024-05-01T12:00:00.000Z`), so they sort as strings.
//!
//! - `catalog`, one row per object of raw, stage and analytics. Key `id` = `s3://{bucket}/{key}`.
//!   Attributes: `bucket`, `key`, `stage` (`raw` | `stage` | `analytics`), `dataset` =
//!   `{team}/{dataset}` (the key's first two segments; left out for an object outside a
//!   dataset prefix, which keeps the index sparse), `team`, `size` (N), `etag`, `version_id`,
//!   `sequencer`, `sequencer_sort` (the sequencer padded to a fixed width, so DynamoDB can
//!   compare it), `last_modified`, `status` (`created`, `unrouted`, `processing-a`,
//!   `processed-a`, `failed`, `deleted`) and, set by later steps, `reason`, `pipeline`,
//!   `execution_id`, `output_keys`. Indexes (projection ALL): `by-dataset` (`dataset`,
//!   `last_modified`), `by-stage` (`stage`, `last_modified`). `ObjectRemoved` leaves a
//!   tombstone (`status` `deleted`, without `stage` and `dataset`, so the indexes list live
//!   objects only): S3 does not order its notifications, and a creation that arrives after
//!   the removal must not bring the row back. Writes are conditional on the stored
//!   `sequencer_sort` being older than the event's.
//! - `dataset-config`, key `dataset` = `{team}/{dataset}`: the properties of a
//!   `Custom::DatasetConfig` resource (without `ServiceToken`), written verbatim by `config`.
//! - `pipeline-config`, key `pipeline` = `{team}/{pipeline}`: same, for `Custom::PipelineConfig`.
//! - `execution-history`, key `id` (a UUID), one row per execution: `pipeline` =
//!   `{team}/{pipeline}`, `dataset` = `{team}/{dataset}`, `status`, `started`, `last_updated`,
//!   `history` (list of `{status, timestamp}`), `ttl` (N, epoch seconds: DynamoDB deletes the
//!   row after it). Index `by-pipeline` (`pipeline`, `last_updated`), projection ALL.
//!
//! # Published (`/sdlf/{env}/…`)
//!
//! `storage/KeyArn`, `storage/{Raw,Stage,Analytics,Artifacts,Athena}Bucket`,
//! `catalog/{Catalog,DatasetConfig,PipelineConfig,ExecutionHistory}Table`,
//! `catalog/{CatalogQueueArn,RoutingQueueArn,RoutingQueueUrl}`, `lakeformation/DataAccessRoleArn`.

use sdlf_cfn::{Expr, Handle, ResourceOptions};
use sdlf_cfn_types::{dynamodb, iam, kms, lakeformation, s3};
use sdlf_lambda_core::contract::layout::{
    CATALOG_TABLE, DATASET_CONFIG_TABLE, EXECUTION_HISTORY_TABLE, EXECUTION_HISTORY_TTL_ATTRIBUTE,
    PIPELINE_CONFIG_TABLE, TableKeys,
};
use sdlf_lambda_core::contract::resources::LakeResource;
use sdlf_policy::{Condition, PolicyDocument, Principal, Statement};

use crate::names::Layer;
use crate::stack::Stack;
use crate::stacks::baseline::{self, Scanned};
use crate::stacks::constructs::{self, KeySpec, QueueSpec, Queues, arn};
use crate::stacks::context::{MAX_RECEIVE_COUNT, QUEUE_FUNCTION_TIMEOUT_SECONDS};
use crate::stacks::{BuildError, Ctx, FoundationsOutputs, network};

const NONCURRENT_VERSION_DAYS: i64 = 90;
const ABORT_MULTIPART_DAYS: i64 = 7;
const ACCESS_LOGS_INFREQUENT_DAYS: i64 = 30;
const ACCESS_LOGS_EXPIRE_DAYS: i64 = 365;
const ATHENA_RESULTS_EXPIRE_DAYS: i64 = 30;

/// The foundations' constructs, in template order: the resources' order in the template is
/// the order they are added in, so each step adds its own after the previous step's.
pub fn build(ctx: &Ctx) -> Result<(Stack, FoundationsOutputs), BuildError> {
    let mut stack = ctx.stack(
        ctx.names.foundations_stack(),
        "SDLF foundations: lake key, buckets, object catalog, config tables, Lake Formation",
        None,
    );
    let key_arn = lake_key(&mut stack, ctx)?.arn();
    let access_logs = access_logs_bucket(&mut stack, ctx)?;
    let catalog_queue = catalog_queue(&mut stack, ctx, &key_arn)?;
    let buckets = lake_buckets(&mut stack, ctx, &key_arn, &access_logs, &catalog_queue)?;
    let routing_queue = routing_queue(&mut stack, ctx, &key_arn)?;
    let tables = tables(&mut stack, ctx, &key_arn);
    let data_access_role = data_access_role(&mut stack, &buckets, &key_arn)?;
    register_data_buckets(&mut stack, ctx, &buckets, &data_access_role);
    network::endpoints(&mut stack, ctx);
    let made = Made { key_arn, buckets, tables, catalog_queue, routing_queue, data_access_role };
    let outputs = publish(&mut stack, ctx, &made);
    Ok((stack, outputs))
}

// --- Key -------------------------------------------------------------------------------------

fn lake_key(stack: &mut Stack, ctx: &Ctx) -> Result<Handle<kms::Key>, BuildError> {
    constructs::key(
        stack,
        ctx,
        KeySpec {
            id: "Lake",
            alias: format!("alias/{}", ctx.names.lake_resource(LakeResource::Key.suffix())),
            description: format!("SDLF {} lake: buckets, catalog and routing queues, tables, logs", ctx.env.name),
            // s3: SSE-KMS of the buckets and S3 event notifications into the encrypted
            // catalog queue (GenerateDataKey/Decrypt); sqs, sns, events, dynamodb: their
            // encryption at rest.
            services: &[
                "s3.amazonaws.com",
                "sqs.amazonaws.com",
                "sns.amazonaws.com",
                "events.amazonaws.com",
                "dynamodb.amazonaws.com",
            ],
            extra_statements: Vec::new(),
        },
    )
}

// --- Buckets ---------------------------------------------------------------------------------

/// The buckets of every layer but access logs.
struct Buckets {
    raw: Handle<s3::Bucket>,
    stage: Handle<s3::Bucket>,
    analytics: Handle<s3::Bucket>,
    artifacts: Handle<s3::Bucket>,
    athena: Handle<s3::Bucket>,
}

impl Buckets {
    /// The buckets of [`Layer::DATA`], in its order.
    fn data(&self) -> [&Handle<s3::Bucket>; 3] {
        [&self.raw, &self.stage, &self.analytics]
    }
}

/// The access-logs bucket and its policy, which the other buckets wait for.
struct AccessLogs {
    bucket: Handle<s3::Bucket>,
    policy: Handle<s3::BucketPolicy>,
}

/// The layers whose buckets log to the access-logs bucket: all the others.
fn logged_layers() -> impl Iterator<Item = Layer> {
    Layer::ALL.into_iter().filter(|l| *l != Layer::AccessLogs)
}

/// Server access logs: S3 cannot deliver them to a bucket whose default encryption is
/// SSE-KMS, so this one bucket is SSE-S3 (AES256). It holds request metadata, no data.
/// Versioned: the logs are the record of who did what to the lake's objects, so a deleted or
/// overwritten log stays recoverable for as long as other buckets keep old versions.
fn access_logs_bucket(stack: &mut Stack, ctx: &Ctx) -> Result<AccessLogs, BuildError> {
    let n = &ctx.names;
    let logs_name = n.bucket(Layer::AccessLogs);
    let enabled = || s3::bucket::Rule::new(s3::bucket::RuleStatus::Enabled);
    let bucket = stack.template.add_with(
        bucket_id(Layer::AccessLogs),
        s3::Bucket {
            bucket_name: Some(logs_name.clone().into()),
            bucket_encryption: Some(constructs::bucket_encryption(None)),
            versioning_configuration: Some(s3::bucket::VersioningConfiguration::new(
                s3::bucket::VersioningConfigurationStatus::Enabled,
            )),
            lifecycle_configuration: Some(s3::bucket::LifecycleConfiguration::new(vec![
                s3::bucket::Rule {
                    id: Some("InfrequentAccessThenExpire".into()),
                    transitions: Some(vec![s3::bucket::Transition {
                        transition_in_days: Some(ACCESS_LOGS_INFREQUENT_DAYS.into()),
                        ..s3::bucket::Transition::new(s3::bucket::NoncurrentVersionTransitionStorageClass::StandardIa)
                    }]),
                    expiration_in_days: Some(ACCESS_LOGS_EXPIRE_DAYS.into()),
                    noncurrent_version_expiration: Some(s3::bucket::NoncurrentVersionExpiration::new(
                        NONCURRENT_VERSION_DAYS,
                    )),
                    ..enabled()
                },
                // Expiring a log leaves a delete marker; once its old version is gone too, the
                // marker goes.
                s3::bucket::Rule {
                    id: Some("RemoveExpiredDeleteMarkers".into()),
                    expired_object_delete_marker: Some(true.into()),
                    ..enabled()
                },
            ])),
            ..constructs::private_bucket()
        },
        baseline::with_scanner_waivers(ctx.stateful(), Scanned::Bucket(Layer::AccessLogs)),
    );
    let delivery = Statement::allow()
        .sid("S3ServerAccessLogsDelivery")
        .principal(Principal::service("logging.s3.amazonaws.com"))
        .action("s3:PutObject")
        // Each source bucket writes under its own prefix only.
        .resources(logged_layers().map(|l| bucket_arn(&format!("{logs_name}/{}/*", n.bucket(l)))))
        .condition(Condition::string_equals("aws:SourceAccount", Expr::sub("${AWS::AccountId}")))
        .condition(Condition::arn_like(
            "aws:SourceArn",
            logged_layers().map(|l| bucket_arn(&n.bucket(l))).collect::<Vec<_>>(),
        ));
    let policy = bucket_policy(stack, Layer::AccessLogs, &bucket, &logs_name, vec![delivery])?;
    Ok(AccessLogs { bucket, policy })
}

/// The other layers' buckets, each with its TLS-only policy.
fn lake_buckets(
    stack: &mut Stack,
    ctx: &Ctx,
    key_arn: &Expr,
    access_logs: &AccessLogs,
    catalog_queue: &Queues,
) -> Result<Buckets, BuildError> {
    let mut made = std::collections::BTreeMap::new();
    for layer in logged_layers() {
        made.insert(layer, layer_bucket(stack, ctx, layer, key_arn, access_logs, catalog_queue)?);
    }
    let mut take = |layer: Layer| made.remove(&layer).expect("every layer but access-logs has a bucket");
    Ok(Buckets {
        raw: take(Layer::Raw),
        stage: take(Layer::Stage),
        analytics: take(Layer::Analytics),
        artifacts: take(Layer::Artifacts),
        athena: take(Layer::Athena),
    })
}

/// One layer's bucket: SSE-KMS with the lake key, logging to the access-logs bucket; the
/// data layers' are versioned and notify the catalog queue of every object created or removed.
fn layer_bucket(
    stack: &mut Stack,
    ctx: &Ctx,
    layer: Layer,
    key_arn: &Expr,
    access_logs: &AccessLogs,
    catalog_queue: &Queues,
) -> Result<Handle<s3::Bucket>, BuildError> {
    let name = ctx.names.bucket(layer);
    let data = Layer::DATA.contains(&layer);
    let versioned = data || layer == Layer::Artifacts;
    // S3 checks the log target's policy when logging is set: wait for it.
    let mut options = ctx.stateful().depends_on(&access_logs.policy);
    let mut notifications = None;
    if data {
        // Likewise the notifications' destination.
        options = options.depends_on(&catalog_queue.policy);
        let to_catalog = |event: &str| s3::bucket::QueueConfiguration::new(event, catalog_queue.queue.arn());
        notifications = Some(s3::bucket::NotificationConfiguration {
            queue_configurations: Some(vec![to_catalog("s3:ObjectCreated:*"), to_catalog("s3:ObjectRemoved:*")]),
            ..Default::default()
        });
    }
    let bucket = stack.template.add_with(
        bucket_id(layer),
        s3::Bucket {
            bucket_name: Some(name.clone().into()),
            bucket_encryption: Some(constructs::bucket_encryption(Some(key_arn.clone()))),
            versioning_configuration: versioned
                .then(|| s3::bucket::VersioningConfiguration::new(s3::bucket::VersioningConfigurationStatus::Enabled)),
            lifecycle_configuration: Some(s3::bucket::LifecycleConfiguration::new(lifecycle_rules(layer, versioned))),
            logging_configuration: Some(s3::bucket::LoggingConfiguration {
                destination_bucket_name: Some(access_logs.bucket.reference().into()),
                log_file_prefix: Some(format!("{name}/").into()),
                ..Default::default()
            }),
            notification_configuration: notifications,
            ..constructs::private_bucket()
        },
        baseline::with_scanner_waivers(options, Scanned::Bucket(layer)),
    );
    bucket_policy(stack, layer, &bucket, &name, Vec::new())?;
    Ok(bucket)
}

/// Incomplete uploads are aborted everywhere; old versions of a versioned bucket and Athena's
/// query results expire.
fn lifecycle_rules(layer: Layer, versioned: bool) -> Vec<s3::bucket::Rule> {
    let enabled = || s3::bucket::Rule::new(s3::bucket::RuleStatus::Enabled);
    let mut rules = vec![s3::bucket::Rule {
        id: Some("AbortIncompleteUploads".into()),
        abort_incomplete_multipart_upload: Some(s3::bucket::AbortIncompleteMultipartUpload::new(ABORT_MULTIPART_DAYS)),
        ..enabled()
    }];
    if versioned {
        rules.push(s3::bucket::Rule {
            id: Some("ExpireNoncurrentVersions".into()),
            noncurrent_version_expiration: Some(s3::bucket::NoncurrentVersionExpiration::new(NONCURRENT_VERSION_DAYS)),
            ..enabled()
        });
    }
    if layer == Layer::Athena {
        rules.push(s3::bucket::Rule {
            id: Some("ExpireQueryResults".into()),
            expiration_in_days: Some(ATHENA_RESULTS_EXPIRE_DAYS.into()),
            ..enabled()
        });
    }
    rules
}

// --- Catalog and routing queues --------------------------------------------------------------

/// The queue of the data buckets' object events. Made before the data buckets: S3 checks a
/// notification's destination when the configuration is set, so the buckets wait for the
/// queue policy.
fn catalog_queue(stack: &mut Stack, ctx: &Ctx, key_arn: &Expr) -> Result<Queues, BuildError> {
    let n = &ctx.names;
    let name = n.lake_resource(LakeResource::CatalogQueue.suffix());
    let data_bucket_arns: Vec<Expr> = Layer::DATA.iter().map(|l| bucket_arn(&n.bucket(*l))).collect();
    constructs::queue_with_dlq(
        stack,
        QueueSpec {
            id: "Catalog",
            name: name.clone(),
            key_arn: key_arn.clone(),
            visibility_timeout_seconds: 6 * QUEUE_FUNCTION_TIMEOUT_SECONDS,
            max_receive_count: MAX_RECEIVE_COUNT,
            extra_statements: vec![
                Statement::allow()
                    .sid("S3SendsObjectEvents")
                    .principal(Principal::service("s3.amazonaws.com"))
                    .action("sqs:SendMessage")
                    // ARNs from names, not GetAtt: the buckets depend on this policy.
                    .resource(arn("sqs", &name))
                    .condition(Condition::string_equals("aws:SourceAccount", Expr::sub("${AWS::AccountId}")))
                    .condition(Condition::arn_like("aws:SourceArn", data_bucket_arns)),
            ],
        },
    )
}

/// The queue of new raw objects to route.
fn routing_queue(stack: &mut Stack, ctx: &Ctx, key_arn: &Expr) -> Result<Queues, BuildError> {
    constructs::queue_with_dlq(
        stack,
        QueueSpec {
            id: "Routing",
            name: ctx.names.lake_resource(LakeResource::RoutingQueue.suffix()),
            key_arn: key_arn.clone(),
            visibility_timeout_seconds: 6 * QUEUE_FUNCTION_TIMEOUT_SECONDS,
            max_receive_count: MAX_RECEIVE_COUNT,
            // Only the catalog function sends, through its role.
            extra_statements: Vec::new(),
        },
    )
}

// --- Tables ----------------------------------------------------------------------------------

struct Tables {
    catalog: Handle<dynamodb::Table>,
    dataset_config: Handle<dynamodb::Table>,
    pipeline_config: Handle<dynamodb::Table>,
    execution_history: Handle<dynamodb::Table>,
}

/// The lake's tables, keyed as the core's layout says (the functions read them with it).
fn tables(stack: &mut Stack, ctx: &Ctx, key_arn: &Expr) -> Tables {
    let mut table = |id: &str, resource: LakeResource, keys: TableKeys, ttl: Option<&str>| {
        let name = ctx.names.lake_resource(resource.suffix());
        lake_table(stack, ctx, TableSpec { id, name, keys, ttl }, key_arn)
    };
    Tables {
        catalog: table("CatalogTable", LakeResource::CatalogTable, CATALOG_TABLE, None),
        dataset_config: table("DatasetConfigTable", LakeResource::DatasetConfigTable, DATASET_CONFIG_TABLE, None),
        pipeline_config: table("PipelineConfigTable", LakeResource::PipelineConfigTable, PIPELINE_CONFIG_TABLE, None),
        execution_history: table(
            "ExecutionHistoryTable",
            LakeResource::ExecutionHistoryTable,
            EXECUTION_HISTORY_TABLE,
            Some(EXECUTION_HISTORY_TTL_ATTRIBUTE),
        ),
    }
}

// --- Lake Formation --------------------------------------------------------------------------

/// The role Lake Formation reaches the registered data buckets with.
fn data_access_role(stack: &mut Stack, buckets: &Buckets, key_arn: &Expr) -> Result<Handle<iam::Role>, BuildError> {
    let data_buckets = buckets.data();
    let trust = PolicyDocument::new().statement(
        Statement::allow()
            .principals([Principal::service("lakeformation.amazonaws.com"), Principal::service("glue.amazonaws.com")])
            .action("sts:AssumeRole"),
    );
    let access = PolicyDocument::new()
        .statement(
            Statement::allow()
                .sid("ListDataBuckets")
                .actions(["s3:ListBucket", "s3:GetBucketLocation"])
                .resources(data_buckets.iter().map(|b| b.arn())),
        )
        .statement(
            Statement::allow()
                .sid("ReadWriteDataObjects")
                .actions(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
                .resources(data_buckets.iter().map(|b| Expr::join("", [b.arn(), Expr::string("/*")]))),
        )
        // The key policy delegates to IAM, so this grant is enough.
        .statement(
            Statement::allow()
                .sid("UseLakeKey")
                .actions(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"])
                .resource(key_arn.clone()),
        );
    let role_id = "LakeFormationDataAccessRole";
    let trust = constructs::document(stack, role_id, trust)?;
    let access = constructs::document(stack, role_id, access)?;
    Ok(stack.template.add(
        role_id,
        iam::Role {
            description: Some("Lake Formation reaches the registered data buckets with this role".into()),
            policies: Some(vec![iam::role::Policy::new(access, "data-access")]),
            ..iam::Role::new(trust)
        },
    ))
}

/// Lake Formation's settings and the data buckets registered with it (where the target
/// supports Lake Formation).
fn register_data_buckets(stack: &mut Stack, ctx: &Ctx, buckets: &Buckets, role: &Handle<iam::Role>) {
    let settings = stack.add_where_supported(
        "DataLakeSettings",
        lakeformation::DataLakeSettings {
            admins: Some(vec![lakeformation::data_lake_settings::DataLakePrincipal::new(Expr::sub(format!(
                "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{}",
                ctx.names.lake_resource(LakeResource::DeployRole.suffix())
            )))]),
            // APPEND keeps the admins the account already has (people, other tools):
            // REPLACE would lock them out, and deleting the stack would remove them.
            mutation_type: Some("APPEND".into()),
            // No IAMAllowedPrincipals defaults: Lake Formation grants decide, not IAM alone.
            create_database_default_permissions: Some(Vec::new()),
            create_table_default_permissions: Some(Vec::new()),
            ..Default::default()
        },
        ResourceOptions::new(),
    );
    for (layer, bucket) in Layer::DATA.into_iter().zip(buckets.data()) {
        let options = match &settings {
            Some(s) => ResourceOptions::new().depends_on(s),
            None => ResourceOptions::new(),
        };
        stack.add_where_supported(
            &format!("{}LakeFormationResource", layer_id(layer)),
            lakeformation::Resource {
                role_arn: Some(role.arn().into()),
                ..lakeformation::Resource::new(bucket.arn(), false)
            },
            options,
        );
    }
}

// --- Published -------------------------------------------------------------------------------

/// What the foundations made that other stacks use.
struct Made {
    key_arn: Expr,
    buckets: Buckets,
    tables: Tables,
    catalog_queue: Queues,
    routing_queue: Queues,
    data_access_role: Handle<iam::Role>,
}

/// Publishes each value as `/sdlf/{env}/{path}`, its logical id the path's last part
/// (`storage/RawBucket` → `RawBucketParameter`).
fn publish(stack: &mut Stack, ctx: &Ctx, made: &Made) -> FoundationsOutputs {
    let mut publish = |path: &str, value: Expr, description: &str| {
        let id = path.rsplit_once('/').map_or(path, |(_, last)| last);
        stack.publish(&format!("{id}Parameter"), ctx.names.ssm(path), value, description)
    };
    let (b, t) = (&made.buckets, &made.tables);
    FoundationsOutputs {
        key_arn: publish("storage/KeyArn", made.key_arn.clone(), "ARN of the lake's KMS key"),
        raw_bucket: publish("storage/RawBucket", b.raw.reference(), "Raw bucket"),
        stage_bucket: publish("storage/StageBucket", b.stage.reference(), "Stage bucket"),
        analytics_bucket: publish("storage/AnalyticsBucket", b.analytics.reference(), "Analytics bucket"),
        artifacts_bucket: publish("storage/ArtifactsBucket", b.artifacts.reference(), "Artifacts bucket"),
        athena_bucket: publish("storage/AthenaBucket", b.athena.reference(), "Athena results bucket"),
        catalog_table: publish("catalog/CatalogTable", t.catalog.reference(), "Object catalog table"),
        dataset_config_table: publish(
            "catalog/DatasetConfigTable",
            t.dataset_config.reference(),
            "Dataset config table",
        ),
        pipeline_config_table: publish(
            "catalog/PipelineConfigTable",
            t.pipeline_config.reference(),
            "Pipeline config table",
        ),
        execution_history_table: publish(
            "catalog/ExecutionHistoryTable",
            t.execution_history.reference(),
            "Pipeline execution history table",
        ),
        catalog_queue_arn: publish(
            "catalog/CatalogQueueArn",
            made.catalog_queue.queue.arn(),
            "Queue of the data buckets' object events",
        ),
        routing_queue_arn: publish(
            "catalog/RoutingQueueArn",
            made.routing_queue.queue.arn(),
            "Queue of new raw objects to route",
        ),
        routing_queue_url: publish(
            "catalog/RoutingQueueUrl",
            made.routing_queue.queue.reference(),
            "URL of the queue of new raw objects to route",
        ),
        data_access_role_arn: publish(
            "lakeformation/DataAccessRoleArn",
            made.data_access_role.arn(),
            "Role Lake Formation uses to reach the data buckets",
        ),
    }
}

// --- Helpers ---------------------------------------------------------------------------------

/// `RawBucket`, `AccessLogsBucket`, ...
fn bucket_id(layer: Layer) -> String {
    format!("{}Bucket", layer_id(layer))
}

/// The layer in PascalCase: `access-logs` → `AccessLogs`.
fn layer_id(layer: Layer) -> String {
    layer
        .as_str()
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// `arn:${AWS::Partition}:s3:::{path}` for a bucket (or objects) named literally.
fn bucket_arn(path: &str) -> Expr {
    Expr::sub(format!("arn:${{AWS::Partition}}:s3:::{path}"))
}

/// The bucket's policy: TLS only, plus `extra` statements.
fn bucket_policy(
    stack: &mut Stack,
    layer: Layer,
    bucket: &Handle<s3::Bucket>,
    name: &str,
    extra: Vec<Statement>,
) -> Result<Handle<s3::BucketPolicy>, BuildError> {
    let id = format!("{}Policy", bucket_id(layer));
    let doc = PolicyDocument::new()
        .statement(Statement::deny_insecure_transport([bucket_arn(name), bucket_arn(&format!("{name}/*"))]))
        .statements(extra);
    let doc = constructs::document(stack, &id, doc)?;
    Ok(stack.template.add(id, s3::BucketPolicy::new(bucket.reference(), doc)))
}

struct TableSpec<'s> {
    id: &'s str,
    name: String,
    /// The partition key and the global secondary indexes (each projecting every attribute).
    keys: TableKeys,
    /// The attribute DynamoDB's time to live reads, if the table has one.
    ttl: Option<&'s str>,
}

/// An on-demand table with point-in-time recovery, encrypted with the lake key; every key
/// attribute is a string.
fn lake_table(stack: &mut Stack, ctx: &Ctx, spec: TableSpec, key_arn: &Expr) -> Handle<dynamodb::Table> {
    use dynamodb::table::{
        AttributeDefinition, AttributeType, GlobalSecondaryIndex, KeySchema, KeyType, Projection, ProjectionType,
    };
    let mut attributes: Vec<&str> = vec![spec.keys.partition_key];
    for index in spec.keys.indexes {
        for a in [index.partition_key, index.sort_key] {
            if !attributes.contains(&a) {
                attributes.push(a);
            }
        }
    }
    let indexes: Vec<GlobalSecondaryIndex> = spec
        .keys
        .indexes
        .iter()
        .map(|index| {
            GlobalSecondaryIndex::new(
                index.name,
                vec![
                    KeySchema::new(index.partition_key, KeyType::Hash),
                    KeySchema::new(index.sort_key, KeyType::Range),
                ],
                Projection { projection_type: Some(ProjectionType::All.into()), ..Default::default() },
            )
        })
        .collect();
    stack.template.add_with(
        spec.id,
        dynamodb::Table {
            table_name: Some(spec.name.into()),
            billing_mode: Some(dynamodb::table::BillingMode::PayPerRequest.into()),
            attribute_definitions: Some(
                attributes.into_iter().map(|a| AttributeDefinition::new(a, AttributeType::S)).collect(),
            ),
            global_secondary_indexes: (!indexes.is_empty()).then_some(indexes),
            point_in_time_recovery_specification: Some(dynamodb::table::PointInTimeRecoverySpecification {
                point_in_time_recovery_enabled: Some(true.into()),
                ..Default::default()
            }),
            sse_specification: Some(dynamodb::table::SseSpecification {
                sse_type: Some(dynamodb::table::SseType::Kms.into()),
                kms_master_key_id: Some(key_arn.clone().into()),
                ..dynamodb::table::SseSpecification::new(true)
            }),
            time_to_live_specification: spec.ttl.map(|attribute| dynamodb::table::TimeToLiveSpecification {
                attribute_name: Some(attribute.into()),
                ..dynamodb::table::TimeToLiveSpecification::new(true)
            }),
            ..dynamodb::Table::new(vec![KeySchema::new(spec.keys.partition_key, KeyType::Hash)])
        },
        ctx.stateful(),
    )
}
