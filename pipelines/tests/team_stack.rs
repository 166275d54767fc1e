//! The team stack of the example lake, in every environment: valid, lint-clean, within the
//! security baseline, and isolating teams from each other.

use sdlf_lake::assets::StandInFingerprints;
use sdlf_lake::stacks::{BuildError, Ctx, TeamOutputs, baseline, team};
use sdlf_lake::{Environment, Lake, Stack};
use serde_json::Value;

mod common;

struct Built {
    env: String,
    team: String,
    stack: Stack,
    outputs: TeamOutputs,
    foundations: Stack,
    json: Value,
    body: String,
}

fn build_all(lake: &Lake) -> Vec<Built> {
    let mut out = Vec::new();
    for env in &lake.environments {
        let ctx = Ctx::new(lake, env, &StandInFingerprints);
        let (foundations, f, _, _) = common::shared(&ctx);
        for t in &lake.teams {
            let (stack, outputs) = team::build(&ctx, t, &f).unwrap_or_else(|e| panic!("{}/{}: {e}", env.name, t.name));
            let synth = sdlf_cfn::synth(&stack.template, &sdlf_cfn_types::Registry)
                .unwrap_or_else(|e| panic!("{}: {e:?}", stack.name()));
            let json: Value = serde_json::from_str(&synth.body).expect("JSON body");
            out.push(Built {
                env: env.name.clone(),
                team: t.name.clone(),
                stack,
                outputs,
                foundations: foundations.clone(),
                json,
                body: synth.body,
            });
        }
    }
    out
}

fn resources_of_type<'a>(json: &'a Value, type_name: &str) -> Vec<(&'a String, &'a Value)> {
    json["Resources"].as_object().expect("resources").iter().filter(|(_, r)| r["Type"] == type_name).collect()
}

