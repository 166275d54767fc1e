//! Building blocks several stacks share: keys, encrypted queue pairs, functions with their
//! role and log group, and the IAM statements that go with them.
//!
//! Logical ids are `{id}{Part}` (`CatalogQueue`, `CatalogDeadLetterQueue`, `RoutingFunction`,
//! `RoutingRole`, `RoutingLogs`), so a construct's resources sort together in a template.

use sdlf_cfn::{Expr, Handle, Parameter, ResourceOptions};
use sdlf_cfn_types::{iam, kms, lambda, logs, s3, sqs};
use sdlf_policy::{Condition, PolicyDocument, Principal, Statement};

use sdlf_lambda_core::contract::config::{ConfigResource, RowKind};
use sdlf_lambda_core::contract::env::{EMULATOR_ENDPOINT_PARAMETER, ENDPOINT_VARIABLE, FunctionVars};

use crate::assets::AssetSource;
use crate::definition::LambdaArchitecture;
use crate::stack::Stack;
use crate::stacks::BuildError;
use crate::stacks::baseline::{self, Invocation, Scanned};
use crate::stacks::context::{Ctx, LOG_RETENTION_DAYS};
use crate::stacks::network;

/// `arn:${AWS::Partition}:{service}:${AWS::Region}:${AWS::AccountId}:{resource}` as `Fn::Sub`;
/// `resource` may itself hold `${...}` references.
pub fn arn(service: &str, resource: &str) -> Expr {
    Expr::sub(format!("arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}"))
}

/// ARN of an S3 bucket (or, with `/...`, of objects) given the bucket's name as an expression.
pub fn s3_arn(bucket_name: Expr, suffix: &str) -> Expr {
    Expr::join("", [Expr::sub("arn:${AWS::Partition}:s3:::"), bucket_name, Expr::string(suffix)])
}

/// ARN of a DynamoDB table (and its indexes with `/index/*`) given its name.
pub fn table_arn(table_name: Expr, suffix: &str) -> Expr {
    Expr::join("", [arn("dynamodb", "table/"), table_name, Expr::string(suffix)])
}

/// Turns a policy document into a template value, or a build error naming the resource.
pub fn document(stack: &Stack, resource: &str, doc: PolicyDocument) -> Result<Expr, BuildError> {
    doc.try_into_expr().map_err(|errors| BuildError::Policy {
        stack: stack.name().to_owned(),
        resource: resource.to_owned(),
        problems: errors.to_string(),
    })
}

/// A customer-managed key with rotation on. Its policy lets the account administer it
/// (through IAM, as AWS's default key policy does), CloudWatch Logs encrypt this account's
/// log groups, and each listed service principal use it.
pub struct KeySpec<'s> {
    pub id: &'s str,
    pub alias: String,
    pub description: String,
    /// Service principals, e.g. `sqs.amazonaws.com`; `logs.{region}.amazonaws.com` is always added.
    pub services: &'s [&'s str],
    pub extra_statements: Vec<Statement>,
}

pub fn key(stack: &mut Stack, ctx: &Ctx, spec: KeySpec) -> Result<Handle<kms::Key>, BuildError> {
    let mut doc = PolicyDocument::new().statement(
        Statement::allow()
            .sid("AccountAdministersThroughIam")
            .principal(Principal::aws(Expr::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")))
            .action("kms:*")
            .resource("*"),
    );
    let use_actions = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];
    doc.push(
        Statement::allow()
            .sid("CloudWatchLogsEncrypt")
            .principal(Principal::service(Expr::sub("logs.${AWS::Region}.amazonaws.com")))
            .actions(use_actions)
            .resource("*")
            .condition(Condition::arn_like("kms:EncryptionContext:aws:logs:arn", arn("logs", "log-group:*"))),
    );
    if !spec.services.is_empty() {
        // No `aws:SourceAccount` condition: not every service sends it on its KMS calls (S3
        // encrypting a notification into a queue, CloudWatch publishing an alarm to a topic),
        // and AWS's documented key policies for those cases have none. The principals are
        // services, never `*`, and the data they encrypt is this account's.
        doc.push(
            Statement::allow()
                .sid("ServicesUse")
                .principals(spec.services.iter().map(|s| Principal::service(*s)))
                .actions(use_actions)
                .resource("*"),
        );
    }
    doc = doc.statements(spec.extra_statements);
    let key_policy = document(stack, &format!("{}Key", spec.id), doc)?;
    let key = stack.template.add_with(
        format!("{}Key", spec.id),
        kms::Key {
            description: Some(spec.description.into()),
            enable_key_rotation: Some(true.into()),
            key_policy: Some(key_policy),
            ..kms::Key::default()
        },
        ctx.stateful(),
    );
    stack.template.add(format!("{}KeyAlias", spec.id), kms::Alias::new(spec.alias, key.reference()));
    Ok(key)
}

/// An encrypted queue with its dead-letter queue and a policy that refuses plain HTTP.
pub struct QueueSpec<'s> {
    pub id: &'s str,
    /// Physical name; the dead-letter queue is `{name}-dlq`.
    pub name: String,
    pub key_arn: Expr,
    /// At least the consumer's timeout (AWS recommends 6× for Lambda event sources).
    pub visibility_timeout_seconds: i64,
    /// Receives before a message moves to the dead-letter queue (`u32`, as the definition
    /// and the functions' environment hold it).
    pub max_receive_count: u32,
    /// Statements for the main queue beyond TLS-only (e.g. who may send).
    pub extra_statements: Vec<Statement>,
}

