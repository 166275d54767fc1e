//! Every reason `build()` refuses a state machine, each with its exact message.

use sdlf_asl::{
    AslError, Branch, Catch, Choice, Condition, Fail, Field, Map, Parallel, Pass, ResultPath, Retry, StateMachine,
    StateMachineBuilder, Succeed, Task, Wait,
};
use sdlf_cfn::Expr;
use serde_json::json;

fn error(builder: StateMachineBuilder) -> String {
    match builder.build() {
        Ok(m) => panic!("expected an error, built {m:#?}"),
        Err(e) => e.to_string(),
    }
}

fn task() -> Task {
    Task::lambda_invoke(Expr::get_att("F", "Arn"), Field::path("$"))
}

/// A machine whose only state is `state`, named `S`.
fn single(state: impl Into<sdlf_asl::State>) -> StateMachineBuilder {
    StateMachine::builder("S").state("S", state)
}

#[test]
fn a_valid_machine_builds() {
    let m = StateMachine::builder("A")
        .comment("ok")
        .timeout_seconds(60)
        .state("A", Pass::new().next("B"))
        .state("B", Choice::new().when(Condition::is_present("$.x", true), "C").otherwise("D"))
        .state("C", Succeed::new())
        .state("D", Fail::new())
        .build()
        .unwrap();
    assert_eq!(m.start_at(), "A");
    assert_eq!(m.comment(), Some("ok"));
    assert_eq!(m.timeout_seconds(), Some(60));
    assert_eq!(
        m.states().map(|(n, s)| (n, s.type_name())).collect::<Vec<_>>(),
        [("A", "Pass"), ("B", "Choice"), ("C", "Succeed"), ("D", "Fail")]
    );
    assert!(matches!(m.state("B"), Some(sdlf_asl::State::Choice(_))));
}

#[test]
fn the_error_is_typed() {
    let e = StateMachine::builder("A").state("A", Pass::new()).build().unwrap_err();
    assert_eq!(e, AslError::NoTransition { state: "A".into() });
}

#[test]
fn start_at_must_name_a_state() {
    assert_eq!(
        error(StateMachine::builder("Begin").state("Start", Succeed::new())),
        "the state machine: StartAt `Begin` is not one of its states; add it or fix the name"
    );
    assert_eq!(
        error(StateMachine::builder("Start")),
        "the state machine: StartAt `Start` is not one of its states; add it or fix the name"
    );
}

#[test]
fn start_at_of_a_branch_must_name_a_state_of_that_branch() {
    let b = single(Parallel::new().branch(Branch::new("Inner").state("Other", Succeed::new())).end());
    assert_eq!(error(b), "Branches[0] of `S`: StartAt `Inner` is not one of its states; add it or fix the name");
}

#[test]
fn next_must_name_a_state() {
    assert_eq!(
        error(single(task().next("Nowhere"))),
        "state `S`: Next `Nowhere` is not a state of the state machine; add it or fix the name"
    );
}

#[test]
fn choice_targets_must_name_states() {
    let rule = Condition::string_equals("$.status", "READY");
    assert_eq!(
        error(single(Choice::new().when(rule.clone(), "Missing"))),
        "state `S`: Choices[0].Next `Missing` is not a state of the state machine; add it or fix the name"
    );
    assert_eq!(
        error(
            StateMachine::builder("S")
                .state("S", Choice::new().when(rule, "Done").otherwise("Gone"))
                .state("Done", Succeed::new())
        ),
        "state `S`: Default `Gone` is not a state of the state machine; add it or fix the name"
    );
}

#[test]
fn catch_targets_must_name_states() {
    assert_eq!(
        error(single(task().catch(Catch::all("Handler", ResultPath::Discard)).end())),
        "state `S`: Catch[0].Next `Handler` is not a state of the state machine; add it or fix the name"
    );
}

#[test]
fn a_branch_cannot_jump_out_of_itself() {
    let b = StateMachine::builder("Try")
        .state("Try", Parallel::new().branch(Branch::new("Work").state("Work", task().next("Failed"))).end())
        .state("Failed", Fail::new());
    assert_eq!(error(b), "state `Work`: Next `Failed` is not a state of Branches[0] of `Try`; add it or fix the name");
}

