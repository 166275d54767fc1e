//! The generated types: required properties, property names, enum values, attributes, specs.

use indexmap::IndexMap;
use sdlf_cfn::{Attribute, ChangeImpact, Expr, HasArn, HasName, IntoProps, ResourceType, SpecLookup, Val};
use sdlf_cfn_types::{REGISTRY, Registry, dynamodb, glue, iam, lambda, s3, specs, sqs};

fn keys(props: &IndexMap<String, Expr>) -> Vec<&str> {
    props.keys().map(String::as_str).collect()
}

#[test]
fn a_bucket_with_versioning_and_kms_encryption() {
    use s3::bucket::{self, ServerSideEncryptionByDefaultSseAlgorithm as SseAlgorithm};
    let bucket = s3::Bucket {
        bucket_name: Some("raw".into()),
        versioning_configuration: Some(bucket::VersioningConfiguration::new(
            bucket::VersioningConfigurationStatus::Enabled,
        )),
        bucket_encryption: Some(bucket::BucketEncryption::new(vec![bucket::ServerSideEncryptionRule {
            server_side_encryption_by_default: Some(bucket::ServerSideEncryptionByDefault {
                kms_master_key_id: Some(Expr::get_att("Key", "Arn").into()),
                ..bucket::ServerSideEncryptionByDefault::new(SseAlgorithm::AwsKms)
            }),
            ..Default::default()
        }])),
        ..Default::default()
    };
    let props = bucket.into_props();
    assert_eq!(keys(&props), ["BucketEncryption", "BucketName", "VersioningConfiguration"]);
    let encryption = Expr::map([(
        "ServerSideEncryptionConfiguration",
        Expr::list([Expr::map([(
            "ServerSideEncryptionByDefault",
            Expr::map([("KMSMasterKeyID", Expr::get_att("Key", "Arn")), ("SSEAlgorithm", Expr::string("aws:kms"))]),
        )])]),
    )]);
    assert_eq!(props["BucketEncryption"], encryption);
    assert_eq!(props["VersioningConfiguration"], Expr::map([("Status", "Enabled")]));
    assert_eq!(props["BucketName"], Expr::string("raw"));
}

#[test]
fn enum_literals_are_their_schema_strings() {
    assert_eq!(dynamodb::table::BillingMode::PayPerRequest.as_str(), "PAY_PER_REQUEST");
    assert_eq!(s3::bucket::ServerSideEncryptionByDefaultSseAlgorithm::AwsKmsDsse.as_str(), "aws:kms:dsse");
    let runtime: Val<lambda::function::Runtime> = lambda::function::Runtime::Python312.into();
    assert_eq!(runtime.as_expr(), &Expr::string("python3.12"));
    // An intrinsic still fits where an enum literal does.
    let from_param: Val<lambda::function::Runtime> = Expr::reference("Runtime").into();
    assert_eq!(from_param.as_expr(), &Expr::reference("Runtime"));
}

#[test]
fn a_function_needs_its_code_and_role() {
    let function = lambda::Function {
        runtime: Some(lambda::function::Runtime::ProvidedAl2023.into()),
        architectures: Some(vec![lambda::function::Architecture::Arm64.into()]),
        memory_size: Some(512.into()),
        environment: Some(lambda::function::Environment {
            variables: Some(IndexMap::from([("TABLE".to_owned(), Val::from(Expr::reference("Table")))])),
        }),
        ..lambda::Function::new(
            lambda::function::Code { zip_file: Some("def handler(e, c): pass".into()), ..Default::default() },
            Expr::get_att("Role", "Arn"),
        )
    };
    let props = function.into_props();
    assert_eq!(keys(&props), ["Architectures", "Code", "Environment", "MemorySize", "Role", "Runtime"]);
    assert_eq!(props["Architectures"], Expr::list(["arm64"]));
    assert_eq!(props["Code"], Expr::map([("ZipFile", "def handler(e, c): pass")]));
    assert_eq!(props["Environment"], Expr::map([("Variables", Expr::map([("TABLE", Expr::reference("Table"))]))]));
    assert_eq!(props["MemorySize"], Expr::int(512));
    assert_eq!(props["Runtime"], Expr::string("provided.al2023"));
}