pub struct Queues {
    pub queue: Handle<sqs::Queue>,
    pub dead_letter: Handle<sqs::Queue>,
    pub policy: Handle<sqs::QueuePolicy>,
}

/// Messages are kept 4 days in a work queue and 14 (the maximum) in a dead-letter queue, to
/// leave time for a redrive.
const QUEUE_RETENTION_SECONDS: i64 = 4 * 24 * 3600;
const DEAD_LETTER_RETENTION_SECONDS: i64 = 14 * 24 * 3600;

pub fn queue_with_dlq(stack: &mut Stack, spec: QueueSpec) -> Result<Queues, BuildError> {
    let dead_letter = stack.template.add(
        format!("{}DeadLetterQueue", spec.id),
        sqs::Queue {
            queue_name: Some(format!("{}-dlq", spec.name).into()),
            kms_master_key_id: Some(spec.key_arn.clone().into()),
            message_retention_period: Some(DEAD_LETTER_RETENTION_SECONDS.into()),
            ..sqs::Queue::default()
        },
    );
    let queue = stack.template.add(
        format!("{}Queue", spec.id),
        sqs::Queue {
            queue_name: Some(spec.name.into()),
            kms_master_key_id: Some(spec.key_arn.into()),
            message_retention_period: Some(QUEUE_RETENTION_SECONDS.into()),
            visibility_timeout: Some(spec.visibility_timeout_seconds.into()),
            redrive_policy: Some(Expr::map([
                ("deadLetterTargetArn", dead_letter.arn()),
                ("maxReceiveCount", Expr::int(i64::from(spec.max_receive_count))),
            ])),
            ..sqs::Queue::default()
        },
    );
    let doc = PolicyDocument::new()
        .statement(Statement::deny_insecure_transport_of(["sqs:*"], [queue.arn(), dead_letter.arn()]))
        .statements(spec.extra_statements);
    let policy_id = format!("{}QueuePolicy", spec.id);
    let policy_document = document(stack, &policy_id, doc)?;
    let policy = stack.template.add(
        policy_id,
        sqs::QueuePolicy::new(policy_document, vec![queue.reference().into(), dead_letter.reference().into()]),
    );
    Ok(Queues { queue, dead_letter, policy })
}

/// A Rust function (`provided.al2023`, on the environment's architecture) with
/// its own role and its own encrypted log group. JSON logs, as the functions log with
/// `tracing`'s JSON formatter. In a VPC environment it runs in the VPC's subnets. Its checkov
/// waivers come from the baseline, by how it is invoked.
pub struct FunctionSpec<'s> {
    pub id: &'s str,
    pub name: String,
    pub description: String,
    pub memory_mb: i64,
    pub timeout_seconds: i64,
    /// What the function runs (a handler of the one package every function ships) and the
    /// environment that handler reads.
    pub env: FunctionVars<Expr>,
    /// What the function may do beyond writing its logs.
    pub statements: Vec<Statement>,
    /// Encrypts the log group and the environment variables.
    pub key_arn: Expr,
    /// Bucket holding the package (the artifacts bucket).
    pub artifacts_bucket: Expr,
    pub permissions_boundary: Option<Expr>,
    /// Who invokes it: a scheduled function gets a dead-letter queue of its own (`{name}-dlq`,
    /// on `key_arn`) for the invocations that fail every retry.
    pub invoked_by: Invocation,
    /// Its reserved concurrency; a queue that feeds it is capped at the same number
    /// ([`queue_trigger`]), so the queue is never throttled into its dead-letter queue.
    pub reserved_concurrency: Option<u32>,
}