#[test]
fn every_state_must_be_reachable() {
    let b = StateMachine::builder("A").state("A", Pass::new().end()).state("Orphan", Succeed::new());
    assert_eq!(error(b), "state `Orphan` is unreachable: nothing in the state machine leads to it from StartAt `A`");
}

#[test]
fn states_reached_only_through_catch_or_default_are_reachable() {
    StateMachine::builder("A")
        .state("A", task().catch(Catch::all("Recover", "$.error")).next("B"))
        .state("B", Choice::new().when(Condition::boolean_equals("$.ok", true), "Done").otherwise("Recover"))
        .state("Recover", Pass::new().next("Done"))
        .state("Done", Succeed::new())
        .build()
        .unwrap();
}

#[test]
fn unreachable_states_in_an_item_processor_are_found() {
    let processor = Branch::new("One").state("One", Pass::new().end()).state("Two", Pass::new().end());
    assert_eq!(
        error(single(Map::new(processor).end())),
        "state `Two` is unreachable: nothing in the ItemProcessor of `S` leads to it from StartAt `One`"
    );
}

#[test]
fn non_terminal_states_need_next_or_end() {
    for (state, name) in [
        (sdlf_asl::State::from(task()), "Task"),
        (Pass::new().into(), "Pass"),
        (Wait::seconds(1).into(), "Wait"),
        (Parallel::new().branch(Branch::new("X").state("X", Succeed::new())).into(), "Parallel"),
        (Map::new(Branch::new("Y").state("Y", Succeed::new())).into(), "Map"),
    ] {
        assert_eq!(error(single(state)), "state `S` has neither Next nor End; add one", "{name}");
    }
}

#[test]
fn a_choice_needs_rules() {
    assert_eq!(
        error(StateMachine::builder("S").state("S", Choice::new().otherwise("D")).state("D", Succeed::new())),
        "state `S`: a Choice needs at least one rule in Choices"
    );
}

#[test]
fn a_parallel_needs_branches() {
    assert_eq!(error(single(Parallel::new().end())), "state `S`: a Parallel needs at least one branch");
}

#[test]
fn names_are_at_most_80_characters() {
    let long = "x".repeat(81);
    assert_eq!(
        error(StateMachine::builder(&long).state(&long, Succeed::new())),
        format!("state `{long}`: the name is 81 characters long; the limit is 80")
    );
    let ok = "é".repeat(80);
    StateMachine::builder(&ok).state(&ok, Succeed::new()).build().unwrap();
}

#[test]
fn names_are_not_empty() {
    assert_eq!(
        error(StateMachine::builder("").state("", Succeed::new())),
        "the state machine: a state has an empty name"
    );
}

#[test]
fn names_are_unique_across_branches() {
    let b = StateMachine::builder("Try")
        .state("Try", Parallel::new().branch(Branch::new("Done").state("Done", Succeed::new())).next("Done"))
        .state("Done", Succeed::new());
    assert_eq!(
        error(b),
        "state `Done` is defined twice; state names must be unique in the whole state machine, branches included"
    );
}

#[test]
fn nested_branches_are_checked_recursively() {
    let inner = Parallel::new().branch(Branch::new("Deep").state("Deep", task()));
    let outer = Parallel::new().branch(Branch::new("Inner").state("Inner", inner.end()));
    assert_eq!(error(single(outer.end())), "state `Deep` has neither Next nor End; add one");
    let processor = Branch::new("Step").state("Step", Task::new("lambda").end());
    assert_eq!(
        error(single(Map::new(processor).items_path("$.items").end())),
        "state `Step`: Resource `lambda` is not an ARN"
    );
}

#[test]
fn paths_start_with_a_dollar() {
    assert_eq!(
        error(single(task().result_path("body.out").end())),
        "state `S`: ResultPath `body.out` is not a JSONPath; it must start with `$`"
    );
    assert_eq!(
        error(single(Wait::seconds_path("wait_time").end())),
        "state `S`: SecondsPath `wait_time` is not a JSONPath; it must start with `$`"
    );
    assert_eq!(
        error(single(task().catch(Catch::all("S", "error")).end())),
        "state `S`: Catch[0].ResultPath `error` is not a JSONPath; it must start with `$`"
    );
    let nested_rule =
        Condition::and([Condition::is_present("$.a", true), Condition::not(Condition::is_null("b", true))]);
    assert_eq!(
        error(StateMachine::builder("S").state("S", Choice::new().when(nested_rule, "D")).state("D", Succeed::new())),
        "state `S`: Choices[0].And[1].Not.Variable `b` is not a JSONPath; it must start with `$`"
    );
}

