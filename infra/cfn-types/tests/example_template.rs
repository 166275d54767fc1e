//! A small but real template built from generated types: an encrypted bucket that notifies a
//! queue consumed by a Lambda function. Its JSON is pinned by a snapshot and it passes the
//! pinned cfn-lint with no finding at all.

use sdlf_cfn::{DeletionPolicy, Expr, Output, Parameter, Pseudo, ResourceOptions, Template, synth};
use sdlf_cfn_types::{Registry, iam, kms, lambda, logs, s3, sqs};

fn policy_document(statements: impl IntoIterator<Item = Expr>) -> Expr {
    Expr::map([("Version", Expr::string("2012-10-17")), ("Statement", Expr::list(statements))])
}

fn example() -> Template {
    let mut t = Template::new("example").with_description("An encrypted bucket feeding a queue and a Lambda function");
    let env = t.add_parameter(
        "Env",
        Parameter::string().description("Deployment environment").default("dev").allowed_values(["dev", "prod"]),
    );
    let code_key = t.add_parameter(
        "CodeKey",
        Parameter::ssm_string()
            .description("SSM parameter holding the S3 key of the function's zip")
            .default("/sdlf/example/code-key"),
    );
    let is_prod = t.add_condition("IsProd", Expr::equals(env.reference(), "prod"));

    let key = t.add_with(
        "Key",
        kms::Key {
            description: Some("Encrypts the example bucket, queues and logs".into()),
            enable_key_rotation: Some(true.into()),
            key_policy: Some(policy_document([
                Expr::map([
                    ("Sid", Expr::string("AccountAdministers")),
                    ("Effect", Expr::string("Allow")),
                    ("Principal", Expr::map([("AWS", Expr::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root"))])),
                    ("Action", Expr::string("kms:*")),
                    ("Resource", Expr::string("*")),
                ]),
                Expr::map([
                    ("Sid", Expr::string("LogsUseTheKey")),
                    ("Effect", Expr::string("Allow")),
                    ("Principal", Expr::map([("Service", Expr::sub("logs.${AWS::Region}.amazonaws.com"))])),
                    (
                        "Action",
                        Expr::list([
                            "kms:Encrypt*",
                            "kms:Decrypt*",
                            "kms:ReEncrypt*",
                            "kms:GenerateDataKey*",
                            "kms:Describe*",
                        ]),
                    ),
                    ("Resource", Expr::string("*")),
                ]),
            ])),
            ..kms::Key::default()
        },
        ResourceOptions::new().retain_policy(DeletionPolicy::Retain),
    );
    t.add("KeyAlias", kms::Alias::new("alias/sdlf-example", key.reference()));

    let bucket = t.add_with(
        "Bucket",
        s3::Bucket {
            bucket_encryption: Some(s3::bucket::BucketEncryption::new(vec![s3::bucket::ServerSideEncryptionRule {
                bucket_key_enabled: Some(true.into()),
                server_side_encryption_by_default: Some(s3::bucket::ServerSideEncryptionByDefault {
                    kms_master_key_id: Some(key.arn().into()),
                    ..s3::bucket::ServerSideEncryptionByDefault::new(
                        s3::bucket::ServerSideEncryptionByDefaultSseAlgorithm::AwsKms,
                    )
                }),
                ..Default::default()
            }])),
            public_access_block_configuration: Some(s3::bucket::PublicAccessBlockConfiguration {
                block_public_acls: Some(true.into()),
                block_public_policy: Some(true.into()),
                ignore_public_acls: Some(true.into()),
                restrict_public_buckets: Some(true.into()),
            }),
            versioning_configuration: Some(s3::bucket::VersioningConfiguration::new(
                s3::bucket::VersioningConfigurationStatus::Enabled,
            )),
            ..s3::Bucket::default()
        },
        ResourceOptions::new().retain_policy(DeletionPolicy::Retain),
    );
    t.add(
        "BucketPolicy",
        s3::BucketPolicy::new(
            bucket.reference(),
            policy_document([Expr::map([
                ("Sid", Expr::string("DenyInsecureTransport")),
                ("Effect", Expr::string("Deny")),
                ("Principal", Expr::string("*")),
                ("Action", Expr::string("s3:*")),
                ("Resource", Expr::list([bucket.arn(), Expr::sub("${Bucket.Arn}/*")])),
                ("Condition", Expr::map([("Bool", Expr::map([("aws:SecureTransport", "false")]))])),
            ])]),
        ),
    );

    let dlq = t.add(
        "DeadLetterQueue",
        sqs::Queue {
            kms_master_key_id: Some(key.reference().into()),
            message_retention_period: Some(1_209_600.into()),
            ..sqs::Queue::default()
        },
    );
    let queue = t.add(
        "Queue",
        sqs::Queue {
            kms_master_key_id: Some(key.reference().into()),
            visibility_timeout: Some(is_prod.if_(360, 120).into()),
            redrive_policy: Some(Expr::map([("deadLetterTargetArn", dlq.arn()), ("maxReceiveCount", Expr::int(3))])),
            ..sqs::Queue::default()
        },
    );

    let role = t.add(
        "FunctionRole",
        iam::Role {
            policies: Some(vec![iam::role::Policy::new(
                policy_document([
                    Expr::map([
                        ("Effect", Expr::string("Allow")),
                        ("Action", Expr::list(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"])),
                        ("Resource", queue.arn()),
                    ]),
                    Expr::map([
                        ("Effect", Expr::string("Allow")),
                        ("Action", Expr::string("kms:Decrypt")),
                        ("Resource", key.arn()),
                    ]),
                    Expr::map([
                        ("Effect", Expr::string("Allow")),
                        ("Action", Expr::list(["logs:CreateLogStream", "logs:PutLogEvents"])),
                        ("Resource", Expr::sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/sdlf-example:*")),
                    ]),
                ]),
                "read-queue",
            )]),
            ..iam::Role::new(policy_document([Expr::map([
                ("Effect", Expr::string("Allow")),
                ("Principal", Expr::map([("Service", "lambda.amazonaws.com")])),
                ("Action", Expr::string("sts:AssumeRole")),
            ])]))
        },
    );
    t.add_with(
        "FunctionLogs",
        logs::LogGroup {
            log_group_name: Some("/aws/lambda/sdlf-example".into()),
            kms_key_id: Some(key.arn().into()),
            retention_in_days: Some(30.into()),
            ..logs::LogGroup::default()
        },
        ResourceOptions::new().retain_policy(DeletionPolicy::Delete),
    );
    let function = t.add(
        "Function",
        lambda::Function {
            function_name: Some("sdlf-example".into()),
            runtime: Some(lambda::function::Runtime::ProvidedAl2023.into()),
            handler: Some("catalog".into()),
            architectures: Some(vec![lambda::function::Architecture::X8664.into()]),
            memory_size: Some(256.into()),
            timeout: Some(60.into()),
            ..lambda::Function::new(
                lambda::function::Code {
                    s3_bucket: Some(Expr::sub("sdlf-artifacts-${AWS::AccountId}-${AWS::Region}").into()),
                    s3_key: Some(code_key.reference().into()),
                    ..Default::default()
                },
                role.arn(),
            )
        },
    );
    t.add(
        "QueueTrigger",
        lambda::EventSourceMapping {
            event_source_arn: Some(queue.arn().into()),
            batch_size: Some(10.into()),
            function_response_types: Some(vec![
                lambda::event_source_mapping::FunctionResponseType::ReportBatchItemFailures.into(),
            ]),
            ..lambda::EventSourceMapping::new(function.reference())
        },
    );

    t.add_output(
        "BucketName",
        Output::new(bucket.reference())
            .description("The encrypted bucket")
            .export(Expr::sub("${AWS::StackName}-BucketName")),
    );
    t.add_output("QueueUrl", Output::new(queue.get_att(sqs::QueueAttr::QueueUrl)));
    t.add_output("Region", Output::new(Pseudo::Region.expr()));
    t
}

#[test]
fn example_template_json_is_pinned() {
    let s = synth(&example(), &Registry).expect("the example is valid");
    assert!(!s.needs_upload());
    insta::assert_snapshot!(s.body);
}

#[test]
fn example_template_passes_cfn_lint_without_any_finding() {
    let s = synth(&example(), &Registry).expect("the example is valid");
    let findings = sdlf_testkit::cfn_lint(&[("example", &s.body)]);
    assert!(
        findings.is_empty(),
        "cfn-lint findings:\n{}",
        findings.iter().map(|f| format!("  {f}\n")).collect::<String>()
    );
}

#[test]
fn a_get_att_the_type_lacks_is_a_synth_error_naming_the_place() {
    let mut t = example();
    t.add_output("Nope", Output::new(Expr::get_att("Queue", "Name")));
    let e = synth(&t, &Registry).unwrap_err().to_string();
    assert_eq!(
        e,
        "template `example`, Outputs.Nope.Value: Fn::GetAtt `Queue.Name`: AWS::SQS::Queue has no attribute `Name` \
         (it has: Arn, QueueName, QueueUrl)"
    );
}