pub struct FunctionParts {
    pub function: Handle<lambda::Function>,
    pub role: Handle<iam::Role>,
    pub log_group: Handle<logs::LogGroup>,
    pub reserved_concurrency: Option<u32>,
}

pub fn function(stack: &mut Stack, ctx: &Ctx, spec: FunctionSpec) -> Result<FunctionParts, BuildError> {
    let architecture = ctx.env.lambda_architecture();
    // The emulator runs functions as processes of this machine: its own build, in minutes.
    let source = if ctx.env.is_local() {
        AssetSource::HostBinary(spec.env.handler.package().to_owned())
    } else {
        AssetSource::lambda(spec.env.handler.package(), architecture)
    };
    let asset = ctx.asset(stack, source)?;
    let log_group = stack.template.add_with(
        format!("{}Logs", spec.id),
        logs::LogGroup {
            log_group_name: Some(format!("/aws/lambda/{}", spec.name).into()),
            kms_key_id: Some(spec.key_arn.clone().into()),
            retention_in_days: Some(LOG_RETENTION_DAYS.into()),
            ..logs::LogGroup::default()
        },
        ctx.stateful(),
    );
    let dead_letter = match spec.invoked_by {
        // A function name is at most 64 characters, so `{name}-dlq` fits SQS's 80.
        Invocation::Schedule => Some(terminal_queue(
            stack,
            &format!("{}DeadLetter", spec.id),
            format!("{}-dlq", spec.name),
            spec.key_arn.clone(),
        )?),
        _ => None,
    };
    let mut statements = spec.statements;
    if let Some(queue) = &dead_letter {
        statements.extend(send_to_queue(queue.arn(), spec.key_arn.clone()));
    }
    statements.extend(network::network_interface_statements(ctx));
    let role = function_role(stack, spec.id, &spec.name, &log_group, statements, spec.permissions_boundary)?;
    let mut variables = indexmap::IndexMap::new();
    for (k, v) in spec.env.vars {
        variables.insert(k.to_owned(), v.into());
    }
    if ctx.env.is_local() {
        variables.insert(ENDPOINT_VARIABLE.to_owned(), emulator_endpoint(stack).into());
    }
    let scanned = Scanned::Function {
        invoked_by: spec.invoked_by,
        reserved_concurrency: spec.reserved_concurrency.is_some(),
        in_vpc: ctx.env.vpc.is_some(),
    };
    let options = baseline::with_scanner_waivers(ResourceOptions::new(), scanned);
    let function = stack.template.add_with(
        format!("{}Function", spec.id),
        lambda::Function {
            function_name: Some(spec.name.into()),
            description: Some(spec.description.into()),
            runtime: Some(lambda::function::Runtime::ProvidedAl2023.into()),
            handler: Some(spec.env.handler.name().into()),
            architectures: Some(vec![
                match architecture {
                    LambdaArchitecture::X86_64 => lambda::function::Architecture::X8664,
                    LambdaArchitecture::Arm64 => lambda::function::Architecture::Arm64,
                }
                .into(),
            ]),
            memory_size: Some(spec.memory_mb.into()),
            timeout: Some(spec.timeout_seconds.into()),
            kms_key_arn: Some(spec.key_arn.into()),
            environment: (!variables.is_empty()).then(|| lambda::function::Environment { variables: Some(variables) }),
            logging_config: Some(lambda::function::LoggingConfig {
                log_format: Some(lambda::function::LogFormat::Json.into()),
                log_group: Some(log_group.reference().into()),
                ..Default::default()
            }),
            dead_letter_config: dead_letter
                .map(|q| lambda::function::DeadLetterConfig { target_arn: Some(q.arn().into()) }),
            reserved_concurrent_executions: spec.reserved_concurrency.map(|n| i64::from(n).into()),
            vpc_config: network::function_vpc_config(ctx),
            ..lambda::Function::new(
                lambda::function::Code {
                    s3_bucket: Some(spec.artifacts_bucket.into()),
                    s3_key: Some(asset.s3_key().into()),
                    ..Default::default()
                },
                role.arn(),
            )
        },
        options,
    );
    Ok(FunctionParts { function, role, log_group, reserved_concurrency: spec.reserved_concurrency })
}

