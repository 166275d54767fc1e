//! A small lake built from generated types, and helpers to change it.

#![allow(dead_code)]

use sdlf_cfn::{Expr, Output, Parameter, Template};
use sdlf_cfn_types::{dynamodb, iam, lambda, s3, sns, sqs};

pub fn policy_document(statements: impl IntoIterator<Item = Expr>) -> Expr {
    Expr::map([("Version", Expr::string("2012-10-17")), ("Statement", Expr::list(statements))])
}

pub fn allow(actions: &[&str], resource: Expr) -> Expr {
    Expr::map([
        ("Effect", Expr::string("Allow")),
        ("Action", Expr::list(actions.iter().copied())),
        ("Resource", resource),
    ])
}

/// Bucket, queue (with policy, SNS subscription and Lambda trigger), table, role and function.
pub fn lake() -> Template {
    let mut t = Template::new("lake").with_description("A test lake");
    let env = t.add_parameter("Env", Parameter::string().default("dev").allowed_values(["dev", "prod"]));
    t.add_condition("IsProd", Expr::equals(env.reference(), "prod"));

    let bucket = t.add(
        "RawBucket",
        s3::Bucket {
            bucket_encryption: Some(s3::bucket::BucketEncryption::new(vec![s3::bucket::ServerSideEncryptionRule {
                server_side_encryption_by_default: Some(s3::bucket::ServerSideEncryptionByDefault::new(
                    s3::bucket::ServerSideEncryptionByDefaultSseAlgorithm::Aes256,
                )),
                ..Default::default()
            }])),
            versioning_configuration: Some(s3::bucket::VersioningConfiguration::new(
                s3::bucket::VersioningConfigurationStatus::Enabled,
            )),
            ..s3::Bucket::default()
        },
    );
    let queue = t.add(
        "Queue",
        sqs::Queue {
            queue_name: Some("sdlf-raw".into()),
            visibility_timeout: Some(120.into()),
            ..sqs::Queue::default()
        },
    );
    t.add(
        "QueuePolicy",
        sqs::QueuePolicy::new(
            policy_document([Expr::map([
                ("Effect", Expr::string("Allow")),
                ("Principal", Expr::map([("Service", "sns.amazonaws.com")])),
                ("Action", Expr::string("sqs:SendMessage")),
                ("Resource", queue.arn()),
            ])]),
            vec![queue.reference().into()],
        ),
    );
    let topic = t.add("Topic", sns::Topic::default());
    t.add(
        "Subscription",
        sns::Subscription { endpoint: Some(queue.arn().into()), ..sns::Subscription::new("sqs", topic.reference()) },
    );
    t.add(
        "Table",
        dynamodb::Table {
            billing_mode: Some(dynamodb::table::BillingMode::PayPerRequest.into()),
            attribute_definitions: Some(vec![dynamodb::table::AttributeDefinition::new(
                "id",
                dynamodb::table::AttributeType::S,
            )]),
            ..dynamodb::Table::new(vec![dynamodb::table::KeySchema::new("id", dynamodb::table::KeyType::Hash)])
        },
    );
    let role = t.add(
        "FunctionRole",
        iam::Role {
            policies: Some(vec![iam::role::Policy::new(
                policy_document([allow(&["s3:GetObject"], Expr::sub("${RawBucket.Arn}/*"))]),
                "read-raw",
            )]),
            ..iam::Role::new(policy_document([Expr::map([
                ("Effect", Expr::string("Allow")),
                ("Principal", Expr::map([("Service", "lambda.amazonaws.com")])),
                ("Action", Expr::string("sts:AssumeRole")),
            ])]))
        },
    );
    let function = t.add(
        "Function",
        lambda::Function {
            runtime: Some(lambda::function::Runtime::ProvidedAl2023.into()),
            handler: Some("bootstrap".into()),
            ..lambda::Function::new(
                lambda::function::Code {
                    s3_bucket: Some("sdlf-artifacts".into()),
                    s3_key: Some("function.zip".into()),
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
            ..lambda::EventSourceMapping::new(function.reference())
        },
    );
    t.add_output("BucketName", Output::new(bucket.reference()));
    t
}

/// Sets property `key` of resource `id`.
pub fn set(t: &mut Template, id: &str, key: &str, value: impl Into<Expr>) {
    t.resources.get_mut(id).expect("the fixture has this resource").properties.insert(key.to_owned(), value.into());
}
