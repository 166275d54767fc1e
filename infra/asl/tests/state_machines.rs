//! The lake's two stage machines, pinned as rendered JSON, and the properties of rendering:
//! determinism and substitutions.

use sdlf_asl::{
    Branch, Catch, Choice, Condition, Fail, Field, Map, Parallel, Pass, Rendered, ResultPath, Retry, StateMachine,
    StateMachineBuilder, Succeed, Task, Wait, resource,
};
use sdlf_cfn::Expr;
use serde_json::{Value, json};

fn arn(function: &str) -> Expr {
    Expr::get_att(function, "Arn")
}

/// The rendered resource properties as one JSON document, for snapshots and byte comparisons.
fn document(r: &Rendered) -> String {
    let doc = Expr::map([
        ("Definition", r.definition.clone()),
        ("DefinitionSubstitutions", Expr::Map(r.substitutions.clone())),
    ]);
    serde_json::to_string_pretty(&doc).unwrap() + "\n"
}

fn json_of(e: &Expr) -> Value {
    serde_json::to_value(e).unwrap()
}

/// Every Lambda step retries the transient Lambda errors.
fn lambda(function: &str) -> Task {
    Task::lambda_invoke(arn(function), Field::path("$")).retry(Retry::lambda_service_errors())
}

/// The try/catch shape shared by the stages: `Try` (one-branch Parallel) → Catch → `Error`
/// (the error Lambda, pushing the input to the dead-letter queue) → `Failed`.
fn with_error_handling(comment: &str, work: Branch) -> StateMachineBuilder {
    StateMachine::builder("Try")
        .comment(comment)
        .state("Try", Parallel::new().branch(work).catch(Catch::all("Error", ResultPath::Discard)).end())
        .state("Error", lambda("ErrorFunction").result_path(ResultPath::Discard).next("Failed"))
        .state(
            "Failed",
            Fail::new().error("StageFailed").cause("The stage failed; the input went to the dead-letter queue"),
        )
}

fn stage_a() -> StateMachine {
    let work = Branch::new("Pre-update Catalog")
        .state(
            "Pre-update Catalog",
            lambda("PreUpdateFunction").output_path("$.Payload").next("Execute Light Transformation"),
        )
        .state(
            "Execute Light Transformation",
            lambda("ProcessFunction").output_path("$.Payload").timeout_seconds(600).next("Post-update Catalog"),
        )
        .state("Post-update Catalog", lambda("PostUpdateFunction").output_path("$.Payload").next("Send to Stage B"))
        .state(
            "Send to Stage B",
            Task::sqs_send_message(Expr::reference("StageBQueue"), "States.JsonToString($)")
                .parameter("MessageGroupId", "stage-b")
                .result_path(ResultPath::Discard)
                .end(),
        );
    with_error_handling("Stage A: catalog, light transform (Lambda), catalog, hand over to stage B", work)
        .build()
        .unwrap()
}

fn stage_b() -> StateMachine {
    let crawler = Expr::reference("StageCrawler");
    let work = Branch::new("Process Data")
        .state(
            "Process Data",
            Task::glue_start_job_run_sync(
                Expr::reference("HeavyTransformJob"),
                json!({"--SOURCE_LOCATION.$": "$.body.source_location", "--OUTPUT_LOCATION.$": "$.body.output_location"}),
            )
            .parameter("WorkerType", "G.1X")
            .parameter("NumberOfWorkers", 10)
            .result_selector(json!({"JobRunId.$": "$.Id", "JobRunState.$": "$.JobRunState"}))
            .result_path("$.body.glue.run_output")
            .timeout_seconds(7200)
            .next("Run Glue Crawler"),
        )
        .state(
            "Run Glue Crawler",
            Task::sdk("glue:startCrawler", Expr::map([("Name", crawler.clone())]))
                .result_path(ResultPath::Discard)
                .retry(Retry::new(["Glue.CrawlerRunningException"]).interval_seconds(30).max_attempts(6).backoff_rate(2.0))
                .next("Wait X Seconds"),
        )
        .state("Wait X Seconds", Wait::seconds(75).next("GetCrawler"))
        .state(
            "GetCrawler",
            Task::sdk("glue:getCrawler", Expr::map([("Name", crawler)]))
                .result_selector(json!({"State.$": "$.Crawler.State"}))
                .result_path("$.body.glue.crawler")
                .next("Crawler Complete?"),
        )
        .state(
            "Crawler Complete?",
            Choice::new()
                .when(Condition::string_equals("$.body.glue.crawler.State", "READY"), "Post-update Catalog")
                .otherwise("Wait X Seconds"),
        )
        .state("Post-update Catalog", lambda("PostUpdateFunction").result_path(ResultPath::Discard).next("Data Quality"))
        .state(
            "Data Quality",
            Task::new(resource::GLUE_START_DATA_QUALITY_RULESET_EVALUATION_RUN_SYNC)
                .parameters(Expr::map([
                    (
                        "DataSource",
                        Expr::map([(
                            "GlueTable",
                            Expr::map([
                                ("DatabaseName", Expr::reference("GlueDatabase")),
                                ("TableName.$", Expr::string("$.body.table")),
                            ]),
                        )]),
                    ),
                    ("Role", arn("DataQualityRole")),
                    ("RulesetNames.$", Expr::string("States.Array($.body.ruleset)")),
                    (
                        "AdditionalRunOptions",
                        Expr::map([
                            ("CloudWatchMetricsEnabled", Expr::Bool(true)),
                            ("ResultsS3Prefix", Expr::sub("s3://${StageBucket}/post-stage/data-quality")),
                        ]),
                    ),
                ]))
                .result_path("$.body.data_quality")
                .next("Notify"),
        )
        .state(
            "Notify",
            Task::new(resource::SNS_PUBLISH)
                .parameter("TopicArn", Expr::reference("NotificationsTopic"))
                .parameter("Message", Field::path("States.JsonToString($.body.data_quality)"))
                .result_path(ResultPath::Discard)
                .end(),
        );
    with_error_handling("Stage B: heavy transform (Glue), crawler, catalog, data quality", work)
        .timeout_seconds(86_400)
        .build()
        .unwrap()
}

