//! The foundations stack, built for every environment of the example lake.

use sdlf_cfn::DeletionPolicy;
use sdlf_lake::assets::StandInFingerprints;
use sdlf_lake::stacks::{Ctx, FoundationsOutputs, baseline, foundations};
use sdlf_lake::{LeftOut, Stack, names};
use serde_json::{Value, json};

const ENVIRONMENTS: [&str; 4] = ["dev", "test", "prod", "local"];

fn build(env: &str) -> (Stack, FoundationsOutputs) {
    let lake = sdlf_pipelines::lake();
    let env = names::environment(&lake, env).expect("the example lake defines the environment");
    let ctx = Ctx::new(&lake, env, &StandInFingerprints);
    foundations::build(&ctx).expect("the foundations stack builds")
}

/// The synthesized template as JSON.
fn body(stack: &Stack) -> Value {
    let synthesized = sdlf_cfn::synth(&stack.template, &sdlf_cfn_types::Registry)
        .unwrap_or_else(|e| panic!("{} does not synthesize: {e}", stack.name()));
    serde_json::from_str(&synthesized.body).expect("the body is JSON")
}

fn resource<'a>(body: &'a Value, id: &str) -> &'a Value {
    body["Resources"].get(id).unwrap_or_else(|| panic!("no resource {id}"))
}

fn ids_of_type<'a>(body: &'a Value, type_name: &str) -> Vec<&'a str> {
    body["Resources"]
        .as_object()
        .expect("resources")
        .iter()
        .filter(|(_, r)| r["Type"] == type_name)
        .map(|(id, _)| id.as_str())
        .collect()
}

#[test]
fn every_environment_synthesizes_lints_and_audits_clean() {
    let stacks: Vec<Stack> = ENVIRONMENTS.iter().map(|e| build(e).0).collect();
    let mut bodies = Vec::new();
    for stack in &stacks {
        let synthesized = sdlf_cfn::synth(&stack.template, &sdlf_cfn_types::Registry)
            .unwrap_or_else(|e| panic!("{} does not synthesize: {e}", stack.name()));
        let report = sdlf_policy::audit(&stack.template, &baseline::allowlist());
        assert!(report.is_clean(), "{}: {report}", stack.name());
        bodies.push((stack.name().to_owned(), synthesized.body));
    }
    let templates: Vec<(&str, &str)> = bodies.iter().map(|(n, b)| (n.as_str(), b.as_str())).collect();
    let findings = sdlf_testkit::cfn_lint(&templates);
    assert!(
        findings.is_empty(),
        "cfn-lint findings:\n{}",
        findings.iter().map(|f| format!("  {f}\n")).collect::<String>()
    );
}

#[test]
fn data_buckets_notify_the_catalog_queue_after_its_policy_exists() {
    let (stack, _) = build("dev");
    let body = body(&stack);
    for id in ["RawBucket", "StageBucket", "AnalyticsBucket"] {
        let r = &stack.template.resources[id];
        assert!(r.depends_on.contains(&"CatalogQueuePolicy".to_owned()), "{id} depends on {:?}", r.depends_on);
        let queues = &resource(&body, id)["Properties"]["NotificationConfiguration"]["QueueConfigurations"];
        let events: Vec<&Value> =
            queues.as_array().expect("queue configurations").iter().map(|q| &q["Event"]).collect();
        assert_eq!(events, [&json!("s3:ObjectCreated:*"), &json!("s3:ObjectRemoved:*")], "{id}");
        for q in queues.as_array().unwrap() {
            assert_eq!(q["Queue"], json!({"Fn::GetAtt": ["CatalogQueue", "Arn"]}), "{id}");
        }
    }
    for id in ["ArtifactsBucket", "AthenaBucket", "AccessLogsBucket"] {
        assert!(resource(&body, id)["Properties"].get("NotificationConfiguration").is_none(), "{id} notifies");
        assert!(!stack.template.resources[id].depends_on.contains(&"CatalogQueuePolicy".to_owned()), "{id}");
    }
}