#[test]
fn payload_templates_are_objects() {
    assert_eq!(
        error(single(Pass::new().parameters(json!([1, 2])).end())),
        "state `S`: Parameters must be a JSON object"
    );
    assert_eq!(
        error(single(task().result_selector(json!("$.Payload")).end())),
        "state `S`: ResultSelector must be a JSON object"
    );
}

#[test]
fn dynamic_keys_hold_paths() {
    assert_eq!(
        error(single(Task::sdk("glue:getCrawler", json!({"Options": {"Name.$": "crawler"}})).end())),
        "state `S`: Parameters key `Options.Name.$` ends in `.$`, so its value must be a string holding a JSONPath \
         or intrinsic function (starting with `$` or `States.`)"
    );
    // A template value cannot stand where Step Functions expects a path.
    assert_eq!(
        error(single(Task::sdk("glue:getCrawler", Expr::map([("Name.$", Expr::reference("Crawler"))])).end())),
        "state `S`: Parameters key `Name.$` ends in `.$`, so its value must be a string holding a JSONPath \
         or intrinsic function (starting with `$` or `States.`)"
    );
}

#[test]
fn task_resources_are_arns() {
    assert_eq!(error(single(Task::new("lambda:invoke").end())), "state `S`: Resource `lambda:invoke` is not an ARN");
}

#[test]
fn task_timeouts_are_positive_and_heartbeats_shorter() {
    assert_eq!(error(single(task().timeout_seconds(0).end())), "state `S`: TimeoutSeconds must be at least 1");
    assert_eq!(
        error(single(task().timeout_seconds(60).heartbeat_seconds(60).end())),
        "state `S`: HeartbeatSeconds (60) must be less than TimeoutSeconds (60)"
    );
}

#[test]
fn the_machine_timeout_is_positive() {
    assert_eq!(
        error(StateMachine::builder("S").timeout_seconds(0).state("S", Succeed::new())),
        "the state machine: TimeoutSeconds must be at least 1"
    );
}

#[test]
fn retriers_are_well_formed() {
    assert_eq!(
        error(single(task().retry(Retry::new(Vec::<String>::new())).end())),
        "state `S`: Retry[0].ErrorEquals is empty; name at least one error"
    );
    assert_eq!(
        error(single(task().retry(Retry::new(["States.ALL", "States.Timeout"])).end())),
        "state `S`: Retry[0].ErrorEquals lists `States.ALL` with other errors; it must stand alone"
    );
    assert_eq!(
        error(single(task().retry(Retry::all()).retry(Retry::lambda_service_errors()).end())),
        "state `S`: Retry[0].ErrorEquals is `States.ALL`; it must be the last retrier"
    );
    assert_eq!(
        error(single(task().retry(Retry::all().backoff_rate(0.5)).end())),
        "state `S`: Retry[0].BackoffRate is 0.5; it must be at least 1.0"
    );
    assert_eq!(
        error(single(task().retry(Retry::all().interval_seconds(0)).end())),
        "state `S`: Retry[0].IntervalSeconds must be at least 1"
    );
}

#[test]
fn catchers_are_well_formed() {
    let b = StateMachine::builder("S")
        .state("S", task().catch(Catch::all("F", ResultPath::Discard)).catch(Catch::new(["States.Timeout"], "F")).end())
        .state("F", Fail::new());
    assert_eq!(error(b), "state `S`: Catch[0].ErrorEquals is `States.ALL`; it must be the last catcher");
}

#[test]
fn and_or_need_conditions() {
    let b =
        StateMachine::builder("S").state("S", Choice::new().when(Condition::or([]), "D")).state("D", Succeed::new());
    assert_eq!(error(b), "state `S`: Choices[0].Or needs at least one condition");
}
