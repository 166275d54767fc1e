//! The dataset stacks of the example lake, in every environment: valid, lint-clean, within the
//! security baseline; Lake Formation and Data Quality left out locally; the schedule's role
//! limited to the stage B routing function; the config row as the config function expects it.

use std::collections::{BTreeMap, BTreeSet};

use sdlf_cfn::Expr;
use sdlf_lake::assets::StandInFingerprints;
use sdlf_lake::stacks::{BuildError, Ctx, DatasetOutputs, PipelineOutputs, baseline, dataset, team};
use sdlf_lake::{Lake, LeftOut, Stack, Team};
use serde_json::{Value, json};

mod common;

/// Publishes what a pipeline stack publishes for the team's datasets that use it.
fn stand_in_pipeline(ctx: &Ctx, t: &Team, pipeline: &str) -> (Stack, PipelineOutputs) {
    let mut s = Stack::new(ctx.names.pipeline_stack(&t.name, pipeline), "stand-in pipeline", ctx.is_local());
    let path = |what: &str| ctx.names.ssm(&format!("pipeline/{}/{pipeline}/{what}", t.name));
    let stage_a_queue_url = s.publish("QueueA", path("QueueStageAUrl"), "stand-in-queue-a".into(), "queue");
    let stage_b_routing_function_arn =
        s.publish("RoutingB", path("StageBRoutingFunctionArn"), "stand-in-routing-b".into(), "routing");
    let mut glue_jobs = BTreeMap::new();
    for d in t.datasets.iter().filter(|d| d.pipeline == pipeline) {
        let job = s.publish(
            &format!("Job{}", d.name),
            path(&format!("GlueJob/{}", d.name)),
            Expr::string(format!("sdlf-{}-{}-job", t.name, d.name)),
            "job",
        );
        glue_jobs.insert(d.name.clone(), job);
    }
    let out = PipelineOutputs {
        team: t.name.clone(),
        pipeline: pipeline.to_owned(),
        stage_a_queue_url,
        stage_b_routing_function_arn,
        glue_jobs,
    };
    (s, out)
}

struct Built {
    env: String,
    team: String,
    dataset: String,
    stack: Stack,
    outputs: DatasetOutputs,
    /// Foundations, catalog and team stacks, and the pipeline stand-in.
    upstream: [Stack; 4],
    json: Value,
    body: String,
}

fn build_all(lake: &Lake) -> Vec<Built> {
    let mut out = Vec::new();
    for env in &lake.environments {
        let ctx = Ctx::new(lake, env, &StandInFingerprints);
        let (foundations, f, catalog_stack, c) = common::shared(&ctx);
        for t in &lake.teams {
            let (team_stack, team_out) = team::build(&ctx, t, &f).expect("team stack");
            for d in &t.datasets {
                let (pipeline_stack, p) = stand_in_pipeline(&ctx, t, &d.pipeline);
                let (stack, outputs) = dataset::build(&ctx, t, d, &f, &c, &team_out, &p)
                    .unwrap_or_else(|e| panic!("{}/{}/{}: {e}", env.name, t.name, d.name));
                let synth = sdlf_cfn::synth(&stack.template, &sdlf_cfn_types::Registry)
                    .unwrap_or_else(|e| panic!("{}: {e:?}", stack.name()));
                out.push(Built {
                    env: env.name.clone(),
                    team: t.name.clone(),
                    dataset: d.name.clone(),
                    stack,
                    outputs,
                    upstream: [foundations.clone(), catalog_stack.clone(), team_stack.clone(), pipeline_stack],
                    json: serde_json::from_str(&synth.body).expect("JSON body"),
                    body: synth.body,
                });
            }
        }
    }
    out
}