#[test]
fn a_table_needs_its_key_schema() {
    use dynamodb::table;
    let key = |name: &str, key_type| table::KeySchema::new(name, key_type);
    let mut t = dynamodb::Table::new(vec![key("pk", table::KeyType::Hash), key("sk", table::KeyType::Range)]);
    t.billing_mode = Some(table::BillingMode::PayPerRequest.into());
    t.attribute_definitions = Some(vec![
        table::AttributeDefinition::new("pk", table::AttributeType::S),
        table::AttributeDefinition::new("sk", table::AttributeType::S),
    ]);
    let props = t.into_props();
    assert_eq!(keys(&props), ["AttributeDefinitions", "BillingMode", "KeySchema"]);
    assert_eq!(
        props["KeySchema"],
        Expr::list([
            Expr::map([("AttributeName", "pk"), ("KeyType", "HASH")]),
            Expr::map([("AttributeName", "sk"), ("KeyType", "RANGE")]),
        ])
    );
    assert_eq!(props["BillingMode"], Expr::string("PAY_PER_REQUEST"));
}

#[test]
fn a_role_takes_its_trust_policy_as_json() {
    let trust = Expr::map([("Version", Expr::string("2012-10-17")), ("Statement", Expr::list(Vec::<Expr>::new()))]);
    let role = iam::Role {
        managed_policy_arns: Some(vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()]),
        ..iam::Role::new(trust.clone())
    };
    let props = role.into_props();
    assert_eq!(keys(&props), ["AssumeRolePolicyDocument", "ManagedPolicyArns"]);
    assert_eq!(props["AssumeRolePolicyDocument"], trust);
}

#[test]
fn glue_maps_are_maps_of_strings() {
    let job = glue::Job {
        default_arguments: Some(IndexMap::from([("--job-language".to_owned(), "python".into())])),
        ..glue::Job::new(glue::job::JobCommand { name: Some("glueetl".into()), ..Default::default() }, "role-arn")
    };
    assert_eq!(job.into_props()["DefaultArguments"], Expr::map([("--job-language", "python")]));
}

#[test]
fn types_know_their_names_arns_and_attributes() {
    assert_eq!(s3::Bucket::TYPE_NAME, "AWS::S3::Bucket");
    assert_eq!(s3::Bucket::ARN.name(), "Arn");
    assert_eq!(s3::Bucket::name_of("B"), Expr::reference("B"));
    assert_eq!(sqs::Queue::name_of("Q"), Expr::get_att("Q", "QueueName"));
    assert_eq!(lambda::FunctionAttr::SnapStartResponseApplyOn.name(), "SnapStartResponse.ApplyOn");
    assert_eq!(sqs::QueueAttr::QueueUrl.name(), "QueueUrl");
}

#[test]
fn the_registry_finds_every_generated_type() {
    for spec in specs() {
        assert_eq!(REGISTRY.spec(spec.type_name), Some(spec));
    }
    assert_eq!(Registry.spec("AWS::S3::Nope"), None);
    assert_eq!(Registry.spec(""), None);
}

#[test]
fn specs_carry_data_and_replacement() {
    let bucket = REGISTRY.spec("AWS::S3::Bucket").unwrap();
    assert_eq!(bucket.holds_data, Some("objects"));
    assert!(bucket.has_attribute("Arn"));
    assert_eq!(bucket.primary_identifier, ["BucketName"]);
    assert_eq!(bucket.impact_of(&["BucketName"]), ChangeImpact::Replace);
    assert_eq!(bucket.impact_of(&["VersioningConfiguration", "Status"]), ChangeImpact::Update);

    let database = REGISTRY.spec("AWS::Glue::Database").unwrap();
    assert_eq!(database.holds_data, Some("table definitions of the Data Catalog"));

    let queue = REGISTRY.spec("AWS::SQS::Queue").unwrap();
    assert!(queue.has_attribute("QueueName"));
    assert_eq!(queue.holds_data, Some("messages"));
    assert_eq!(queue.impact_of(&["FifoQueue"]), ChangeImpact::Replace);

    let table = REGISTRY.spec("AWS::DynamoDB::Table").unwrap();
    assert_eq!(table.impact_of(&["KeySchema", "0", "AttributeName"]), ChangeImpact::Replace);
    assert_eq!(table.impact_of(&["BillingMode"]), ChangeImpact::Update);

    let role = REGISTRY.spec("AWS::IAM::Role").unwrap();
    assert_eq!(role.holds_data, None);
    assert_eq!(role.impact_of(&["RoleName"]), ChangeImpact::Replace);

    // The service spec's "maybe": changing a repository's triggers may replace it.
    let repo = REGISTRY.spec("AWS::CodeCommit::Repository").unwrap();
    assert_eq!(repo.impact_of(&["Triggers"]), ChangeImpact::MayReplace);
}
