//! The pipeline stack of the example lake: valid, lint-clean and within the IAM baseline in
//! every environment, with the state machines, Glue jobs, roles and alarms it promises.

use std::collections::BTreeMap;

use sdlf_lake::assets::{AssetSource, StandInFingerprints};
use sdlf_lake::stacks::{BuildError, Ctx, PipelineOutputs, TeamOutputs, baseline, pipeline};
use sdlf_lake::{Lake, Stack};
use serde_json::{Value, json};

mod common;

const ENVIRONMENTS: [&str; 4] = ["dev", "test", "prod", "local"];

fn team_stand_in(ctx: &Ctx, team: &str) -> (Stack, TeamOutputs) {
    let mut s = ctx.stack(ctx.names.team_stack(team), "stand-in team", Some(team));
    let mut p = |id: &str| s.publish(&format!("{id}Param"), ctx.names.ssm(&format!("team/{team}/{id}")), id.into(), id);
    let outputs = TeamOutputs {
        team: team.to_owned(),
        key_arn: p("KeyArn"),
        permissions_boundary_arn: p("PermissionsBoundaryArn"),
        crawler_role_arn: p("CrawlerRoleArn"),
        glue_job_role_arn: p("GlueJobRoleArn"),
        states_role_arn: p("StatesRoleArn"),
        topic_arn: p("TopicArn"),
        glue_security_configuration: p("GlueSecurityConfiguration"),
        athena_workgroup: p("AthenaWorkgroup"),
    };
    (s, outputs)
}

struct Built {
    stack: Stack,
    outputs: PipelineOutputs,
    team: TeamOutputs,
    json: Value,
}

fn try_build(lake: &Lake, env: &str, team: &str, pipeline_name: &str) -> Result<Built, BuildError> {
    let env = lake.environment(env).expect("environment exists");
    let ctx = Ctx::new(lake, env, &StandInFingerprints);
    let (_, foundations, _, catalog) = common::shared(&ctx);
    let (_, team_outputs) = team_stand_in(&ctx, team);
    let team_def = lake.teams.iter().find(|t| t.name == team).expect("team exists");
    let p = team_def.pipeline(pipeline_name).expect("pipeline exists");
    let (stack, outputs) = pipeline::build(&ctx, team_def, p, &foundations, &catalog, &team_outputs)?;
    let json = sdlf_cfn::to_json_value(&stack.template);
    Ok(Built { stack, outputs, team: team_outputs, json })
}

fn build(env: &str, team: &str) -> Built {
    try_build(&sdlf_pipelines::lake(), env, team, "main").expect("the pipeline stack builds")
}

/// `{"Ref": "<import parameter of this SSM name>"}`.
fn import_ref(stack: &Stack, ssm_name: &str) -> Value {
    let (name, _) = stack
        .template
        .parameters
        .iter()
        .find(|(_, p)| serde_json::to_value(&p.default).ok() == Some(json!(ssm_name)))
        .unwrap_or_else(|| panic!("{} imports {ssm_name}", stack.name()));
    json!({ "Ref": name })
}

fn resources_of<'a>(json: &'a Value, type_name: &str) -> Vec<(&'a String, &'a Value)> {
    json["Resources"].as_object().unwrap().iter().filter(|(_, r)| r["Type"] == type_name).collect()
}

fn definition<'a>(json: &'a Value, machine: &str) -> &'a Value {
    &json["Resources"][format!("{machine}StateMachine")]["Properties"]["Definition"]
}

/// The path of an execution from `StartAt`, taking each Choice's first rule, until a state
/// without `Next`.
fn happy_path(def: &Value) -> Vec<String> {
    let mut path = Vec::new();
    let mut name = def["StartAt"].as_str().unwrap().to_owned();
    loop {
        path.push(name.clone());
        let state = &def["States"][&name];
        let next = match state["Type"].as_str().unwrap() {
            "Choice" => state["Choices"][0]["Next"].as_str(),
            _ => state["Next"].as_str(),
        };
        match next {
            Some(n) if !path.iter().any(|p| p == n) => name = n.to_owned(),
            _ => return path,
        }
    }
}