#[test]
fn s3_sends_to_the_catalog_queue_only_for_this_account_and_the_data_buckets() {
    let (stack, _) = build("dev");
    let body = body(&stack);
    let statements = resource(&body, "CatalogQueuePolicy")["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .expect("statements")
        .clone();
    let send: Vec<&Value> =
        statements.iter().filter(|s| s["Principal"] == json!({"Service": "s3.amazonaws.com"})).collect();
    assert_eq!(send.len(), 1, "{statements:#?}");
    let send = send[0];
    assert_eq!(send["Effect"], "Allow");
    assert_eq!(send["Action"], "sqs:SendMessage");
    assert_eq!(send["Condition"]["StringEquals"]["aws:SourceAccount"], json!({"Fn::Sub": "${AWS::AccountId}"}));
    let prefix = "arn:${AWS::Partition}:s3:::anycompany-datalake-dev-us-east-1-111111111111";
    assert_eq!(
        send["Condition"]["ArnLike"]["aws:SourceArn"],
        json!([
            {"Fn::Sub": format!("{prefix}-raw")},
            {"Fn::Sub": format!("{prefix}-stage")},
            {"Fn::Sub": format!("{prefix}-analytics")},
        ])
    );
}

#[test]
fn buckets_are_encrypted_private_and_tls_only() {
    let (stack, _) = build("prod");
    let body = body(&stack);
    let buckets = ids_of_type(&body, "AWS::S3::Bucket");
    assert_eq!(buckets.len(), 6, "{buckets:?}");
    for id in buckets {
        let p = &resource(&body, id)["Properties"];
        let rule = &p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0];
        if id == "AccessLogsBucket" {
            // S3 cannot deliver server access logs into an SSE-KMS bucket.
            assert_eq!(rule["ServerSideEncryptionByDefault"], json!({"SSEAlgorithm": "AES256"}));
            assert!(p.get("LoggingConfiguration").is_none());
        } else {
            assert_eq!(rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"], "aws:kms", "{id}");
            assert_eq!(
                rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"],
                json!({"Fn::GetAtt": ["LakeKey", "Arn"]})
            );
            assert_eq!(rule["BucketKeyEnabled"], true, "{id}");
            assert_eq!(p["LoggingConfiguration"]["DestinationBucketName"], json!({"Ref": "AccessLogsBucket"}), "{id}");
            let name = p["BucketName"].as_str().expect("a literal name");
            assert_eq!(p["LoggingConfiguration"]["LogFilePrefix"], format!("{name}/"), "{id}");
            assert!(stack.template.resources[id].depends_on.contains(&"AccessLogsBucketPolicy".to_owned()), "{id}");
        }
        let block = &p["PublicAccessBlockConfiguration"];
        for k in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
            assert_eq!(block[k], true, "{id} {k}");
        }
        assert_eq!(p["OwnershipControls"]["Rules"][0]["ObjectOwnership"], "BucketOwnerEnforced", "{id}");
        let policy = resource(&body, &format!("{id}Policy"));
        assert_eq!(policy["Properties"]["Bucket"], json!({"Ref": id}));
        let first = &policy["Properties"]["PolicyDocument"]["Statement"][0];
        assert_eq!(first["Sid"], "DenyInsecureTransport", "{id}");
        assert_eq!(first["Effect"], "Deny", "{id}");
    }
    let versioned = |id: &str| resource(&body, id)["Properties"].get("VersioningConfiguration").is_some();
    // The access logs too: they are the record of what happened to the data.
    for id in ["RawBucket", "StageBucket", "AnalyticsBucket", "ArtifactsBucket", "AccessLogsBucket"] {
        assert!(versioned(id), "{id}");
    }
    // Query results are written again by running the query (the baseline waives checkov's check).
    assert!(!versioned("AthenaBucket"));
}

#[test]
fn local_leaves_out_lake_formation_and_nothing_else() {
    let (local, _) = build("local");
    let lf = "AWS::LakeFormation::Resource";
    let expected = [
        ("DataLakeSettings", "AWS::LakeFormation::DataLakeSettings"),
        ("RawLakeFormationResource", lf),
        ("StageLakeFormationResource", lf),
        ("AnalyticsLakeFormationResource", lf),
    ]
    .map(|(id, t)| LeftOut { logical_id: id.into(), type_name: t.into() });
    assert_eq!(local.left_out(), expected);
    assert!(local.template.resources.values().all(|r| !r.type_name.starts_with("AWS::LakeFormation::")));
    // The data-access role is plain IAM: it stays.
    assert_eq!(local.template.resources["LakeFormationDataAccessRole"].type_name, "AWS::IAM::Role");

    let (dev, _) = build("dev");
    assert!(dev.left_out().is_empty());
    let body = body(&dev);
    for left_out in &expected {
        assert_eq!(resource(&body, &left_out.logical_id)["Type"], left_out.type_name.as_str());
    }
    for id in ["RawLakeFormationResource", "StageLakeFormationResource", "AnalyticsLakeFormationResource"] {
        assert_eq!(dev.template.resources[id].depends_on, ["DataLakeSettings"]);
        let p = &resource(&body, id)["Properties"];
        assert_eq!(p["UseServiceLinkedRole"], false);
        assert_eq!(p["RoleArn"], json!({"Fn::GetAtt": ["LakeFormationDataAccessRole", "Arn"]}));
    }
    let settings = &resource(&body, "DataLakeSettings")["Properties"];
    assert_eq!(settings["MutationType"], "APPEND");
    assert_eq!(settings["CreateDatabaseDefaultPermissions"], json!([]));
    assert_eq!(settings["CreateTableDefaultPermissions"], json!([]));
    let deploy_role = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/sdlf-dev-deploy";
    assert_eq!(settings["Admins"], json!([{"DataLakePrincipalIdentifier": {"Fn::Sub": deploy_role}}]));
}