/// The emulator's endpoint, as the deploy gives it (the stack's one explicit parameter): the
/// `local` environment's functions run inside the emulator and call it back there, whichever
/// way it was started — not through an `AWS_ENDPOINT_URL` the emulator's own environment
/// happens to pass on.
fn emulator_endpoint(stack: &mut Stack) -> Expr {
    if !stack.template.parameters.contains_key(EMULATOR_ENDPOINT_PARAMETER) {
        stack.template.add_parameter(
            EMULATOR_ENDPOINT_PARAMETER,
            Parameter::string()
                .description("Endpoint of the local emulator the functions call (given by sdlf deploy)")
                .allowed_pattern("^https?://.+"),
        );
    }
    Expr::reference(EMULATOR_ENDPOINT_PARAMETER)
}

/// A function's role: writes its own log group, and whatever `statements` allow.
fn function_role(
    stack: &mut Stack,
    id: &str,
    name: &str,
    log_group: &Handle<logs::LogGroup>,
    statements: Vec<Statement>,
    permissions_boundary: Option<Expr>,
) -> Result<Handle<iam::Role>, BuildError> {
    let role_id = format!("{id}Role");
    let permissions = PolicyDocument::new()
        .statement(
            Statement::allow()
                .sid("WriteOwnLogs")
                .actions(["logs:CreateLogStream", "logs:PutLogEvents"])
                .resource(log_group.arn()),
        )
        .statements(statements);
    let trust = document(stack, &role_id, PolicyDocument::assume_role("lambda.amazonaws.com"))?;
    let permissions = document(stack, &role_id, permissions)?;
    Ok(stack.template.add(
        role_id,
        iam::Role {
            description: Some(format!("Runs function {name}").into()),
            permissions_boundary: permissions_boundary.map(Into::into),
            policies: Some(vec![iam::role::Policy::new(permissions, "function")]),
            ..iam::Role::new(trust)
        },
    ))
}

/// An encrypted queue without a dead-letter queue of its own (it is one), TLS only.
pub fn terminal_queue(stack: &mut Stack, id: &str, name: String, key: Expr) -> Result<Handle<sqs::Queue>, BuildError> {
    let queue = stack.template.add(
        format!("{id}Queue"),
        sqs::Queue {
            queue_name: Some(name.into()),
            kms_master_key_id: Some(key.into()),
            // The maximum, to leave time to look at a failure and redrive it.
            message_retention_period: Some(DEAD_LETTER_RETENTION_SECONDS.into()),
            ..sqs::Queue::default()
        },
    );
    let policy_id = format!("{id}QueuePolicy");
    let doc = PolicyDocument::new().statement(Statement::deny_insecure_transport_of(["sqs:*"], [queue.arn()]));
    let doc = document(stack, &policy_id, doc)?;
    stack.template.add(policy_id, sqs::QueuePolicy::new(doc, vec![queue.reference().into()]));
    Ok(queue)
}

/// Feeds a queue to a function in batches; failed messages are reported one by one
/// (`ReportBatchItemFailures`), so one bad message does not send its whole batch back. The
/// queue invokes the function at most as often at once as the function's reserved concurrency
/// allows (AWS's advice: a reserved limit alone would throttle receives, which count towards
/// the queue's receive limit).
pub fn queue_trigger(
    stack: &mut Stack,
    id: &str,
    function: &FunctionParts,
    queue: Expr,
    batch_size: i64,
) -> Handle<lambda::EventSourceMapping> {
    use lambda::event_source_mapping::{FunctionResponseType, ScalingConfig};
    stack.template.add_with(
        format!("{id}Trigger"),
        lambda::EventSourceMapping {
            event_source_arn: Some(queue.into()),
            batch_size: Some(batch_size.into()),
            function_response_types: Some(vec![FunctionResponseType::ReportBatchItemFailures.into()]),
            scaling_config: function
                .reserved_concurrency
                .map(|n| ScalingConfig { maximum_concurrency: Some(i64::from(n).into()) }),
            ..lambda::EventSourceMapping::new(function.function.reference())
        },
        ResourceOptions::new(),
    )
}