fn types(json: &Value) -> BTreeSet<String> {
    json["Resources"].as_object().expect("resources").values().map(|r| r["Type"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn dataset_stacks_synthesize_lint_clean_and_pass_the_baseline_in_every_environment() {
    let lake = sdlf_pipelines::lake();
    let built = build_all(&lake);
    assert_eq!(built.len(), 8, "4 environments × 2 teams × 1 dataset");
    let allow = baseline::allowlist();
    for b in &built {
        let report = sdlf_policy::audit(&b.stack.template, &allow);
        assert!(report.is_clean(), "{}: {:#?}", b.stack.name(), report.violations);
        assert!(report.accepted.is_empty(), "{}: no wildcard at all: {:#?}", b.stack.name(), report.accepted);
    }
    let names: Vec<String> = built.iter().map(|b| b.stack.name().to_owned()).collect();
    let templates: Vec<(&str, &str)> = names.iter().zip(&built).map(|(n, b)| (n.as_str(), b.body.as_str())).collect();
    let findings = sdlf_testkit::cfn_lint(&templates);
    assert!(findings.is_empty(), "{}", findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
}

#[test]
fn lake_formation_and_data_quality_are_left_out_locally_and_listed() {
    let lake = sdlf_pipelines::lake();
    for b in build_all(&lake) {
        let t = types(&b.json);
        let row = &b.json["Resources"]["DatasetConfig"]["Properties"];
        let ruleset_name = format!("sdlf-{}-{}-quality-ruleset", b.team, b.dataset);
        if b.env == "local" {
            let left: Vec<(&str, &str)> = b
                .stack
                .left_out()
                .iter()
                .map(|LeftOut { logical_id, type_name }| (&**logical_id, &**type_name))
                .collect();
            assert_eq!(
                left,
                [
                    ("CrawlerLocationPermission", "AWS::LakeFormation::Permissions"),
                    ("CrawlerDatabasePermission", "AWS::LakeFormation::Permissions"),
                    ("QualityRuleset", "AWS::Glue::DataQualityRuleset"),
                ],
                "the table grant for data-quality runs exists only with a ruleset"
            );
            assert!(!t.contains("AWS::LakeFormation::Permissions") && !t.contains("AWS::Glue::DataQualityRuleset"));
            assert_eq!(row["QualityRuleset"], "", "stage B skips quality when there is no ruleset");
            assert!(b.json["Resources"]["Crawler"].get("DependsOn").is_none());
        } else {
            assert!(b.stack.left_out().is_empty());
            assert_eq!(row["QualityRuleset"], Value::String(ruleset_name.clone()));
            let r = &b.json["Resources"];
            assert_eq!(r["QualityRuleset"]["Properties"]["Name"], Value::String(ruleset_name));
            let crawler_role = json!({"Ref": format!("SsmSdlf{}Team{}CrawlerRoleArn", cap(&b.env), cap(&b.team))});
            let location = &r["CrawlerLocationPermission"]["Properties"];
            assert_eq!(location["Permissions"], json!(["DATA_LOCATION_ACCESS"]));
            assert_eq!(location["DataLakePrincipal"]["DataLakePrincipalIdentifier"], crawler_role);
            assert!(
                location["Resource"]["DataLocationResource"]["S3Resource"]
                    .to_string()
                    .contains(&format!("/{}/{}", b.team, b.dataset))
            );
            let db = &r["CrawlerDatabasePermission"]["Properties"];
            assert_eq!(db["Permissions"], json!(["CREATE_TABLE", "ALTER", "DROP"]));
            assert_eq!(db["Resource"]["DatabaseResource"]["Name"], json!({"Ref": "Database"}));
            let quality = &r["QualityTablePermission"]["Properties"];
            assert_eq!(quality["Permissions"], json!(["SELECT", "DESCRIBE"]));
            assert_eq!(
                quality["DataLakePrincipal"]["DataLakePrincipalIdentifier"],
                json!({"Ref": format!("SsmSdlf{}Team{}GlueJobRoleArn", cap(&b.env), cap(&b.team))}),
                "data-quality runs read the table as the Glue job role"
            );
            assert_eq!(
                r["Crawler"]["DependsOn"],
                json!(["CrawlerLocationPermission", "CrawlerDatabasePermission"]),
                "the crawler never runs before its grants"
            );
        }
    }
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
}

#[test]
fn the_schedule_role_can_only_invoke_the_stage_b_routing_function() {
    let lake = sdlf_pipelines::lake();
    for b in build_all(&lake) {
        let r = &b.json["Resources"];
        let routing =
            json!({"Ref": format!("SsmSdlf{}Pipeline{}MainStageBRoutingFunctionArn", cap(&b.env), cap(&b.team))});
        let role = &r["ScheduleRole"]["Properties"];
        let statements = role["Policies"][0]["PolicyDocument"]["Statement"].as_array().expect("statements");
        let lambda: Vec<&Value> = statements.iter().filter(|s| s["Action"].to_string().contains("lambda:")).collect();
        assert_eq!(lambda.len(), 1);
        assert_eq!(lambda[0]["Action"], "lambda:InvokeFunction");
        assert_eq!(lambda[0]["Resource"], routing);
        for s in statements {
            assert_eq!(s["Effect"], "Allow");
            assert!(["lambda:InvokeFunction", "kms:Decrypt"].contains(&s["Action"].as_str().unwrap_or("list")));
        }
        let trust = &role["AssumeRolePolicyDocument"]["Statement"][0];
        assert_eq!(trust["Principal"]["Service"], "scheduler.amazonaws.com");
        assert!(trust["Condition"]["StringEquals"]["aws:SourceAccount"].is_object());
        assert_eq!(
            role["PermissionsBoundary"],
            json!({"Ref": format!("SsmSdlf{}Team{}PermissionsBoundaryArn", cap(&b.env), cap(&b.team))})
        );
        assert_eq!(role["Path"], Value::String(format!("/sdlf/{}/", b.team)));

        let schedule = &r["Schedule"]["Properties"];
        assert_eq!(schedule["Name"], Value::String(format!("sdlf-{}-{}-schedule-b", b.team, b.dataset)));
        assert_eq!(schedule["FlexibleTimeWindow"]["Mode"], "OFF");
        assert_eq!(schedule["Target"]["Arn"], routing);
        assert_eq!(schedule["Target"]["RoleArn"], json!({"Fn::GetAtt": ["ScheduleRole", "Arn"]}));
        let input: Value = serde_json::from_str(schedule["Target"]["Input"].as_str().unwrap()).unwrap();
        assert_eq!(input, json!({"team": b.team, "pipeline": "main", "dataset": b.dataset}));
        let expected = if b.team == "engineering" { "rate(5 minutes)" } else { "cron(0/15 * * * ? *)" };
        assert_eq!(schedule["ScheduleExpression"], expected);
        assert_eq!(schedule["KmsKeyArn"], json!({"Ref": format!("SsmSdlf{}Team{}KeyArn", cap(&b.env), cap(&b.team))}));
    }
}

#[test]
fn imports_come_from_foundations_team_and_pipeline_and_the_stacks_deploy_in_order() {
    let lake = sdlf_pipelines::lake();
    for b in build_all(&lake) {
        let producers: BTreeSet<&str> = b.stack.imports().iter().map(|i| i.producer()).collect();
        let upstream: BTreeSet<&str> = b.upstream.iter().map(Stack::name).collect();
        assert_eq!(producers, upstream, "{}", b.stack.name());
        let mut stacks = vec![b.stack.clone()];
        stacks.extend(b.upstream.iter().rev().cloned());
        let assembly = sdlf_lake::Assembly { stacks };
        let order: Vec<&str> = assembly.order().expect("ordered").into_iter().map(Stack::name).collect();
        assert_eq!(order.last(), Some(&b.stack.name()), "the dataset stack deploys after all it reads from");
        let position = |name: &str| order.iter().position(|n| *n == name).expect("ordered");
        assert!(position(b.upstream[0].name()) < position(b.upstream[2].name()), "foundations before team");

        let expect = |what: &str| format!("/sdlf/{}/dataset/{}/{}/{what}", b.env, b.team, b.dataset);
        assert_eq!(b.outputs.stage_b_queue_url.ssm_name(), expect("QueueStageBUrl"));
        assert_eq!(b.outputs.glue_database.ssm_name(), expect("GlueDatabase"));
        assert_eq!(b.outputs.crawler.ssm_name(), expect("Crawler"));
        let published: Vec<&str> = b.stack.published().iter().map(|p| p.ssm_name()).collect();
        assert!(published.contains(&expect("QueueStageBDeadLetterUrl").as_str()));
        assert_eq!(published.len(), 4);
    }
}

#[test]
fn catalog_crawler_queue_and_config_row_follow_the_definition() {
    let lake = sdlf_pipelines::lake();
    for b in build_all(&lake) {
        let r = &b.json["Resources"];
        let (t, d) = (&b.team, &b.dataset);
        let retain = if b.env == "local" { "Delete" } else { "Retain" };
        assert_eq!(r["Database"]["DeletionPolicy"], retain);
        let db_name = format!("anycompany_datalake_{}_{t}_{d}", b.env);
        assert_eq!(r["Database"]["Properties"]["DatabaseInput"]["Name"], Value::String(db_name));

        let crawler = &r["Crawler"]["Properties"];
        assert_eq!(crawler["Name"], Value::String(format!("sdlf-{t}-{d}-crawler")));
        assert!(crawler.get("Schedule").is_none(), "stage B starts the crawler");
        assert_eq!(
            crawler["SchemaChangePolicy"],
            json!({"DeleteBehavior": "LOG", "UpdateBehavior": "UPDATE_IN_DATABASE"})
        );
        assert_eq!(crawler["DatabaseName"], json!({"Ref": "Database"}));
        assert!(crawler["Targets"]["S3Targets"][0]["Path"].to_string().contains(&format!("/{t}/{d}/")));
        let prefix = if t == "marketing" { "mkt_" } else { "" };
        assert_eq!(crawler.get("TablePrefix").and_then(Value::as_str).unwrap_or(""), prefix);
        if b.env != "local" {
            assert_eq!(
                r["QualityRuleset"]["Properties"]["TargetTable"]["TableName"],
                Value::String(format!("{prefix}{d}"))
            );
            assert!(r["QualityRuleset"]["Properties"]["Ruleset"].as_str().unwrap().starts_with("Rules = ["));
        }

        let queue = &r["StageBQueue"]["Properties"];
        assert_eq!(queue["QueueName"], Value::String(format!("sdlf-{t}-{d}-queue-b")));
        assert_eq!(queue["VisibilityTimeout"], 900);
        assert_eq!(queue["RedrivePolicy"]["maxReceiveCount"], 3);
        let team_key = json!({"Ref": format!("SsmSdlf{}Team{}KeyArn", cap(&b.env), cap(t))});
        assert_eq!(queue["KmsMasterKeyId"], team_key);

        let row = &r["DatasetConfig"];
        assert_eq!(row["Type"], "Custom::DatasetConfig");
        let p = &row["Properties"];
        assert_eq!(p["Key"], Value::String(format!("{t}/{d}")));
        assert_eq!(p["StageBQueueUrl"], json!({"Ref": "StageBQueue"}));
        assert_eq!(p["GlueDatabase"], json!({"Ref": "Database"}));
        assert_eq!(p["Crawler"], json!({"Ref": "Crawler"}));
        let prefix = r["Crawler"]["Properties"]["TablePrefix"].as_str().unwrap_or("");
        assert_eq!(p["GlueTable"], Value::String(format!("{prefix}{d}")), "the table the crawler makes");
        assert_eq!(p["TargetFormat"], "parquet");
        let rules: Vec<sdlf_lake::quality::Rule> = serde_json::from_str(p["QualityRules"].as_str().unwrap()).unwrap();
        assert_eq!(rules, lake.teams.iter().find(|x| &x.name == t).unwrap().datasets[0].quality.rules);
        if t == "marketing" {
            let engine = if b.env == "local" { "datafusion" } else { "glue" };
            assert_eq!((&p["Engine"], &p["OnQualityFailure"]), (&json!(engine), &json!("fail")));
            assert_eq!(p["InputFormat"], json!({"Type": "csv", "Delimiter": ",", "Quote": "\"", "Header": "true"}));
            assert_eq!(p["Schema"][1], json!({"Name": "spend", "Type": "float64"}));
            assert_eq!((&p["MinItems"], &p["MaxItems"]), (&json!("2"), &json!("50")));
        } else {
            assert_eq!(p["InputFormat"], json!({"Type": "json-lines"}));
            assert_eq!(p["Schema"], json!([]));
        }
        let keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "ServiceToken",
                "ServiceTimeout",
                "Table",
                "Key",
                "Team",
                "Dataset",
                "Pipeline",
                "StageAQueueUrl",
                "StageBQueueUrl",
                "InputFormat",
                "TargetFormat",
                "Schema",
                "MinItems",
                "MaxItems",
                "GlueJob",
                "GlueDatabase",
                "Crawler",
                "GlueTable",
                "QualityRuleset",
                "Topic",
                "HeavySql",
                "PartitionBy",
                "Engine",
                "QualityRules",
                "OnQualityFailure"
            ]
        );
    }
}

#[test]
fn a_dataset_without_rules_has_no_ruleset_and_a_missing_glue_job_is_an_error() {
    let mut lake = sdlf_pipelines::lake();
    lake.teams[0].datasets[0].quality.rules.clear();
    let env = &lake.environments[0];
    let ctx = Ctx::new(&lake, env, &StandInFingerprints);
    let (_, f, _, c) = common::shared(&ctx);
    let t = &lake.teams[0];
    let d = &t.datasets[0];
    let (_, team_out) = team::build(&ctx, t, &f).unwrap();
    let (_, mut p) = stand_in_pipeline(&ctx, t, "main");
    let (stack, _) = dataset::build(&ctx, t, d, &f, &c, &team_out, &p).unwrap();
    let json: Value =
        serde_json::from_str(&sdlf_cfn::synth(&stack.template, &sdlf_cfn_types::Registry).unwrap().body).unwrap();
    assert!(!types(&json).contains("AWS::Glue::DataQualityRuleset"));
    assert!(json["Resources"].get("QualityTablePermission").is_none());
    assert_eq!(json["Resources"]["DatasetConfig"]["Properties"]["QualityRuleset"], "");
    assert!(stack.left_out().is_empty());

    p.glue_jobs.clear();
    let e = dataset::build(&ctx, t, d, &f, &c, &team_out, &p).unwrap_err();
    assert!(matches!(&e, BuildError::Invalid { problem, .. } if problem.contains("publishes no Glue job")), "{e}");
}
