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
use sdlf_cfn_types::{dynamodb, iam, lakeformation, s3};
use sdlf_policy::{Condition, PolicyDocument, Principal, Statement};

use crate::names::Layer;
use crate::stack::Stack;
use crate::stacks::catalog::QUEUE_FUNCTION_TIMEOUT_SECONDS;
use crate::stacks::constructs::{self, KeySpec, QueueSpec, arn};
use crate::stacks::{BuildError, Ctx, FoundationsOutputs};

/// Receives before a catalog or routing message goes to its dead-letter queue (the original
/// framework used 1, so a single throttle lost the event to the DLQ).
pub const MAX_RECEIVE_COUNT: i64 = 5;
const NONCURRENT_VERSION_DAYS: i64 = 90;
const ABORT_MULTIPART_DAYS: i64 = 7;
const ACCESS_LOGS_INFREQUENT_DAYS: i64 = 30;
const ACCESS_LOGS_EXPIRE_DAYS: i64 = 365;
const ATHENA_RESULTS_EXPIRE_DAYS: i64 = 30;

pub fn build(ctx: &Ctx) -> Result<(Stack, FoundationsOutputs), BuildError> {
    let n = &ctx.names;
    let mut stack = ctx.stack(
        n.foundations_stack(),
        "SDLF foundations: lake key, buckets, object catalog, config tables, Lake Formation",
        None,
    );

    // --- Key -------------------------------------------------------------------------------
    let key = constructs::key(
        &mut stack,
        ctx,
        KeySpec {
            id: "Lake",
            alias: format!("alias/{}", n.lake_resource("lake")),
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
    )?;
    let key_arn = key.arn();

    // --- Buckets ---------------------------------------------------------------------------
    let bucket_name = |layer: Layer| n.bucket(layer);
    let logged_layers: Vec<Layer> = Layer::ALL.into_iter().filter(|l| *l != Layer::AccessLogs).collect();

    // Server access logs: S3 cannot deliver them to a bucket whose default encryption is
    // SSE-KMS, so this one bucket is SSE-S3 (AES256). It holds request metadata, no data.
    let logs_name = bucket_name(Layer::AccessLogs);
    let access_logs = stack.template.add_with(
        bucket_id(Layer::AccessLogs),
        s3::Bucket {
            bucket_name: Some(logs_name.clone().into()),
            bucket_encryption: Some(constructs::bucket_encryption(None)),
            lifecycle_configuration: Some(s3::bucket::LifecycleConfiguration::new(vec![s3::bucket::Rule {
                id: Some("InfrequentAccessThenExpire".into()),
                transitions: Some(vec![s3::bucket::Transition {
                    transition_in_days: Some(ACCESS_LOGS_INFREQUENT_DAYS.into()),
                    ..s3::bucket::Transition::new(s3::bucket::NoncurrentVersionTransitionStorageClass::StandardIa)
                }]),
                expiration_in_days: Some(ACCESS_LOGS_EXPIRE_DAYS.into()),
                ..s3::bucket::Rule::new(s3::bucket::RuleStatus::Enabled)
            }])),
            ..constructs::private_bucket()
        },
        ctx.stateful(),
    );
    let logs_policy = {
        let delivery = Statement::allow()
            .sid("S3ServerAccessLogsDelivery")
            .principal(Principal::service("logging.s3.amazonaws.com"))
            .action("s3:PutObject")
            // Each source bucket writes under its own prefix only.
            .resources(logged_layers.iter().map(|l| bucket_arn(&format!("{logs_name}/{}/*", bucket_name(*l)))))
            .condition(Condition::string_equals("aws:SourceAccount", Expr::sub("${AWS::AccountId}")))
            .condition(Condition::arn_like(
                "aws:SourceArn",
                logged_layers.iter().map(|l| bucket_arn(&bucket_name(*l))).collect::<Vec<_>>(),
            ));
        bucket_policy(&mut stack, Layer::AccessLogs, &access_logs, &logs_name, vec![delivery])?
    };

    // Catalog queue, before the data buckets: S3 checks a notification's destination when
    // the configuration is set, so the buckets wait for the queue policy.
    let data_bucket_arns: Vec<Expr> = Layer::DATA.iter().map(|l| bucket_arn(&bucket_name(*l))).collect();
    let catalog_queue_name = n.lake_resource("catalog-queue");
    let catalog_queue = constructs::queue_with_dlq(
        &mut stack,
        QueueSpec {
            id: "Catalog",
            name: catalog_queue_name.clone(),
            key_arn: key_arn.clone(),
            visibility_timeout_seconds: 6 * QUEUE_FUNCTION_TIMEOUT_SECONDS,
            max_receive_count: MAX_RECEIVE_COUNT,
            extra_statements: vec![
                Statement::allow()
                    .sid("S3SendsObjectEvents")
                    .principal(Principal::service("s3.amazonaws.com"))
                    .action("sqs:SendMessage")
                    // ARNs from names, not GetAtt: the buckets depend on this policy.
                    .resource(arn("sqs", &catalog_queue_name))
                    .condition(Condition::string_equals("aws:SourceAccount", Expr::sub("${AWS::AccountId}")))
                    .condition(Condition::arn_like("aws:SourceArn", data_bucket_arns.clone())),
            ],
        },
    )?;

    let mut buckets = std::collections::BTreeMap::new();
    for layer in logged_layers.iter().copied() {
        let name = bucket_name(layer);
        let data = Layer::DATA.contains(&layer);
        let versioned = data || layer == Layer::Artifacts;
        let mut rules = vec![s3::bucket::Rule {
            id: Some("AbortIncompleteUploads".into()),
            abort_incomplete_multipart_upload: Some(s3::bucket::AbortIncompleteMultipartUpload::new(
                ABORT_MULTIPART_DAYS,
            )),
            ..s3::bucket::Rule::new(s3::bucket::RuleStatus::Enabled)
        }];
        if versioned {
            rules.push(s3::bucket::Rule {
                id: Some("ExpireNoncurrentVersions".into()),
                noncurrent_version_expiration: Some(s3::bucket::NoncurrentVersionExpiration::new(
                    NONCURRENT_VERSION_DAYS,
                )),
                ..s3::bucket::Rule::new(s3::bucket::RuleStatus::Enabled)
            });
        }
        if layer == Layer::Athena {
            rules.push(s3::bucket::Rule {
                id: Some("ExpireQueryResults".into()),
                expiration_in_days: Some(ATHENA_RESULTS_EXPIRE_DAYS.into()),
                ..s3::bucket::Rule::new(s3::bucket::RuleStatus::Enabled)
            });
        }
        // S3 checks the log target's policy when logging is set: wait for it.
        let mut options = ctx.stateful().depends_on(&logs_policy);
        let mut notifications = None;
        if data {
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
                versioning_configuration: versioned.then(|| {
                    s3::bucket::VersioningConfiguration::new(s3::bucket::VersioningConfigurationStatus::Enabled)
                }),
                lifecycle_configuration: Some(s3::bucket::LifecycleConfiguration::new(rules)),
                logging_configuration: Some(s3::bucket::LoggingConfiguration {
                    destination_bucket_name: Some(access_logs.reference().into()),
                    log_file_prefix: Some(format!("{name}/").into()),
                    ..Default::default()
                }),
                notification_configuration: notifications,
                ..constructs::private_bucket()
            },
            options,
        );
        bucket_policy(&mut stack, layer, &bucket, &name, Vec::new())?;
        buckets.insert(layer, bucket);
    }
    let bucket = |layer: Layer| buckets.get(&layer).cloned().expect("every layer but access-logs has a bucket");
    let (raw, stage, analytics) = (bucket(Layer::Raw), bucket(Layer::Stage), bucket(Layer::Analytics));
    let (artifacts, athena) = (bucket(Layer::Artifacts), bucket(Layer::Athena));

    // --- Routing queue -----------------------------------------------------------------------
    let routing_queue = constructs::queue_with_dlq(
        &mut stack,
        QueueSpec {
            id: "Routing",
            name: n.lake_resource("routing-queue"),
            key_arn: key_arn.clone(),
            visibility_timeout_seconds: 6 * QUEUE_FUNCTION_TIMEOUT_SECONDS,
            max_receive_count: MAX_RECEIVE_COUNT,
            // Only the catalog function sends, through its role.
            extra_statements: Vec::new(),
        },
    )?;

    // --- Tables ----------------------------------------------------------------------------
    let catalog_table = table(
        &mut stack,
        ctx,
        TableSpec {
            id: "CatalogTable",
            name: n.lake_resource("catalog"),
            partition_key: "id",
            indexes: &[("by-dataset", "dataset", "last_modified"), ("by-stage", "stage", "last_modified")],
            ttl: None,
        },
        &key_arn,
    );
    let dataset_config_table = table(
        &mut stack,
        ctx,
        TableSpec {
            id: "DatasetConfigTable",
            name: n.lake_resource("dataset-config"),
            partition_key: "dataset",
            indexes: &[],
            ttl: None,
        },
        &key_arn,
    );
    let pipeline_config_table = table(
        &mut stack,
        ctx,
        TableSpec {
            id: "PipelineConfigTable",
            name: n.lake_resource("pipeline-config"),
            partition_key: "pipeline",
            indexes: &[],
            ttl: None,
        },
        &key_arn,
    );
    let execution_history_table = table(
        &mut stack,
        ctx,
        TableSpec {
            id: "ExecutionHistoryTable",
            name: n.lake_resource("execution-history"),
            partition_key: "id",
            indexes: &[("by-pipeline", "pipeline", "last_updated")],
            ttl: Some("ttl"),
        },
        &key_arn,
    );

    // --- Lake Formation --------------------------------------------------------------------
    let data_buckets = [&raw, &stage, &analytics];
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
    let trust = constructs::document(&stack, role_id, trust)?;
    let access = constructs::document(&stack, role_id, access)?;
    let data_access_role = stack.template.add(
        role_id,
        iam::Role {
            description: Some("Lake Formation reaches the registered data buckets with this role".into()),
            policies: Some(vec![iam::role::Policy::new(access, "data-access")]),
            ..iam::Role::new(trust)
        },
    );

    let settings = stack.add_where_supported(
        "DataLakeSettings",
        lakeformation::DataLakeSettings {
            admins: Some(vec![lakeformation::data_lake_settings::DataLakePrincipal::new(Expr::sub(format!(
                "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{}",
                n.lake_resource("deploy")
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
    for (layer, bucket) in Layer::DATA.into_iter().zip(data_buckets) {
        let options = match &settings {
            Some(s) => ResourceOptions::new().depends_on(s),
            None => ResourceOptions::new(),
        };
        stack.add_where_supported(
            &format!("{}LakeFormationResource", layer_id(layer)),
            lakeformation::Resource {
                role_arn: Some(data_access_role.arn().into()),
                ..lakeformation::Resource::new(bucket.arn(), false)
            },
            options,
        );
    }

    // --- Published -------------------------------------------------------------------------
    let mut publish = |id: &str, path: &str, value: Expr, description: &str| {
        stack.publish(&format!("{id}Parameter"), n.ssm(path), value, description)
    };
    let outputs = FoundationsOutputs {
        key_arn: publish("KeyArn", "storage/KeyArn", key_arn.clone(), "ARN of the lake's KMS key"),
        raw_bucket: publish("RawBucket", "storage/RawBucket", raw.reference(), "Raw bucket"),
        stage_bucket: publish("StageBucket", "storage/StageBucket", stage.reference(), "Stage bucket"),
        analytics_bucket: publish(
            "AnalyticsBucket",
            "storage/AnalyticsBucket",
            analytics.reference(),
            "Analytics bucket",
        ),
        artifacts_bucket: publish(
            "ArtifactsBucket",
            "storage/ArtifactsBucket",
            artifacts.reference(),
            "Artifacts bucket",
        ),
        athena_bucket: publish("AthenaBucket", "storage/AthenaBucket", athena.reference(), "Athena results bucket"),
        catalog_table: publish(
            "CatalogTable",
            "catalog/CatalogTable",
            catalog_table.reference(),
            "Object catalog table",
        ),
        dataset_config_table: publish(
            "DatasetConfigTable",
            "catalog/DatasetConfigTable",
            dataset_config_table.reference(),
            "Dataset config table",
        ),
        pipeline_config_table: publish(
            "PipelineConfigTable",
            "catalog/PipelineConfigTable",
            pipeline_config_table.reference(),
            "Pipeline config table",
        ),
        execution_history_table: publish(
            "ExecutionHistoryTable",
            "catalog/ExecutionHistoryTable",
            execution_history_table.reference(),
            "Pipeline execution history table",
        ),
        catalog_queue_arn: publish(
            "CatalogQueueArn",
            "catalog/CatalogQueueArn",
            catalog_queue.queue.arn(),
            "Queue of the data buckets' object events",
        ),
        routing_queue_arn: publish(
            "RoutingQueueArn",
            "catalog/RoutingQueueArn",
            routing_queue.queue.arn(),
            "Queue of new raw objects to route",
        ),
        routing_queue_url: publish(
            "RoutingQueueUrl",
            "catalog/RoutingQueueUrl",
            routing_queue.queue.reference(),
            "URL of the queue of new raw objects to route",
        ),
        data_access_role_arn: publish(
            "DataAccessRoleArn",
            "lakeformation/DataAccessRoleArn",
            data_access_role.arn(),
            "Role Lake Formation uses to reach the data buckets",
        ),
    };
    Ok((stack, outputs))
}

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

/// SSE-KMS with a bucket key (fewer KMS calls) when a key is given, SSE-S3 otherwise.
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
    partition_key: &'s str,
    /// Global secondary indexes: (name, partition key, sort key), projecting every attribute.
    indexes: &'s [(&'s str, &'s str, &'s str)],
    ttl: Option<&'s str>,
}

/// An on-demand table with point-in-time recovery, encrypted with the lake key; every key
/// attribute is a string.
fn table(stack: &mut Stack, ctx: &Ctx, spec: TableSpec, key_arn: &Expr) -> Handle<dynamodb::Table> {
    use dynamodb::table::{
        AttributeDefinition, AttributeType, GlobalSecondaryIndex, KeySchema, KeyType, Projection, ProjectionType,
    };
    let mut attributes: Vec<&str> = vec![spec.partition_key];
    for (_, pk, sk) in spec.indexes {
        for a in [*pk, *sk] {
            if !attributes.contains(&a) {
                attributes.push(a);
            }
        }
    }
    let indexes: Vec<GlobalSecondaryIndex> = spec
        .indexes
        .iter()
        .map(|(name, pk, sk)| {
            GlobalSecondaryIndex::new(
                *name,
                vec![KeySchema::new(*pk, KeyType::Hash), KeySchema::new(*sk, KeyType::Range)],
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
            ..dynamodb::Table::new(vec![KeySchema::new(spec.partition_key, KeyType::Hash)])
        },
        ctx.stateful(),
    )
}