/// Receive and delete messages of a queue encrypted with `key_arn` (an event-source mapping's
/// needs).
pub fn consume_queue(queue_arn: Expr, key_arn: Expr) -> [Statement; 2] {
    [
        Statement::allow()
            .actions([
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ChangeMessageVisibility",
            ])
            .resource(queue_arn),
        Statement::allow().action("kms:Decrypt").resource(key_arn),
    ]
}

/// Send messages to a queue encrypted with `key_arn`.
pub fn send_to_queue(queue_arn: Expr, key_arn: Expr) -> [Statement; 2] {
    [
        Statement::allow().action("sqs:SendMessage").resource(queue_arn),
        Statement::allow().actions(["kms:GenerateDataKey", "kms:Decrypt"]).resource(key_arn),
    ]
}

/// Seconds CloudFormation waits for the config function's answer (writing one row takes
/// well under a second).
pub const CONFIG_ROW_TIMEOUT_SECONDS: i64 = 120;

/// A row of one of the foundations' config tables, as a custom resource: the foundations'
/// config function (`service_token`) writes it when the stack creates or updates the resource
/// and deletes it when the stack removes it.
///
/// Why a custom resource: the routing functions look configuration up in DynamoDB (one query
/// per object, no matter how many datasets), a table item is not a CloudFormation resource, and
/// the row must live and die with its stack — created before anything routes to the dataset,
/// changed in the same change set as the resources it describes, gone when the dataset is
/// removed. An SSM parameter would tie the lookup to Parameter Store's throughput (the original
/// framework hit its rate limit); a copy made outside the deploy would drift.
pub fn config_row<R: serde::Serialize>(
    stack: &mut Stack,
    id: &str,
    kind: RowKind,
    service_token: Expr,
    resource: ConfigResource<R, Expr>,
) -> Result<(), BuildError> {
    let invalid = |problem: String| BuildError::Invalid { stack: stack.name().to_owned(), problem };
    // The row's own serialization, expressions included, is the resource's properties: what
    // the config function stores is what the functions deserialize.
    let json = serde_json::to_value(&resource).map_err(|e| invalid(format!("config row `{id}`: {e}")))?;
    let Expr::Map(row) = sdlf_cfn::parse_expr(id, &json).map_err(|e| invalid(format!("config row `{id}`: {e}")))?
    else {
        return Err(invalid(format!("config row `{id}` is not an object")));
    };
    let mut props = indexmap::IndexMap::new();
    props.insert("ServiceToken".to_owned(), service_token);
    // Without it CloudFormation waits an hour for a function that failed to answer.
    props.insert("ServiceTimeout".to_owned(), Expr::int(CONFIG_ROW_TIMEOUT_SECONDS));
    props.extend(row);
    stack.template.add_resource(id, sdlf_cfn::Resource::new(kind.resource_type(), props));
    Ok(())
}

/// SSE-KMS with a bucket key when `key_arn` is given (fewer KMS calls), else SSE-S3.
pub fn bucket_encryption(key_arn: Option<Expr>) -> s3::bucket::BucketEncryption {
    use s3::bucket::ServerSideEncryptionByDefaultSseAlgorithm as Algorithm;
    let (by_default, bucket_key) = match key_arn {
        Some(key) => (
            s3::bucket::ServerSideEncryptionByDefault {
                kms_master_key_id: Some(key.into()),
                ..s3::bucket::ServerSideEncryptionByDefault::new(Algorithm::AwsKms)
            },
            Some(true.into()),
        ),
        None => (s3::bucket::ServerSideEncryptionByDefault::new(Algorithm::Aes256), None),
    };
    s3::bucket::BucketEncryption::new(vec![s3::bucket::ServerSideEncryptionRule {
        bucket_key_enabled: bucket_key,
        server_side_encryption_by_default: Some(by_default),
        ..Default::default()
    }])
}

/// A bucket with every public access blocked and ACLs disabled (the owner owns every object).
pub fn private_bucket() -> s3::Bucket {
    s3::Bucket {
        public_access_block_configuration: Some(s3::bucket::PublicAccessBlockConfiguration {
            block_public_acls: Some(true.into()),
            block_public_policy: Some(true.into()),
            ignore_public_acls: Some(true.into()),
            restrict_public_buckets: Some(true.into()),
        }),
        ownership_controls: Some(s3::bucket::OwnershipControls::new(vec![s3::bucket::OwnershipControlsRule {
            object_ownership: Some(s3::bucket::ObjectOwnership::BucketOwnerEnforced.into()),
        }])),
        ..s3::Bucket::default()
    }
}