#[test]
fn every_environment_synthesizes_lints_clean_and_meets_the_baseline() {
    let allow = baseline::allowlist();
    let mut bodies = Vec::new();
    for env in ENVIRONMENTS {
        for team in ["engineering", "marketing"] {
            let b = build(env, team);
            let synthesized = sdlf_cfn::synth(&b.stack.template, &sdlf_cfn_types::Registry)
                .unwrap_or_else(|e| panic!("{env}/{team}: {e}"));
            let audit = sdlf_policy::audit(&b.stack.template, &allow);
            assert!(audit.violations.is_empty(), "{env}/{team}: {:#?}", audit.violations);
            assert!(b.stack.left_out().is_empty(), "nothing of this stack is unsupported locally");
            bodies.push((format!("{env}-{team}"), synthesized.body));
        }
    }
    let named: Vec<(&str, &str)> = bodies.iter().map(|(n, b)| (n.as_str(), b.as_str())).collect();
    let findings = sdlf_testkit::cfn_lint(&named);
    assert!(findings.is_empty(), "{}", findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
}

#[test]
fn stage_a_runs_catalog_transform_catalog_hand_over_with_errors_to_the_dead_letter_queue() {
    let b = build("dev", "engineering");
    let def = definition(&b.json, "StageA");
    let states: Vec<&String> = def["States"].as_object().unwrap().keys().collect();
    assert_eq!(
        states,
        [
            "PreUpdateCatalog",
            "LightTransform",
            "IsEmpty",
            "MarkEmpty",
            "PostUpdateCatalog",
            "SendToStageB",
            "Done",
            "HandleError",
            "Failed"
        ]
    );
    assert_eq!(
        happy_path(def),
        ["PreUpdateCatalog", "LightTransform", "IsEmpty", "PostUpdateCatalog", "SendToStageB", "Done"]
    );
    let s = &def["States"];
    assert_eq!(s["PreUpdateCatalog"]["Resource"], "arn:aws:states:::dynamodb:updateItem");
    assert_eq!(
        s["PreUpdateCatalog"]["Parameters"]["ExpressionAttributeValues"][":status"],
        json!({"S": "processing-a"})
    );
    assert_eq!(
        s["PostUpdateCatalog"]["Parameters"]["ExpressionAttributeValues"][":status"],
        json!({"S": "processed-a"})
    );
    // An empty input: the row ends `empty` with the transform's reason, and that is all.
    assert_eq!(s["LightTransform"]["ResultSelector"]["empty.$"], "$.Payload.empty");
    assert_eq!(s["IsEmpty"]["Default"], "MarkEmpty");
    let mark = &s["MarkEmpty"]["Parameters"];
    assert_eq!(mark["ExpressionAttributeValues"][":status"], json!({"S": "empty"}));
    assert_eq!(mark["ExpressionAttributeValues"][":reason"], json!({"S.$": "$.light_transform.empty"}));
    assert_eq!(s["MarkEmpty"]["Next"], "Done");
    assert_eq!(s["SendToStageB"]["Resource"], "arn:aws:states:::sqs:sendMessage");
    assert_eq!(s["SendToStageB"]["Parameters"]["QueueUrl.$"], "$.stage_b_queue_url");

    // The transform retries the Lambda service's transient errors.
    let retry = &s["LightTransform"]["Retry"][0]["ErrorEquals"];
    for e in [
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    ] {
        assert!(retry.as_array().unwrap().contains(&json!(e)), "LightTransform retries {e}: {retry}");
    }

    // Template values are substitutions, not strings: the catalog table and the functions.
    let subs = &b.json["Resources"]["StageAStateMachine"]["Properties"]["DefinitionSubstitutions"];
    let table = s["PreUpdateCatalog"]["Parameters"]["TableName"].as_str().unwrap();
    let table = table.trim_start_matches("${").trim_end_matches('}');
    assert_eq!(subs[table], import_ref(&b.stack, "/sdlf/dev/catalog/CatalogTable"));
    let transform = s["LightTransform"]["Parameters"]["FunctionName"].as_str().unwrap();
    assert_eq!(
        subs[transform.trim_start_matches("${").trim_end_matches('}')],
        json!({"Fn::GetAtt": ["StageATransformFunction", "Arn"]})
    );
    let error = s["HandleError"]["Parameters"]["FunctionName"].as_str().unwrap();
    assert_eq!(
        subs[error.trim_start_matches("${").trim_end_matches('}')],
        json!({"Fn::GetAtt": ["StageAErrorFunction", "Arn"]})
    );
    assert_eq!(s["HandleError"]["Next"], "Failed");
    assert_eq!(s["Failed"]["Type"], "Fail");
}

#[test]
fn stage_b_on_glue_evaluates_the_pending_output_then_publishes_crawls_and_notifies() {
    let b = build("dev", "engineering");
    let def = definition(&b.json, "StageB");
    let states: Vec<&String> = def["States"].as_object().unwrap().keys().collect();
    // No DataFusion dataset in `dev`: no engine choice, no DataFusion states.
    assert_eq!(
        states,
        [
            "RunGlueJob",
            "WaitForGlueJob",
            "GetGlueJobRun",
            "GlueJobDone",
            "GlueJobFailed",
            "HasQualityRuleset",
            "DescribePending",
            "HasPendingTable",
            "CreatePendingTable",
            "UpdatePendingTable",
            "RegisterPendingPartitions",
            "EvaluateQuality",
            "ReadQualityResult",
            "DropPendingTable",
            "DropPendingTableAfterError",
            "PublishBatch",
            "IsPublished",
            "StartCrawler",
            "WaitForCrawler",
            "GetCrawler",
            "CrawlerReady",
            "PostUpdate",
            "QualityPassed",
            "NotifyTransformed",
            "NotifyQualityFailed",
            "Done",
            "HandleError",
            "Failed"
        ]
    );
    let s = &def["States"];
    // Started and polled (the same definition runs on the local emulator, which has no `.sync`).
    assert_eq!(s["RunGlueJob"]["Resource"], "arn:aws:states:::aws-sdk:glue:startJobRun");
    assert_eq!(s["WaitForGlueJob"]["Seconds"], 30);
    assert_eq!(s["GlueJobDone"]["Choices"][0]["Next"], "HasQualityRuleset");
    assert_eq!(s["GlueJobDone"]["Choices"][1]["Next"], "GlueJobFailed");
    assert_eq!(s["GlueJobDone"]["Choices"][1]["Or"].as_array().unwrap().len(), 5);
    assert_eq!(s["GlueJobDone"]["Default"], "WaitForGlueJob");
    // A failed run is an error like any other: the error function dead-letters the batch.
    assert_eq!(s["GlueJobFailed"]["ResultPath"], "$.error");
    assert_eq!(s["GlueJobFailed"]["Next"], "HandleError");
    // No ruleset: published as it is.
    assert_eq!(
        s["HasQualityRuleset"]["Choices"],
        json!([
            {"Variable": "$.quality_ruleset", "IsPresent": false, "Next": "PublishBatch"},
            {"Variable": "$.quality_ruleset", "StringEquals": "", "Next": "PublishBatch"}
        ])
    );
    assert_eq!(s["HasQualityRuleset"]["Default"], "DescribePending");
    // The pending output as a table, by the publish function (the heavy package).
    let publish = &b.json["Resources"]["StageBPublishFunction"]["Properties"];
    assert_eq!(publish["Handler"], "stage-b-publish");
    let subs = &b.json["Resources"]["StageBStateMachine"]["Properties"]["DefinitionSubstitutions"];
    let placeholder = |v: &Value| v.as_str().unwrap().trim_start_matches("${").trim_end_matches('}').to_owned();
    for (state, step) in [("DescribePending", "describe"), ("PublishBatch", "publish")] {
        let parameters = &s[state]["Parameters"];
        assert_eq!(parameters["Payload"], json!({"step": step, "input.$": "$"}), "{state}");
        assert_eq!(
            subs[placeholder(&parameters["FunctionName"])],
            json!({"Fn::GetAtt": ["StageBPublishFunction", "Arn"]})
        );
    }
    assert_eq!(s["DescribePending"]["ResultPath"], "$.pending");
    assert_eq!(
        s["HasPendingTable"]["Choices"],
        json!([{"Variable": "$.pending.table", "IsNull": true, "Next": "PublishBatch"}])
    );
    assert_eq!(s["CreatePendingTable"]["Parameters"]["TableInput.$"], "$.pending.table");
    assert_eq!(s["CreatePendingTable"]["Catch"][0]["Next"], "UpdatePendingTable");
    assert_eq!(s["RegisterPendingPartitions"]["ItemsPath"], "$.pending.partition_calls");
    assert_eq!(s["RegisterPendingPartitions"]["ItemSelector"]["table.$"], "$.pending.table.Name");
    // Glue Data Quality evaluates the pending table, before anything is published.
    assert_eq!(s["EvaluateQuality"]["Resource"], "arn:aws:states:::glue:startDataQualityRulesetEvaluationRun.sync");
    assert_eq!(s["EvaluateQuality"]["Parameters"]["DataSource"]["GlueTable"]["TableName.$"], "$.pending.table.Name");
    assert_eq!(
        subs[placeholder(&s["EvaluateQuality"]["Parameters"]["Role"])],
        import_ref(&b.stack, "/sdlf/dev/team/engineering/GlueJobRoleArn")
    );
    assert_eq!(s["EvaluateQuality"]["Next"], "ReadQualityResult");
    assert_eq!(s["ReadQualityResult"]["Resource"], "arn:aws:states:::aws-sdk:glue:getDataQualityResult");
    assert_eq!(s["ReadQualityResult"]["ResultPath"], "$.glue_quality");
    assert_eq!(s["ReadQualityResult"]["Next"], "DropPendingTable");
    assert_eq!(s["DropPendingTable"]["Resource"], "arn:aws:states:::aws-sdk:glue:deleteTable");
    assert_eq!(s["DropPendingTable"]["Next"], "PublishBatch");
    // Once the pending table exists, an error drops it before the batch is dead-lettered,
    // keeping the error that led there.
    for state in [
        "CreatePendingTable",
        "UpdatePendingTable",
        "RegisterPendingPartitions",
        "EvaluateQuality",
        "ReadQualityResult",
    ] {
        let catch = s[state]["Catch"].as_array().unwrap().last().unwrap();
        assert_eq!(catch["Next"], "DropPendingTableAfterError", "{state}");
    }
    assert_eq!(s["DropPendingTableAfterError"]["Next"], "HandleError");
    assert_eq!(s["DropPendingTableAfterError"]["Catch"][0]["ResultPath"], "$.drop_error");
    // Published or quarantined by the result; only published output is crawled.
    assert_eq!(s["PublishBatch"]["ResultPath"], "$.transformed");
    assert_eq!(
        s["IsPublished"]["Choices"],
        json!([
            {"Variable": "$.transformed.quarantined", "BooleanEquals": true, "Next": "PostUpdate"},
            {"Variable": "$.transformed.rows", "NumericEquals": 0, "Next": "PostUpdate"}
        ])
    );
    assert_eq!(s["IsPublished"]["Default"], "StartCrawler");
    assert_eq!(s["StartCrawler"]["Retry"][0]["ErrorEquals"], json!(["Glue.CrawlerRunningException"]));
    // Not READY: wait and look again.
    assert_eq!(
        s["CrawlerReady"]["Choices"][0],
        json!({"Variable": "$.crawler_state.State", "StringEquals": "READY", "Next": "PostUpdate"})
    );
    assert_eq!(s["CrawlerReady"]["Default"], "WaitForCrawler");
    assert_eq!(s["WaitForCrawler"]["Next"], "GetCrawler");
    assert_eq!(s["PostUpdate"]["Next"], "QualityPassed");
    assert_eq!(s["QualityPassed"]["Default"], "NotifyQualityFailed");
    assert_eq!(s["NotifyTransformed"]["Resource"], "arn:aws:states:::sns:publish");
    assert_eq!(
        subs[placeholder(&s["NotifyTransformed"]["Parameters"]["TopicArn"])],
        import_ref(&b.stack, "/sdlf/dev/team/engineering/TopicArn")
    );
}

#[test]
fn local_stage_b_runs_datafusion_registers_the_table_and_notifies_by_quality() {
    let b = build("local", "engineering");
    let def = definition(&b.json, "StageB");
    // Every dataset runs on DataFusion in `local`: no Glue path, no publish function.
    assert_eq!(def["StartAt"], "RunHeavyTransform");
    assert!(def["States"].get("RunGlueJob").is_none() && def["States"].get("StartCrawler").is_none());
    assert!(b.json["Resources"].get("StageBPublishFunction").is_none());
    let s = &def["States"];
    assert_eq!(
        happy_path(def),
        ["RunHeavyTransform", "HasTable", "PostUpdate", "QualityPassed", "NotifyTransformed", "Done"]
    );
    // The heavy function is this pipeline's, from its own package.
    let heavy = &b.json["Resources"]["StageBHeavyFunction"]["Properties"];
    assert_eq!(heavy["Handler"], "stage-b-heavy");
    let light = &b.json["Resources"]["StageBPostUpdateFunction"]["Properties"];
    assert_ne!(heavy["Code"]["S3Key"], light["Code"]["S3Key"], "DataFusion is not in the light package");
    assert_eq!(s["RunHeavyTransform"]["ResultPath"], "$.transformed");
    // A published batch's table: created, or updated when there; then its partitions.
    assert_eq!(s["HasTable"]["Default"], "CreateTable");
    assert_eq!(s["CreateTable"]["Resource"], "arn:aws:states:::aws-sdk:glue:createTable");
    assert_eq!(
        s["CreateTable"]["Catch"][0],
        json!({"ErrorEquals": ["Glue.AlreadyExistsException"], "Next": "UpdateTable", "ResultPath": null})
    );
    assert_eq!(s["UpdateTable"]["Next"], "RegisterPartitions");
    assert_eq!(s["RegisterPartitions"]["ItemsPath"], "$.transformed.partition_calls");
    let register = &s["RegisterPartitions"]["ItemProcessor"]["States"]["CreatePartitions"];
    assert_eq!(register["Resource"], "arn:aws:states:::aws-sdk:glue:batchCreatePartition");
    assert_eq!(s["RegisterPartitions"]["Next"], "PostUpdate");
    assert_eq!(s["QualityPassed"]["Default"], "NotifyQualityFailed");
}

#[test]
fn a_pipeline_with_both_engines_chooses_per_batch() {
    let mut lake = sdlf_pipelines::lake();
    let team = lake.teams.iter_mut().find(|t| t.name == "marketing").unwrap();
    let mut small = team.datasets[0].clone();
    small.name = "small".into();
    small.heavy_transform.engine = sdlf_lake::Engine::DataFusion;
    team.datasets.push(small);
    let b = try_build(&lake, "dev", "marketing", "main").unwrap();
    let def = definition(&b.json, "StageB");
    assert_eq!(def["StartAt"], "ChooseEngine");
    let s = &def["States"];
    assert_eq!(
        s["ChooseEngine"]["Choices"],
        json!([{"Variable": "$.heavy.engine", "StringEquals": "datafusion", "Next": "RunHeavyTransform"}])
    );
    assert_eq!(s["ChooseEngine"]["Default"], "RunGlueJob");
    // On AWS the crawler registers what either engine published.
    assert_eq!(s["RunHeavyTransform"]["Next"], "IsPublished");
    assert_eq!(s["PublishBatch"]["Next"], "IsPublished");
    for function in ["StageBHeavyFunction", "StageBPublishFunction"] {
        assert!(b.json["Resources"].get(function).is_some(), "{function}");
    }
}

#[test]
fn every_task_catches_every_error_on_its_way_to_handle_error_which_fails_the_execution() {
    let b = build("prod", "marketing");
    for machine in ["StageA", "StageB"] {
        let def = definition(&b.json, machine);
        let states = &def["States"];
        let mut tasks = 0;
        for (name, state) in states.as_object().unwrap() {
            if state["Type"] != "Task" || name == "HandleError" {
                continue;
            }
            tasks += 1;
            let catch = state["Catch"].as_array().and_then(|c| c.last()).unwrap_or_else(|| panic!("{machine}.{name}"));
            assert_eq!(catch["ErrorEquals"], json!(["States.ALL"]), "{machine}.{name}");
            // Straight there, or through dropping a Glue batch's pending table first, which
            // keeps the error that led there.
            let to = catch["Next"].as_str().unwrap();
            let (expected_next, result_path) = match name.as_str() {
                "DropPendingTableAfterError" => ("HandleError", "$.drop_error"),
                _ => (if to == "DropPendingTableAfterError" { to } else { "HandleError" }, "$.error"),
            };
            assert_eq!((to, catch["ResultPath"].as_str().unwrap()), (expected_next, result_path), "{machine}.{name}");
            if to != "HandleError" {
                assert_eq!(states[to]["Next"], "HandleError", "{machine}.{name}");
            }
        }
        assert!(tasks >= 4, "{machine} has its tasks");
        assert_eq!(states["HandleError"]["Next"], "Failed");
        assert!(states["HandleError"].get("Catch").is_none(), "no loop through the error handler");
    }
}

fn lake_dataset(team: &str) -> sdlf_lake::Dataset {
    sdlf_pipelines::lake().teams.into_iter().find(|t| t.name == team).unwrap().datasets.remove(0)
}

#[test]
fn one_glue_job_per_dataset_of_the_pipeline_and_only_those() {
    let eng = build("dev", "engineering");
    let jobs: Vec<&String> = resources_of(&eng.json, "AWS::Glue::Job").into_iter().map(|(id, _)| id).collect();
    assert_eq!(jobs, ["GlueJobLegislators"]);
    assert_eq!(eng.outputs.glue_jobs.keys().collect::<Vec<_>>(), ["legislators"]);
    assert_eq!(
        eng.outputs.glue_jobs["legislators"].ssm_name(),
        "/sdlf/dev/pipeline/engineering/main/GlueJob/legislators"
    );

    let mkt = build("dev", "marketing");
    let job = &mkt.json["Resources"]["GlueJobCampaigns"]["Properties"];
    assert_eq!(resources_of(&mkt.json, "AWS::Glue::Job").len(), 1);
    assert_eq!(job["Name"], "sdlf-marketing-campaigns-glue-job");
    assert_eq!(job["WorkerType"], "G.025X");
    assert_eq!(job["NumberOfWorkers"], 2);
    assert_eq!(job["GlueVersion"], "5.1", "Glue 5.1 (Spark 3.5.6) unless the dataset says otherwise");
    // The generic script gets the dataset's SQL and partitioning.
    let sql = &lake_dataset("marketing").heavy_transform.sql;
    assert_eq!(job["DefaultArguments"]["--SQL"], json!(sql));
    assert_eq!(job["DefaultArguments"]["--PARTITION_BY"], "");
    assert_eq!(job["MaxRetries"], 0);
    assert_eq!(job["ExecutionProperty"]["MaxConcurrentRuns"], 1);
    assert_eq!(job["Command"]["Name"], "glueetl");
    assert_eq!(job["DefaultArguments"]["--job-bookmark-option"], "job-bookmark-disable");
    assert_eq!(job["Role"], import_ref(&mkt.stack, "/sdlf/dev/team/marketing/GlueJobRoleArn"));
    assert_eq!(
        job["SecurityConfiguration"],
        import_ref(&mkt.stack, "/sdlf/dev/team/marketing/GlueSecurityConfiguration")
    );
    let eng_job = &eng.json["Resources"]["GlueJobLegislators"]["Properties"];
    assert_eq!(eng_job["DefaultArguments"]["--enable-auto-scaling"], "true", "the dataset's own arguments are kept");
    assert_eq!(eng_job["DefaultArguments"]["--PARTITION_BY"], "gender");

    // A second pipeline of the team gets the other datasets.
    let mut lake = sdlf_pipelines::lake();
    let engineering = &mut lake.teams[0];
    engineering.pipelines.push(sdlf_lake::Pipeline::new("side"));
    let mut other = engineering.datasets[0].clone();
    other.name = "bills".into();
    other.pipeline = "side".into();
    engineering.datasets.push(other);
    let main = try_build(&lake, "dev", "engineering", "main").unwrap();
    let side = try_build(&lake, "dev", "engineering", "side").unwrap();
    assert_eq!(main.outputs.glue_jobs.keys().collect::<Vec<_>>(), ["legislators"]);
    assert_eq!(side.outputs.glue_jobs.keys().collect::<Vec<_>>(), ["bills"]);
    assert!(side.json["Resources"].get("GlueJobLegislators").is_none());
}

#[test]
fn a_dataset_may_not_override_the_arguments_the_pipeline_sets() {
    let mut lake = sdlf_pipelines::lake();
    lake.teams[0].datasets[0].glue_job.arguments.insert("--job-bookmark-option".into(), "job-bookmark-enable".into());
    match try_build(&lake, "dev", "engineering", "main") {
        Err(BuildError::Invalid { problem, .. }) => assert!(problem.contains("--job-bookmark-option"), "{problem}"),
        other => panic!("expected a refusal, got {:?}", other.map(|b| b.stack.name().to_owned())),
    }
}

#[test]
fn the_glue_script_is_an_asset_at_its_content_key() {
    let b = build("test", "engineering");
    let script = b
        .stack
        .assets()
        .iter()
        .find(|a| a.source == AssetSource::file(sdlf_lake::GLUE_SCRIPT))
        .expect("the script is an asset");
    let key = script.s3_key();
    assert!(key.starts_with("assets/") && key.ends_with(".py") && key.len() == "assets/".len() + 64 + 3, "{key}");
    let location = &b.json["Resources"]["GlueJobLegislators"]["Properties"]["Command"]["ScriptLocation"];
    let artifacts = import_ref(&b.stack, "/sdlf/test/storage/ArtifactsBucket");
    assert_eq!(location, &json!({"Fn::Join": ["", ["s3://", artifacts, format!("/{key}")]]}));
    // Every function ships a package built for Lambda (not this machine) and names its
    // handler: the Glue path's publish step is in the DataFusion package, which reads Parquet.
    let packages: Vec<&str> = b
        .stack
        .assets()
        .iter()
        .filter_map(|a| match &a.source {
            AssetSource::LambdaBinary(n, _) => Some(n.as_str()),
            AssetSource::HostBinary(_) | AssetSource::File(_) => None,
        })
        .collect();
    assert_eq!(packages, [sdlf_lambda_core::handler::PACKAGE, sdlf_lambda_core::handler::HEAVY_PACKAGE]);
    let mut handlers: Vec<&str> = resources_of(&b.json, "AWS::Lambda::Function")
        .into_iter()
        .map(|(_, f)| f["Properties"]["Handler"].as_str().unwrap())
        .collect();
    handlers.sort();
    assert_eq!(
        handlers,
        [
            "error",
            "error",
            "redrive",
            "redrive",
            "stage-a-routing",
            "stage-a-transform",
            "stage-b-postupdate",
            "stage-b-publish",
            "stage-b-routing"
        ]
    );
}

#[test]
fn every_role_has_the_team_boundary_and_functions_follow_the_definition() {
    let b = build("dev", "engineering");
    let boundary = import_ref(&b.stack, "/sdlf/dev/team/engineering/PermissionsBoundaryArn");
    let roles = resources_of(&b.json, "AWS::IAM::Role");
    assert_eq!(roles.len(), 9, "one role per function");
    for (id, role) in roles {
        assert_eq!(role["Properties"]["PermissionsBoundary"], boundary, "{id}");
    }
    let functions: BTreeMap<&str, &Value> = resources_of(&b.json, "AWS::Lambda::Function")
        .into_iter()
        .map(|(_, f)| (f["Properties"]["FunctionName"].as_str().unwrap(), &f["Properties"]))
        .collect();
    let expected = [
        ("sdlf-engineering-main-routing-a", 256, 60),
        ("sdlf-engineering-main-transform-a", 1536, 600),
        ("sdlf-engineering-main-error-a", 128, 30),
        ("sdlf-engineering-main-redrive-a", 256, 300),
        ("sdlf-engineering-main-routing-b", 256, 120),
        ("sdlf-engineering-main-publish-b", 512, 900),
        ("sdlf-engineering-main-postupdate-b", 256, 300),
        ("sdlf-engineering-main-error-b", 128, 30),
        ("sdlf-engineering-main-redrive-b", 256, 300),
    ];
    assert_eq!(functions.len(), expected.len());
    for (name, memory, timeout) in expected {
        let f = functions.get(name).unwrap_or_else(|| panic!("{name} exists"));
        assert_eq!((f["MemorySize"].as_i64(), f["Timeout"].as_i64()), (Some(memory), Some(timeout)), "{name}");
        assert_eq!(f["KmsKeyArn"], import_ref(&b.stack, "/sdlf/dev/team/engineering/KeyArn"), "{name}");
    }
    // Stage A's queue feeds routing-a in batches of 10, and is the one the foundations route to.
    let q = &b.json["Resources"]["StageAQueue"]["Properties"];
    assert_eq!(q["QueueName"], "sdlf-engineering-main-queue-a");
    let trigger = &b.json["Resources"]["StageARoutingTrigger"]["Properties"];
    assert_eq!(trigger["BatchSize"], 10);
    assert_eq!(trigger["FunctionName"], json!({"Ref": "StageARoutingFunction"}));
    // routing-a may start its own state machine only.
    let routing_policy = serde_json::to_string(&b.json["Resources"]["StageARoutingRole"]).unwrap();
    assert!(
        routing_policy.contains(r#""Action":"states:StartExecution","Resource":{"Ref":"StageAStateMachine"}"#),
        "{routing_policy}"
    );
}

#[test]
fn alarms_watch_dead_letters_functions_and_executions_and_go_to_the_team_topic() {
    let b = build("dev", "marketing");
    let topic = import_ref(&b.stack, b.team.topic_arn.ssm_name());
    let alarms = resources_of(&b.json, "AWS::CloudWatch::Alarm");
    let mut watched: Vec<(String, String)> = Vec::new();
    for (id, alarm) in &alarms {
        let p = &alarm["Properties"];
        assert_eq!(p["AlarmActions"], json!([topic.clone()]), "{id}");
        assert_eq!(p["TreatMissingData"], "notBreaching", "{id}");
        assert_eq!(
            (p["ComparisonOperator"].as_str(), p["Threshold"].as_i64()),
            (Some("GreaterThanThreshold"), Some(0)),
            "{id}"
        );
        watched.push((
            p["MetricName"].as_str().unwrap().to_owned(),
            serde_json::to_string(&p["Dimensions"][0]["Value"]).unwrap(),
        ));
    }
    assert!(watched.contains(&(
        "ApproximateNumberOfMessagesVisible".into(),
        r#"{"Fn::GetAtt":["StageADeadLetterQueue","QueueName"]}"#.into()
    )));
    for f in resources_of(&b.json, "AWS::Lambda::Function") {
        assert!(watched.contains(&("Errors".into(), format!(r#"{{"Ref":"{}"}}"#, f.0))), "{} has an Errors alarm", f.0);
    }
    for m in ["StageAStateMachine", "StageBStateMachine"] {
        assert!(watched.contains(&("ExecutionsFailed".into(), format!(r#"{{"Ref":"{m}"}}"#))), "{m}");
    }
    assert_eq!(alarms.len(), 9 + 2 + 2);
}

#[test]
fn state_machines_log_errors_to_encrypted_log_groups_kept_in_aws_only() {
    for (env, policy) in [("dev", "Retain"), ("local", "Delete")] {
        let b = build(env, "engineering");
        let team_key = import_ref(&b.stack, &format!("/sdlf/{env}/team/engineering/KeyArn"));
        for machine in ["StageA", "StageB"] {
            let sm = &b.json["Resources"][format!("{machine}StateMachine")]["Properties"];
            assert_eq!(sm["RoleArn"], import_ref(&b.stack, &format!("/sdlf/{env}/team/engineering/StatesRoleArn")));
            assert_eq!(sm["LoggingConfiguration"]["Level"], "ERROR");
            assert_eq!(sm["LoggingConfiguration"]["IncludeExecutionData"], false);
            let logs = &b.json["Resources"][format!("{machine}Logs")];
            assert_eq!(logs["DeletionPolicy"], policy, "{env}");
            assert_eq!(logs["Properties"]["KmsKeyId"], team_key);
            let suffix = if machine == "StageA" { "sm-a" } else { "sm-b" };
            assert_eq!(
                logs["Properties"]["LogGroupName"],
                format!("/aws/vendedlogs/states/sdlf-engineering-main-{suffix}")
            );
        }
    }
}

#[test]
fn outputs_and_config_row_publish_the_pipeline() {
    let b = build("dev", "engineering");
    assert_eq!(b.outputs.stage_a_queue_url.ssm_name(), "/sdlf/dev/pipeline/engineering/main/StageAQueueUrl");
    assert_eq!(
        b.outputs.stage_b_routing_function_arn.ssm_name(),
        "/sdlf/dev/pipeline/engineering/main/StageBRoutingFunctionArn"
    );
    assert_eq!(b.json["Resources"]["StageAQueueUrlParam"]["Properties"]["Value"], json!({"Ref": "StageAQueue"}));
    let row = &b.json["Resources"]["PipelineConfig"];
    assert_eq!(row["Type"], "Custom::PipelineConfig");
    let p = &row["Properties"];
    assert_eq!(p["ServiceToken"], import_ref(&b.stack, "/sdlf/dev/functions/ConfigFunctionArn"));
    assert_eq!(p["Table"], import_ref(&b.stack, "/sdlf/dev/catalog/PipelineConfigTable"));
    assert_eq!(p["Key"], "engineering/main");
    assert_eq!(p["StageAStateMachineArn"], json!({"Ref": "StageAStateMachine"}));
    assert_eq!(p["StageBStateMachineArn"], json!({"Ref": "StageBStateMachine"}));
    assert_eq!(p["StageAQueueUrl"], json!({"Ref": "StageAQueue"}));
    // Only values the stack uses are imported (an unused parameter is a lint warning anyway).
    let producers: std::collections::BTreeSet<&str> = b.stack.imports().iter().map(|i| i.producer()).collect();
    assert_eq!(
        producers.into_iter().collect::<Vec<_>>(),
        [
            "anycompany-datalake-dev-catalog",
            "anycompany-datalake-dev-foundations",
            "anycompany-datalake-dev-team-engineering"
        ]
    );
}

#[test]
fn an_arm64_environment_runs_every_function_on_arm64_from_its_own_package() {
    let mut lake = sdlf_pipelines::lake();
    lake.environments.push(sdlf_lake::Environment::aws_arm64("grav", "444444444444", "us-east-1"));
    let arm = try_build(&lake, "grav", "engineering", "main").expect("the pipeline stack builds");
    let x86 = build("dev", "engineering");
    for (_, f) in resources_of(&arm.json, "AWS::Lambda::Function") {
        assert_eq!(f["Properties"]["Architectures"], json!(["arm64"]));
    }
    for (_, f) in resources_of(&x86.json, "AWS::Lambda::Function") {
        assert_eq!(f["Properties"]["Architectures"], json!(["x86_64"]));
    }
    let package = |b: &Built| {
        b.stack.assets().iter().find(|a| matches!(a.source, AssetSource::LambdaBinary(..))).unwrap().s3_key()
    };
    assert_ne!(package(&arm), package(&x86), "one package per architecture");
    let body = arm.json.to_string();
    let findings = sdlf_testkit::cfn_lint(&[("grav", body.as_str())]);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn stage_a_functions_have_the_definition_s_concurrency_and_its_queue_is_capped_at_the_routing_limit() {
    let mut lake = sdlf_pipelines::lake();
    let stage_a = &mut lake.teams[0].pipelines[0].stage_a;
    (stage_a.transform_concurrency, stage_a.routing_concurrency) = (7, 3);
    let b = try_build(&lake, "dev", "engineering", "main").unwrap();
    let reserved = |id: &str| b.json["Resources"][id]["Properties"]["ReservedConcurrentExecutions"].clone();
    assert_eq!(reserved("StageATransformFunction"), json!(7));
    assert_eq!(reserved("StageARoutingFunction"), json!(3));
    let trigger = &b.json["Resources"]["StageARoutingTrigger"]["Properties"];
    assert_eq!(trigger["ScalingConfig"], json!({"MaximumConcurrency": 3}));
    // Only where a flood of objects could take the account's pool.
    for (id, _) in resources_of(&b.json, "AWS::Lambda::Function") {
        if !["StageATransformFunction", "StageARoutingFunction"].contains(&id.as_str()) {
            assert_eq!(reserved(id), Value::Null, "{id}");
        }
    }
}

#[test]
fn the_scheduled_routing_function_dead_letters_failed_invocations_to_a_queue_of_its_own() {
    let b = build("dev", "engineering");
    let r = &b.json["Resources"];
    assert_eq!(
        r["StageBRoutingFunction"]["Properties"]["DeadLetterConfig"],
        json!({"TargetArn": {"Fn::GetAtt": ["StageBRoutingDeadLetterQueue", "Arn"]}})
    );
    let queue = &r["StageBRoutingDeadLetterQueue"]["Properties"];
    assert_eq!(queue["QueueName"], "sdlf-engineering-main-routing-b-dlq");
    assert_eq!(queue["KmsMasterKeyId"], import_ref(&b.stack, "/sdlf/dev/team/engineering/KeyArn"));
    assert!(r["StageBRoutingDeadLetterQueuePolicy"].is_object(), "TLS only, like every queue");
    let statements = r["StageBRoutingRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].to_string();
    assert!(statements.contains(r#"{"Effect":"Allow","Action":"sqs:SendMessage","Resource":{"Fn::GetAtt":["StageBRoutingDeadLetterQueue","Arn"]}}"#), "{statements}");
    // The others are invoked synchronously or fed by queues: their failures go elsewhere.
    let with_dlq: Vec<&String> = resources_of(&b.json, "AWS::Lambda::Function")
        .into_iter()
        .filter(|(_, f)| f["Properties"]["DeadLetterConfig"].is_object())
        .map(|(id, _)| id)
        .collect();
    assert_eq!(with_dlq, ["StageBRoutingFunction"]);
}

#[test]
fn every_function_carries_the_baseline_s_checkov_waivers_for_how_it_is_invoked() {
    let b = build("dev", "engineering");
    let skipped = |id: &str| -> Vec<String> {
        b.json["Resources"][id]["Metadata"]["checkov"]["skip"]
            .as_array()
            .unwrap_or_else(|| panic!("{id} has no checkov waivers"))
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Fed by a queue, reserved: no dead-letter or concurrency waiver beyond the queue's own.
    assert_eq!(skipped("StageARoutingFunction"), ["CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_45"]);
    assert_eq!(skipped("StageATransformFunction"), ["CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_45"]);
    assert_eq!(skipped("StageAErrorFunction"), ["CKV_AWS_116", "CKV_AWS_115", "CKV_AWS_117", "CKV_AWS_45"]);
    // Scheduled: its dead-letter queue is real, so only the concurrency waiver.
    assert_eq!(skipped("StageBRoutingFunction"), ["CKV_AWS_115", "CKV_AWS_117", "CKV_AWS_45"]);
    assert_eq!(skipped("StageBRedriveFunction"), ["CKV_AWS_116", "CKV_AWS_115", "CKV_AWS_117", "CKV_AWS_45"]);
    let reason = &b.json["Resources"]["StageBRedriveFunction"]["Metadata"]["checkov"]["skip"][0]["comment"];
    assert!(reason.as_str().unwrap().contains("`sdlf redrive`"), "{reason}");
}