#[test]
fn stage_a_definition_is_pinned() {
    insta::assert_snapshot!("stage_a", document(&stage_a().render()));
}

#[test]
fn stage_b_definition_is_pinned() {
    insta::assert_snapshot!("stage_b", document(&stage_b().render()));
}

#[test]
fn rendering_is_deterministic() {
    for build in [stage_a, stage_b] {
        let first = document(&build().render());
        let second = document(&build().render());
        assert_eq!(first.as_bytes(), second.as_bytes());
        // Rendering does not change the machine either.
        let machine = build();
        assert_eq!(machine.render(), machine.render());
    }
}

#[test]
fn substitutions_are_exactly_the_template_values_with_stable_names() {
    let r = stage_b().render();
    let expected = [
        ("ProcessDataJobName", Expr::reference("HeavyTransformJob")),
        ("RunGlueCrawlerName", Expr::reference("StageCrawler")),
        ("PostUpdateCatalogFunctionName", arn("PostUpdateFunction")),
        ("DataQualityDatabaseName", Expr::reference("GlueDatabase")),
        ("DataQualityRole", arn("DataQualityRole")),
        ("DataQualityResultsS3Prefix", Expr::sub("s3://${StageBucket}/post-stage/data-quality")),
        ("NotifyTopicArn", Expr::reference("NotificationsTopic")),
        ("ErrorFunctionName", arn("ErrorFunction")),
    ];
    assert_eq!(
        r.substitutions.clone().into_iter().collect::<Vec<_>>(),
        expected.map(|(k, v)| (k.to_owned(), v)).to_vec()
    );

    // Each placeholder stands where its value was; literals stay inline.
    let d = json_of(&r.definition);
    let work = &d["States"]["Try"]["Branches"][0]["States"];
    assert_eq!(work["Process Data"]["Parameters"]["JobName"], "${ProcessDataJobName}");
    assert_eq!(work["Process Data"]["Parameters"]["WorkerType"], "G.1X");
    assert_eq!(work["GetCrawler"]["Parameters"]["Name"], "${RunGlueCrawlerName}", "one value, one name");
    assert_eq!(
        work["Data Quality"]["Parameters"]["DataSource"]["GlueTable"]["DatabaseName"],
        "${DataQualityDatabaseName}"
    );
    assert_eq!(d["States"]["Error"]["Parameters"]["FunctionName"], "${ErrorFunctionName}");
    assert_eq!(r.definition_substitutions().map(|e| json_of(&e).as_object().unwrap().len()), Some(8));
}

#[test]
fn colliding_placeholder_names_get_a_counter() {
    let m = StateMachine::builder("Step")
        .state(
            "Step",
            Pass::new()
                .result(Expr::map([
                    ("Queue", Expr::list([Expr::reference("A"), Expr::string("literal"), Expr::reference("B")])),
                    ("Nested", Expr::map([("Queue", Expr::reference("C"))])),
                ]))
                .end(),
        )
        .build()
        .unwrap();
    let r = m.render();
    assert_eq!(r.substitutions.keys().collect::<Vec<_>>(), ["StepQueue", "StepQueue2", "StepQueue3"]);
    assert_eq!(
        json_of(&r.definition)["States"]["Step"]["Result"],
        json!({"Queue": ["${StepQueue}", "literal", "${StepQueue2}"], "Nested": {"Queue": "${StepQueue3}"}})
    );
}

#[test]
fn a_literal_machine_has_no_substitutions() {
    let m = StateMachine::builder("Invoke")
        .state(
            "Invoke",
            Task::lambda_invoke("arn:aws:lambda:eu-west-1:123456789012:function:f", json!({"a": [1, {"b": null}]}))
                .end(),
        )
        .build()
        .unwrap();
    let r = m.render();
    assert!(r.substitutions.is_empty());
    assert_eq!(r.definition_substitutions(), None);
    assert_eq!(
        json_of(&r.definition),
        json!({
            "StartAt": "Invoke",
            "States": {"Invoke": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {
                    "FunctionName": "arn:aws:lambda:eu-west-1:123456789012:function:f",
                    "Payload": {"a": [1, {"b": null}]}
                },
                "End": true
            }}
        })
    );
}

