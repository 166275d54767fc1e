//! The catalog stack: the lake's functions, fed by the foundations' queues.

use sdlf_lake::assets::StandInFingerprints;
use sdlf_lake::stacks::{Ctx, baseline, catalog, foundations};
use sdlf_lake::{Stack, names};
use serde_json::{Value, json};

fn build(env: &str) -> (Stack, Stack) {
    let lake = sdlf_pipelines::lake();
    let env = names::environment(&lake, env).expect("the example lake defines the environment");
    let ctx = Ctx::new(&lake, env, &StandInFingerprints);
    let (f, outputs) = foundations::build(&ctx).expect("the foundations stack builds");
    let (c, _) = catalog::build(&ctx, &outputs).expect("the catalog stack builds");
    (f, c)
}

fn body(stack: &Stack) -> Value {
    let synthesized = sdlf_cfn::synth(&stack.template, &sdlf_cfn_types::Registry)
        .unwrap_or_else(|e| panic!("{} does not synthesize: {e}", stack.name()));
    serde_json::from_str(&synthesized.body).expect("the body is JSON")
}

fn regional_arn(service: &str, resource: &str) -> Value {
    json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}")})
}

#[test]
fn every_environment_lints_and_audits_clean() {
    let bodies: Vec<(String, String)> = ["dev", "test", "prod", "local"]
        .iter()
        .map(|e| {
            let (_, c) = build(e);
            let report = sdlf_policy::audit(&c.template, &baseline::allowlist());
            assert!(report.is_clean(), "{}: {report}", c.name());
            (c.name().to_owned(), body(&c).to_string())
        })
        .collect();
    let templates: Vec<(&str, &str)> = bodies.iter().map(|(n, b)| (n.as_str(), b.as_str())).collect();
    let findings = sdlf_testkit::cfn_lint(&templates);
    assert!(findings.is_empty(), "{}", findings.iter().map(|f| format!("  {f}\n")).collect::<String>());
}

#[test]
fn functions_get_their_tables_and_queues_from_the_foundations() {
    let (foundations, stack) = build("dev");
    assert!(stack.imports().iter().all(|p| p.producer() == foundations.name()));
    let body = body(&stack);
    let r = |id: &str| body["Resources"].get(id).unwrap_or_else(|| panic!("no {id}")).clone();
    let env = |id: &str| r(id)["Properties"]["Environment"]["Variables"].clone();
    assert_eq!(
        env("CatalogFunction"),
        json!({
            "CATALOG_TABLE": {"Ref": "SsmSdlfDevCatalogCatalogTable"},
            "ROUTING_QUEUE_URL": {"Ref": "SsmSdlfDevCatalogRoutingQueueUrl"},
            "RAW_BUCKET": {"Ref": "SsmSdlfDevStorageRawBucket"},
            "STAGE_BUCKET": {"Ref": "SsmSdlfDevStorageStageBucket"},
            "ANALYTICS_BUCKET": {"Ref": "SsmSdlfDevStorageAnalyticsBucket"},
        })
    );
    assert_eq!(
        env("RoutingFunction"),
        json!({
            "CATALOG_TABLE": {"Ref": "SsmSdlfDevCatalogCatalogTable"},
            "DATASET_CONFIG_TABLE": {"Ref": "SsmSdlfDevCatalogDatasetConfigTable"},
            "EXECUTION_HISTORY_TABLE": {"Ref": "SsmSdlfDevCatalogExecutionHistoryTable"},
            "MAX_RECEIVE_COUNT": "5",
        })
    );
    assert_eq!(
        env("ConfigFunction"),
        json!({
            "DATASET_CONFIG_TABLE": {"Ref": "SsmSdlfDevCatalogDatasetConfigTable"},
            "PIPELINE_CONFIG_TABLE": {"Ref": "SsmSdlfDevCatalogPipelineConfigTable"},
        })
    );
    assert_eq!(r("CatalogTrigger")["Properties"]["EventSourceArn"], json!({"Ref": "SsmSdlfDevCatalogCatalogQueueArn"}));
    assert_eq!(r("RoutingTrigger")["Properties"]["EventSourceArn"], json!({"Ref": "SsmSdlfDevCatalogRoutingQueueArn"}));
    // The routing function reaches team-encrypted stage A queues through SQS only.
    let statements = r("RoutingRole")["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .expect("statements")
        .clone();
    let by_sid = |sid: &str| statements.iter().find(|s| s["Sid"] == sid).unwrap_or_else(|| panic!("no {sid}")).clone();
    assert_eq!(by_sid("SendToStageA")["Resource"], regional_arn("sqs", "sdlf-*-queue-a"));
    let kms = by_sid("EncryptForStageA");
    assert_eq!(kms["Resource"], regional_arn("kms", "key/*"));
    assert_eq!(
        kms["Condition"]["StringEquals"]["kms:ViaService"],
        json!({"Fn::Sub": "sqs.${AWS::Region}.amazonaws.com"})
    );
    assert_eq!(
        stack.published().iter().map(|p| p.ssm_name()).collect::<Vec<_>>(),
        ["/sdlf/dev/functions/ConfigFunctionArn"]
    );
}