#[test]
fn stateful_resources_are_retained_in_aws_and_deleted_locally() {
    for (env, policy) in [("dev", DeletionPolicy::Retain), ("local", DeletionPolicy::Delete)] {
        let (stack, _) = build(env);
        let mut counts = std::collections::BTreeMap::new();
        for (id, r) in &stack.template.resources {
            let stateful = ["AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::KMS::Key", "AWS::Logs::LogGroup"];
            if stateful.contains(&r.type_name.as_str()) {
                assert_eq!(r.deletion_policy, Some(policy), "{env} {id}");
                assert_eq!(r.update_replace_policy, Some(policy), "{env} {id}");
                *counts.entry(r.type_name.as_str()).or_insert(0) += 1;
            }
        }
        let expected = [("AWS::DynamoDB::Table", 4), ("AWS::KMS::Key", 1), ("AWS::S3::Bucket", 6)];
        assert_eq!(counts.into_iter().collect::<Vec<_>>(), expected, "{env}");
    }
}

#[test]
fn publishes_exactly_the_outputs() {
    let (stack, out) = build("test");
    let fields = [
        &out.key_arn,
        &out.raw_bucket,
        &out.stage_bucket,
        &out.analytics_bucket,
        &out.artifacts_bucket,
        &out.athena_bucket,
        &out.catalog_table,
        &out.dataset_config_table,
        &out.pipeline_config_table,
        &out.execution_history_table,
        &out.catalog_queue_arn,
        &out.routing_queue_arn,
        &out.routing_queue_url,
        &out.data_access_role_arn,
    ];
    let names: Vec<&str> = fields.iter().map(|p| p.ssm_name()).collect();
    assert_eq!(
        names,
        [
            "/sdlf/test/storage/KeyArn",
            "/sdlf/test/storage/RawBucket",
            "/sdlf/test/storage/StageBucket",
            "/sdlf/test/storage/AnalyticsBucket",
            "/sdlf/test/storage/ArtifactsBucket",
            "/sdlf/test/storage/AthenaBucket",
            "/sdlf/test/catalog/CatalogTable",
            "/sdlf/test/catalog/DatasetConfigTable",
            "/sdlf/test/catalog/PipelineConfigTable",
            "/sdlf/test/catalog/ExecutionHistoryTable",
            "/sdlf/test/catalog/CatalogQueueArn",
            "/sdlf/test/catalog/RoutingQueueArn",
            "/sdlf/test/catalog/RoutingQueueUrl",
            "/sdlf/test/lakeformation/DataAccessRoleArn",
        ]
    );
    assert!(fields.iter().all(|p| p.producer() == stack.name()));
    let published: Vec<&sdlf_lake::Published> = stack.published().iter().collect();
    assert_eq!(published, fields);
    assert!(stack.imports().is_empty(), "the foundations read from no stack");
    let body = body(&stack);
    assert_eq!(ids_of_type(&body, "AWS::SSM::Parameter").len(), fields.len());
    assert_eq!(resource(&body, "RoutingQueueUrlParameter")["Properties"]["Value"], json!({"Ref": "RoutingQueue"}));
    // No functions here: their packages need the artifacts bucket to exist first.
    assert!(ids_of_type(&body, "AWS::Lambda::Function").is_empty());
}

#[test]
fn queues_fit_their_functions_and_the_catalog_has_its_indexes() {
    let (stack, _) = build("dev");
    let body = body(&stack);
    // Six times the function timeout, as AWS recommends for Lambda event sources.
    for q in ["CatalogQueue", "RoutingQueue"] {
        assert_eq!(resource(&body, q)["Properties"]["VisibilityTimeout"], 360, "{q}");
    }
    let indexes: Vec<Value> = resource(&body, "CatalogTable")["Properties"]["GlobalSecondaryIndexes"]
        .as_array()
        .expect("indexes")
        .iter()
        .map(|i| json!([i["IndexName"], i["KeySchema"][0]["AttributeName"], i["KeySchema"][1]["AttributeName"]]))
        .collect();
    assert_eq!(
        indexes,
        [json!(["by-dataset", "dataset", "last_modified"]), json!(["by-stage", "stage", "last_modified"])]
    );
}