#[test]
fn map_pass_wait_succeed_and_conditions_render_in_canonical_order() {
    let processor = Branch::new("Transform").comment("one record").state(
        "Transform",
        Task::lambda_invoke(arn("ProcessFunction"), Field::path("$")).output_path("$.Payload").end(),
    );
    let m = StateMachine::builder("Parse")
        .state(
            "Parse",
            Pass::new()
                .parameters(json!({"Items.$": "States.StringToJson($)"}))
                .comment("input is a JSON string")
                .next("Records"),
        )
        .state(
            "Records",
            Map::new(processor)
                .items_path("$.Items")
                .item_selector(json!({"record.$": "$$.Map.Item.Value", "stage": "a"}))
                .max_concurrency(50)
                .result_path("$.results")
                .catch(Catch::new(["States.TaskFailed"], "Done").result_path("$.error"))
                .next("Anything Left?"),
        )
        .state(
            "Anything Left?",
            Choice::new()
                .when(
                    Condition::and([
                        Condition::is_present("$.next_token", true),
                        Condition::not(Condition::boolean_equals("$.stop", true)),
                        Condition::or([
                            Condition::numeric_greater_than_equals("$.remaining", 1),
                            Condition::numeric_less_than("$.ratio", 0.5),
                        ]),
                    ]),
                    "Pause",
                )
                .otherwise("Done"),
        )
        .state("Pause", Wait::seconds_path("$.pause").next("Records"))
        .state("Done", Succeed::new().output_path("$.results"))
        .build()
        .unwrap();
    assert_eq!(
        json_of(&m.render().definition),
        json!({
            "StartAt": "Parse",
            "States": {
                "Parse": {
                    "Type": "Pass",
                    "Comment": "input is a JSON string",
                    "Parameters": {"Items.$": "States.StringToJson($)"},
                    "Next": "Records"
                },
                "Records": {
                    "Type": "Map",
                    "ItemsPath": "$.Items",
                    "ItemSelector": {"record.$": "$$.Map.Item.Value", "stage": "a"},
                    "ItemProcessor": {
                        "Comment": "one record",
                        "ProcessorConfig": {"Mode": "INLINE"},
                        "StartAt": "Transform",
                        "States": {"Transform": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {"FunctionName": "${TransformFunctionName}", "Payload.$": "$"},
                            "OutputPath": "$.Payload",
                            "End": true
                        }}
                    },
                    "MaxConcurrency": 50,
                    "ResultPath": "$.results",
                    "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error", "Next": "Done"}],
                    "Next": "Anything Left?"
                },
                "Anything Left?": {
                    "Type": "Choice",
                    "Choices": [{
                        "And": [
                            {"Variable": "$.next_token", "IsPresent": true},
                            {"Not": {"Variable": "$.stop", "BooleanEquals": true}},
                            {"Or": [
                                {"Variable": "$.remaining", "NumericGreaterThanEquals": 1},
                                {"Variable": "$.ratio", "NumericLessThan": 0.5}
                            ]}
                        ],
                        "Next": "Pause"
                    }],
                    "Default": "Done"
                },
                "Pause": {"Type": "Wait", "SecondsPath": "$.pause", "Next": "Records"},
                "Done": {"Type": "Succeed", "OutputPath": "$.results"}
            }
        })
    );
    // Key order is part of the output, not only the content.
    let keys: Vec<String> =
        json_of(&m.render().definition)["States"]["Records"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        ["Type", "ItemsPath", "ItemSelector", "ItemProcessor", "MaxConcurrency", "ResultPath", "Catch", "Next"]
    );
}

#[test]
fn the_lambda_retrier_matches_the_lake_convention() {
    let m = StateMachine::builder("A").state("A", lambda("F").end()).build().unwrap();
    assert_eq!(
        json_of(&m.render().definition)["States"]["A"]["Retry"],
        json!([{
            "ErrorEquals": [
                "Lambda.ServiceException",
                "Lambda.AWSLambdaException",
                "Lambda.SdkClientException",
                "Lambda.TooManyRequestsException"
            ],
            "IntervalSeconds": 2,
            "MaxAttempts": 6,
            "BackoffRate": 2
        }])
    );
}

#[test]
fn a_template_value_as_resource_is_substituted() {
    let m = StateMachine::builder("Legacy")
        .state("Legacy", Task::new(arn("ProcessFunction")).result_path("$.body.processedKeys").end())
        .build()
        .unwrap();
    let r = m.render();
    assert_eq!(json_of(&r.definition)["States"]["Legacy"]["Resource"], "${LegacyResource}");
    assert_eq!(r.substitutions["LegacyResource"], arn("ProcessFunction"));
}