#[test]
fn team_stacks_synthesize_lint_clean_and_pass_the_baseline_in_every_environment() {
    let lake = sdlf_pipelines::lake();
    let built = build_all(&lake);
    assert_eq!(built.len(), 8, "4 environments × 2 teams");
    let allow = baseline::allowlist();
    for b in &built {
        let report = sdlf_policy::audit(&b.stack.template, &allow);
        assert!(report.is_clean(), "{}: {:#?}", b.stack.name(), report.violations);
        // The emulator has no Glue security configurations; everything else it takes.
        let left_out: Vec<&str> = b.stack.left_out().iter().map(|l| l.type_name.as_str()).collect();
        let expected: &[&str] = if b.env == "local" { &["AWS::Glue::SecurityConfiguration"] } else { &[] };
        assert_eq!(left_out, expected, "{}", b.stack.name());
    }
    let names: Vec<String> = built.iter().map(|b| b.stack.name().to_owned()).collect();
    let templates: Vec<(&str, &str)> = names.iter().zip(&built).map(|(n, b)| (n.as_str(), b.body.as_str())).collect();
    let findings = sdlf_testkit::cfn_lint(&templates);
    assert!(findings.is_empty(), "{}", findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
}

#[test]
fn every_output_is_published_under_the_team_and_imports_come_from_foundations() {
    let lake = sdlf_pipelines::lake();
    for b in build_all(&lake) {
        let o = &b.outputs;
        let expect = |what: &str| format!("/sdlf/{}/team/{}/{what}", b.env, b.team);
        let published: Vec<(&str, String)> = vec![
            (o.key_arn.ssm_name(), expect("KeyArn")),
            (o.permissions_boundary_arn.ssm_name(), expect("PermissionsBoundaryArn")),
            (o.crawler_role_arn.ssm_name(), expect("CrawlerRoleArn")),
            (o.glue_job_role_arn.ssm_name(), expect("GlueJobRoleArn")),
            (o.states_role_arn.ssm_name(), expect("StatesRoleArn")),
            (o.topic_arn.ssm_name(), expect("TopicArn")),
            (o.glue_security_configuration.ssm_name(), expect("GlueSecurityConfiguration")),
            (o.athena_workgroup.ssm_name(), expect("AthenaWorkgroup")),
        ];
        for (got, want) in &published {
            assert_eq!(got, want);
        }
        assert_eq!(b.stack.published().len(), published.len());
        assert!(b.stack.published().iter().all(|p| p.producer() == b.stack.name()));
        assert!(!b.stack.imports().is_empty());
        assert!(b.stack.imports().iter().all(|i| i.producer() == b.foundations.name()));
        // The stand-in and the team stack deploy together, foundations first.
        let assembly = sdlf_lake::Assembly { stacks: vec![b.stack.clone(), b.foundations.clone()] };
        let order: Vec<&str> = assembly.order().expect("ordered").into_iter().map(Stack::name).collect();
        assert_eq!(order, [b.foundations.name(), b.stack.name()]);
        assert_eq!(b.stack.tags.get("sdlf:team"), Some(&b.team));
    }
}

#[test]
fn teams_are_isolated_from_each_other() {
    let lake = sdlf_pipelines::lake();
    for b in build_all(&lake) {
        let other = if b.team == "engineering" { "marketing" } else { "engineering" };
        // Everything a team's roles may do: the boundary and the roles' own policies.
        let boundary = &b.json["Resources"]["PermissionsBoundary"]["Properties"];
        let policies: Vec<String> = std::iter::once(boundary.to_string())
            .chain(resources_of_type(&b.json, "AWS::IAM::Role").iter().map(|(_, r)| r["Properties"].to_string()))
            .collect();
        for p in &policies {
            assert!(!p.contains(other), "{} mentions {other}: {p}", b.stack.name());
            assert!(p.contains(&format!("sdlf-{}-", b.team)) || p.contains(&format!("/sdlf/{}/", b.team)));
        }
        let text = boundary.to_string();
        for pattern in [
            format!("/{}/*", b.team),
            format!("function:sdlf-{}-*", b.team),
            format!("stateMachine:sdlf-{}-*", b.team),
            format!("crawler/sdlf-{}-*", b.team),
            format!("job/sdlf-{}-*", b.team),
            format!("dataQualityRuleset/sdlf-{}-*", b.team),
            format!("database/anycompany_datalake_{}_{}_*", b.env, b.team),
            format!("table/anycompany_datalake_{}_{}_*/*", b.env, b.team),
            format!("role/sdlf/{}/*", b.team),
        ] {
            assert!(text.contains(&pattern), "boundary of {} lacks {pattern}: {text}", b.stack.name());
        }
        assert_eq!(
            boundary["ManagedPolicyName"],
            Value::String(format!("sdlf-{}-boundary", b.team)),
            "boundary name from Names::team_resource"
        );
        // Listing a bucket is limited to the team's prefix.
        let statements = boundary["PolicyDocument"]["Statement"].as_array().expect("statements");
        let list = statements.iter().find(|s| s["Sid"] == "ListTeamPrefixes").expect("list statement");
        assert_eq!(
            list["Condition"]["StringLike"]["s3:prefix"],
            serde_json::json!([
                format!("{}/", b.team),
                format!("{}/*", b.team),
                format!("pre-stage/{}/", b.team),
                format!("pre-stage/{}/*", b.team)
            ])
        );
        // The only Resource "*" statements are for the APIs without resource-level permissions.
        let star: Vec<&Value> = statements.iter().filter(|s| s["Resource"] == "*").map(|s| &s["Sid"]).collect();
        assert_eq!(star, ["DeliverExecutionLogs", "LakeFormationDataAccess", "PublishMetrics"]);
        let metrics = statements.iter().find(|s| s["Action"] == "cloudwatch:PutMetricData").expect("metrics");
        assert!(metrics["Condition"]["StringEquals"]["cloudwatch:namespace"].is_array());
    }
}

#[test]
fn every_role_carries_the_boundary_and_the_team_path() {
    let lake = sdlf_pipelines::lake();
    for b in build_all(&lake) {
        let roles = resources_of_type(&b.json, "AWS::IAM::Role");
        let ids: Vec<&str> = roles.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["CrawlerRole", "GlueJobRole", "StatesRole"]);
        for (id, r) in roles {
            let p = &r["Properties"];
            assert_eq!(p["PermissionsBoundary"], serde_json::json!({"Ref": "PermissionsBoundary"}), "{id}");
            assert_eq!(p["Path"], Value::String(format!("/sdlf/{}/", b.team)), "{id}");
            assert!(p.get("RoleName").is_none(), "{id}: CloudFormation names the roles");
            let trust = &p["AssumeRolePolicyDocument"]["Statement"][0];
            assert!(trust["Condition"]["StringEquals"]["aws:SourceAccount"].is_object(), "{id}: confused deputy");
        }
        let states = b.json["Resources"]["StatesRole"]["Properties"]["Policies"][0]["PolicyDocument"].to_string();
        assert!(states.contains(r#""Resource":{"Fn::GetAtt":["GlueJobRole","Arn"]}"#), "passes the Glue job role");
        assert!(states.contains(r#""iam:PassedToService":"glue.amazonaws.com""#));
        assert!(states.contains("glue:StartDataQualityRulesetEvaluationRun"));
    }
}

#[test]
fn key_topic_glue_and_athena_are_encrypted_with_the_team_key() {
    let lake = sdlf_pipelines::lake();
    for b in build_all(&lake) {
        let r = &b.json["Resources"];
        let key_ref = serde_json::json!({"Fn::GetAtt": ["TeamKey", "Arn"]});
        let retain = if b.env == "local" { "Delete" } else { "Retain" };
        assert_eq!(r["TeamKey"]["DeletionPolicy"], retain, "{}", b.stack.name());
        assert_eq!(r["TeamKeyAlias"]["Properties"]["AliasName"], Value::String(format!("alias/sdlf-{}", b.team)));
        let key_policy = r["TeamKey"]["Properties"]["KeyPolicy"].to_string();
        for service in ["sqs", "sns", "events", "states", "glue", "cloudwatch"] {
            assert!(key_policy.contains(&format!("{service}.amazonaws.com")), "{service}");
        }

        let topic = &r["NotificationsTopic"]["Properties"];
        assert_eq!(topic["KmsMasterKeyId"], key_ref);
        assert_eq!(topic["TopicName"], Value::String(format!("sdlf-{}-notifications", b.team)));
        let topic_policy = &r["NotificationsTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"];
        assert_eq!(topic_policy[0]["Effect"], "Deny");
        assert_eq!(topic_policy[0]["Condition"]["Bool"]["aws:SecureTransport"], "false");
        assert_eq!(
            topic_policy[1]["Principal"]["Service"],
            serde_json::json!(["cloudwatch.amazonaws.com", "events.amazonaws.com"])
        );
        assert!(topic_policy[1]["Condition"]["StringEquals"]["aws:SourceAccount"].is_object());

        if b.env == "local" {
            assert!(r.get("GlueSecurityConfiguration").is_none(), "left out for the emulator");
        } else {
            let glue = &r["GlueSecurityConfiguration"]["Properties"];
            assert_eq!(glue["Name"], Value::String(format!("sdlf-{}-glue-security", b.team)));
            let enc = &glue["EncryptionConfiguration"];
            assert_eq!(enc["S3Encryptions"][0]["S3EncryptionMode"], "SSE-KMS");
            assert_eq!(enc["CloudWatchEncryption"]["CloudWatchEncryptionMode"], "SSE-KMS");
            assert_eq!(enc["JobBookmarksEncryption"]["JobBookmarksEncryptionMode"], "CSE-KMS");
            for part in [&enc["S3Encryptions"][0], &enc["CloudWatchEncryption"], &enc["JobBookmarksEncryption"]] {
                assert_eq!(part["KmsKeyArn"], key_ref);
            }
        }

        let wg = &r["AthenaWorkgroup"]["Properties"];
        assert_eq!(wg["Name"], Value::String(format!("sdlf-{}-athena", b.team)));
        let conf = &wg["WorkGroupConfiguration"];
        assert_eq!(conf["EnforceWorkGroupConfiguration"], true);
        assert_eq!(conf["PublishCloudWatchMetricsEnabled"], true);
        assert_eq!(conf["EngineVersion"]["SelectedEngineVersion"], "Athena engine version 3");
        assert_eq!(conf["ResultConfiguration"]["EncryptionConfiguration"]["EncryptionOption"], "SSE_KMS");
        assert_eq!(conf["ResultConfiguration"]["EncryptionConfiguration"]["KmsKey"], key_ref);
        assert!(conf["ResultConfiguration"]["OutputLocation"].to_string().contains(&format!("/{}/", b.team)));
        let recursive = wg.get("RecursiveDeleteOption");
        if b.env == "local" {
            assert_eq!(recursive, Some(&Value::Bool(true)));
        } else {
            assert_eq!(recursive, None, "{}: saved queries must not go with the stack", b.stack.name());
        }
    }
}

#[test]
fn a_team_named_like_an_environment_is_refused() {
    let mut lake = sdlf_pipelines::lake();
    lake.teams[1].name = "test".into();
    let env: &Environment = &lake.environments[0];
    let ctx = Ctx::new(&lake, env, &StandInFingerprints);
    let (_, f, _, _) = common::shared(&ctx);
    let e = team::build(&ctx, &lake.teams[1], &f).unwrap_err();
    assert!(matches!(&e, BuildError::Invalid { problem, .. } if problem.contains("rename the team")), "{e}");
}
