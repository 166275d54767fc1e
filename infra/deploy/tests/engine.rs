//! The deploy engine against an in-memory CloudFormation: the example lake's `local` stacks
//! deployed from nothing, again with nothing to do, after a change, through failures, a
//! failed first create, a leftover change-set stack, a busy stack, the data-loss guard
//! (a replaced bucket; a replaced queue, empty or holding messages), two deploys at once,
//! and Ctrl-C at each point.
//!
//! The fake: `sdlf_deploy::fake::FakeCloud` (CloudFormation in memory). Why a fake and not
//! the emulator: every interleaving of two runs and every point of an interruption has to be
//! reached on purpose, in virtual time; MiniStack finishes each operation inside the call
//! that starts it, so none of these moments exists there. The emulator tests
//! (`tests/deploy_local.rs`, `tests/deploy_engine_emulator.rs` at the root) run the same
//! scenarios end to end.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use sdlf_deploy::api::{
    ApiError, ChangeSetRequest, ChangeSetState, ChangeSetSummary, DeployedStack, StackEvent, Stacks, TemplateSource,
};
use sdlf_deploy::engine::deploy::{AssetBytes, DeployOptions, Deployer, Event, Interrupts, Reporter, StackResult};
use sdlf_deploy::engine::destroy::{Destroyed, destroy};
use sdlf_deploy::fake::{FakeCloud, FakeStack, queue_url};
use sdlf_lake::assets::{Asset, StandInFingerprints};
use sdlf_lake::output::{EnvironmentOutput, StackOutput, synth_environment};

struct Bytes;
impl AssetBytes for Bytes {
    fn bytes(&self, asset: &Asset) -> Result<Vec<u8>, String> {
        Ok(asset.source.name().as_bytes().to_vec())
    }
}

#[derive(Default)]
struct Log<'a> {
    lines: Mutex<Vec<String>>,
    answer: bool,
    /// Ctrl-C, pressed when a line starting with `.0` is logged.
    press: Option<(&'a str, &'a Interrupts)>,
}

impl Reporter for Log<'_> {
    fn report(&self, event: Event<'_>) {
        let line = match event {
            Event::Rival { stack, change_sets } => format!("{stack}: waiting for {change_sets}"),
            Event::Executing { stack, .. } => format!("{stack}: executing"),
            Event::Cancelling { stack } => format!("{stack}: cancelling"),
            Event::CannotCancel { stack } => format!("{stack}: cannot cancel"),
            Event::Waiting { stack, status } => format!("{stack}: waiting ({status})"),
            Event::Detached { stack } => format!("{stack}: detached"),
            Event::NoChanges { stack } => format!("{stack}: no changes"),
            Event::Plan { stack, diff } => format!("{stack}: plan {}", diff.plan()),
            Event::Finished { stack, status, .. } => format!("{stack}: {status}"),
            Event::CleaningUp { stack, status } => format!("{stack}: cleaning up {status}"),
            Event::AssetUploaded { key, .. } => format!("uploaded {key}"),
            _ => return,
        };
        if let Some((prefix, interrupts)) = self.press
            && line.starts_with(prefix)
        {
            interrupts.press();
        }
        self.lines.lock().unwrap().push(line);
    }

    fn confirm(&self, question: &str) -> bool {
        self.lines.lock().unwrap().push(format!("asked: {question}"));
        self.answer
    }
}

fn lake() -> EnvironmentOutput {
    synth_environment(&sdlf_pipelines::lake(), "local", &StandInFingerprints).unwrap()
}

/// `out` with the engineering team stack's description edited: one stack to deploy again.
fn team_edited(out: &EnvironmentOutput) -> EnvironmentOutput {
    let mut changed = out.clone();
    let team = changed.stacks.iter_mut().find(|s| s.name == TEAM).unwrap();
    team.body = team.body.replace("SDLF team engineering", "SDLF team engineering (edited)");
    assert_ne!(team.body, out.stacks.iter().find(|s| s.name == TEAM).unwrap().body, "the edit applies");
    changed
}

fn options() -> DeployOptions {
    DeployOptions {
        concurrency: 4,
        yes: true,
        interactive: false,
        allow_replace: Vec::new(),
        no_wait: false,
        protect: BTreeSet::from(["anycompany-datalake-local-foundations".to_owned()]),
        region: "us-east-1".into(),
        role_arn: None,
        run_id: "run1".into(),
        parameters: BTreeMap::new(),
    }
}

async fn deploy(cloud: &FakeCloud, out: &EnvironmentOutput, options: DeployOptions) -> Vec<(String, StackResult)> {
    let interrupts = Interrupts::default();
    deploy_logged(cloud, cloud, out, options, &Log::default(), &interrupts).await
}

/// A deploy through `stacks` (the cloud itself, or a [`Run`] watching it).
async fn deploy_logged(
    cloud: &FakeCloud,
    stacks: &impl Stacks,
    out: &EnvironmentOutput,
    options: DeployOptions,
    log: &impl Reporter,
    interrupts: &Interrupts,
) -> Vec<(String, StackResult)> {
    let d = Deployer { stacks, objects: cloud, queues: cloud, assets: &Bytes, reporter: log, interrupts, options };
    let selected: Vec<String> = out.stacks.iter().map(|s| s.name.clone()).collect();
    d.deploy(out, &selected, &cloud.listing()).await
}

const FOUNDATIONS: &str = "anycompany-datalake-local-foundations";
const TEAM: &str = "anycompany-datalake-local-team-engineering";
const PIPELINE: &str = "anycompany-datalake-local-pipeline-engineering-main";

#[tokio::test(start_paused = true)]
async fn a_lake_deploys_from_nothing_then_a_second_deploy_creates_no_change_set() {
    let cloud = FakeCloud::default();
    let out = lake();
    let results = deploy(&cloud, &out, options()).await;
    assert!(results.iter().all(|(_, r)| *r == StackResult::Deployed), "{results:?}");
    assert_eq!(cloud.status(FOUNDATIONS).as_deref(), Some("CREATE_COMPLETE"));
    assert!(cloud.stacks.lock().unwrap()[FOUNDATIONS].protected, "the foundations stack is protected");
    assert!(!cloud.stacks.lock().unwrap()[TEAM].protected);
    let assets: BTreeSet<String> = out.assets().iter().map(|(a, _)| a.s3_key()).collect();
    let uploaded: BTreeSet<String> =
        cloud.objects.lock().unwrap().keys().filter(|k| k.starts_with("assets/")).cloned().collect();
    assert_eq!(uploaded, assets, "every asset uploaded, once");
    cloud.take_calls();

    let again = deploy(&cloud, &out, options()).await;
    assert!(again.iter().all(|(_, r)| *r == StackResult::NoChanges), "{again:?}");
    assert_eq!(cloud.take_calls(), vec!["GetTemplate"; out.stacks.len()], "one template read per stack, nothing else");
}

#[tokio::test(start_paused = true)]
async fn a_changed_stack_is_deployed_and_its_dependents_are_checked_by_change_set() {
    let cloud = FakeCloud::default();
    let out = lake();
    deploy(&cloud, &out, options()).await;
    let changed = team_edited(&out);
    cloud.take_calls();
    let results: BTreeMap<String, StackResult> = deploy(&cloud, &changed, options()).await.into_iter().collect();
    assert_eq!(results[FOUNDATIONS], StackResult::NoChanges);
    assert_eq!(results[TEAM], StackResult::Deployed);
    // The pipeline imports from the team stack: only a change set can tell whether the values
    // it resolves changed; here they did not, so CloudFormation reports no changes.
    assert_eq!(results[PIPELINE], StackResult::NoChanges);
    let calls = cloud.take_calls();
    assert_eq!(calls.iter().filter(|c| *c == "ExecuteChangeSet").count(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_failure_reports_each_reason_once_without_cancellations_and_blocks_dependents() {
    let cloud = FakeCloud::default();
    let out = lake();
    cloud.failing.lock().unwrap().insert((TEAM.into(), "TeamKey".into()));
    let results: BTreeMap<String, StackResult> = deploy(&cloud, &out, options()).await.into_iter().collect();
    assert_eq!(results[FOUNDATIONS], StackResult::Deployed);
    let StackResult::Failed { status, reasons, advice } = &results[TEAM] else { panic!("{:?}", results[TEAM]) };
    assert_eq!(status, "ROLLBACK_COMPLETE");
    assert_eq!(
        reasons,
        &vec![
            "TeamKey (AWS::Test::Thing): Resource handler returned message: boom".to_owned(),
            "Again (AWS::Test::Thing): Resource handler returned message: boom".to_owned(),
        ]
    );
    assert!(advice.as_deref().unwrap().contains("deletes and recreates it"));
    assert_eq!(results[PIPELINE], StackResult::Blocked { dependency: TEAM.into() });
    assert!(results["anycompany-datalake-local-team-marketing"].is_success(), "other teams are not held up");

    // Next deploy: the failed first create is deleted and created again.
    cloud.failing.lock().unwrap().clear();
    let results: BTreeMap<String, StackResult> = deploy(&cloud, &out, options()).await.into_iter().collect();
    assert_eq!(results[TEAM], StackResult::Deployed);
    assert_eq!(cloud.status(TEAM).as_deref(), Some("CREATE_COMPLETE"));
}

#[tokio::test(start_paused = true)]
async fn without_yes_and_without_a_terminal_nothing_is_executed() {
    let cloud = FakeCloud::default();
    let out = lake();
    let results = deploy(&cloud, &out, DeployOptions { yes: false, ..options() }).await;
    let StackResult::NotConfirmed { why } = &results[0].1 else { panic!("{results:?}") };
    assert!(why.ends_with("pass --yes to proceed"), "{why}");
    assert!(results[1..].iter().all(|(_, r)| matches!(r, StackResult::Blocked { .. })));
    assert!(cloud.stacks.lock().unwrap().is_empty(), "the empty stack of the create change set is removed");
    assert!(!cloud.take_calls().contains(&"ExecuteChangeSet".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn a_leftover_change_set_stack_is_cleaned_up_and_a_busy_stack_with_no_wait_is_an_error() {
    let cloud = FakeCloud::default();
    let out = lake();
    cloud
        .stacks
        .lock()
        .unwrap()
        .insert(FOUNDATIONS.into(), FakeStack { status: "REVIEW_IN_PROGRESS".into(), ..FakeStack::default() });
    let results = deploy(&cloud, &out, options()).await;
    assert_eq!(results[0].1, StackResult::Deployed);

    cloud.stacks.lock().unwrap().get_mut(FOUNDATIONS).unwrap().status = "UPDATE_IN_PROGRESS".into();
    let results = deploy(&cloud, &out, DeployOptions { no_wait: true, ..options() }).await;
    let StackResult::Error(e) = &results[0].1 else { panic!("{results:?}") };
    assert!(e.contains("is busy (UPDATE_IN_PROGRESS)"), "{e}");
}

#[tokio::test(start_paused = true)]
async fn replacing_a_bucket_is_refused_unless_allowed_by_name() {
    let cloud = FakeCloud::default();
    let out = lake();
    deploy(&cloud, &out, options()).await;
    let mut renamed = out.clone();
    let f = &mut renamed.stacks[0];
    f.body = f.body.replace("-000000000000-raw\"", "-000000000000-raw2\"");
    let results = deploy(&cloud, &renamed, options()).await;
    let StackResult::Refused(refused) = &results[0].1 else { panic!("{:?}", results[0]) };
    assert!(refused.at_risk.iter().any(|r| r.logical_id == "RawBucket"), "{refused}");
    assert!(results[1..].iter().all(|(_, r)| matches!(r, StackResult::Blocked { .. })));
    assert!(cloud.change_sets.lock().unwrap().is_empty(), "the refused change set is deleted");

    let ids: Vec<String> = refused.at_risk.iter().map(|r| r.logical_id.clone()).collect();
    let results = deploy(&cloud, &renamed, DeployOptions { allow_replace: ids, ..options() }).await;
    assert_eq!(results[0].1, StackResult::Deployed);
}

/// The lake with the pipeline's work queue (not a dead-letter queue) renamed, which replaces
/// it; and the queue's logical id.
fn rename_queue(out: &EnvironmentOutput) -> (EnvironmentOutput, String) {
    let mut renamed = out.clone();
    let pipeline = renamed.stacks.iter_mut().find(|s| s.name == PIPELINE).unwrap();
    let mut body: serde_json::Value = serde_json::from_str(&pipeline.body).unwrap();
    let (id, queue) = body["Resources"]
        .as_object_mut()
        .unwrap()
        .iter_mut()
        .find(|(_, r)| {
            r["Type"] == "AWS::SQS::Queue"
                && r["Properties"]["QueueName"].as_str().is_some_and(|n| !n.ends_with("-dlq"))
        })
        .expect("the pipeline has a named work queue");
    let id = id.clone();
    let name = queue["Properties"]["QueueName"].as_str().unwrap().to_owned();
    queue["Properties"]["QueueName"] = format!("{name}-2").into();
    pipeline.body = serde_json::to_string_pretty(&body).unwrap();
    (renamed, id)
}

#[tokio::test(start_paused = true)]
async fn replacing_an_empty_queue_needs_no_allow_replace() {
    let cloud = FakeCloud::default();
    let out = lake();
    deploy(&cloud, &out, options()).await;
    let (renamed, _) = rename_queue(&out);
    cloud.take_calls();
    let results: BTreeMap<String, StackResult> = deploy(&cloud, &renamed, options()).await.into_iter().collect();
    assert_eq!(results[PIPELINE], StackResult::Deployed, "{results:?}");
    let calls = cloud.take_calls();
    assert_eq!(calls.iter().filter(|c| *c == "GetQueueAttributes").count(), 1, "the replaced queue is counted");
    assert_eq!(calls.iter().filter(|c| *c == "ExecuteChangeSet").count(), 1);
}

#[tokio::test(start_paused = true)]
async fn replacing_a_queue_with_messages_is_refused_with_their_count_unless_allowed() {
    let cloud = FakeCloud::default();
    let out = lake();
    deploy(&cloud, &out, options()).await;
    let (renamed, queue) = rename_queue(&out);
    cloud.queue_messages.lock().unwrap().insert(queue_url(PIPELINE, &queue), Ok(Some(3)));
    cloud.take_calls();
    let results: BTreeMap<String, StackResult> = deploy(&cloud, &renamed, options()).await.into_iter().collect();
    let StackResult::Refused(refused) = &results[PIPELINE] else { panic!("{results:?}") };
    assert_eq!(refused.at_risk.len(), 1, "{refused}");
    assert_eq!(refused.at_risk[0].logical_id, queue);
    assert_eq!(refused.at_risk[0].reason(), "messages (3 waiting)");
    let text = refused.to_string();
    assert!(text.contains(&format!("  - {queue} (AWS::SQS::Queue): messages (3 waiting)")), "{text}");
    assert!(text.ends_with(&format!("--allow-replace {queue}")), "{text}");
    assert!(!cloud.take_calls().contains(&"ExecuteChangeSet".to_owned()), "nothing is executed");
    assert!(cloud.change_sets.lock().unwrap().is_empty(), "the refused change set is deleted");

    // Allowed by name, it is replaced without counting its messages.
    let results: BTreeMap<String, StackResult> =
        deploy(&cloud, &renamed, DeployOptions { allow_replace: vec![queue.clone()], ..options() })
            .await
            .into_iter()
            .collect();
    assert_eq!(results[PIPELINE], StackResult::Deployed, "{results:?}");
    assert!(!cloud.take_calls().contains(&"GetQueueAttributes".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn a_queue_whose_messages_cannot_be_counted_is_refused_saying_why() {
    let cloud = FakeCloud::default();
    let out = lake();
    deploy(&cloud, &out, options()).await;
    let (renamed, queue) = rename_queue(&out);
    let denied = ApiError {
        operation: "GetQueueAttributes",
        stack: None,
        message: "access denied".into(),
        ..ApiError::default()
    };
    cloud.queue_messages.lock().unwrap().insert(queue_url(PIPELINE, &queue), Err(denied));
    let results: BTreeMap<String, StackResult> = deploy(&cloud, &renamed, options()).await.into_iter().collect();
    let StackResult::Refused(refused) = &results[PIPELINE] else { panic!("{results:?}") };
    assert_eq!(refused.at_risk[0].reason(), "messages (count unknown: GetQueueAttributes: access denied)");
    assert_eq!(cloud.status(PIPELINE).as_deref(), Some("CREATE_COMPLETE"), "nothing was changed");
}

#[tokio::test(start_paused = true)]
async fn every_change_set_carries_the_execution_role_given() {
    let cloud = FakeCloud::default();
    let out = lake();
    let role = "arn:aws:iam::000000000000:role/anycompany-datalake-cicd-local-execution";
    let results = deploy(&cloud, &out, DeployOptions { role_arn: Some(role.into()), ..options() }).await;
    assert!(results.iter().all(|(_, r)| *r == StackResult::Deployed), "{results:?}");
    let requests = cloud.requests.lock().unwrap();
    assert_eq!(requests.len(), out.stacks.len());
    for r in requests.iter() {
        assert_eq!(r.role_arn.as_deref(), Some(role), "{}", r.stack);
    }
}

/// One run's view of the cloud: fails the test if the run deletes or executes a change set
/// that is not its own.
struct Run<'a> {
    cloud: &'a FakeCloud,
    id: &'static str,
}

impl Run<'_> {
    fn own(&self, operation: &str, change_set: &str) {
        assert!(change_set.ends_with(&format!("-{}", self.id)), "run {} called {operation} on {change_set}", self.id);
    }
}

impl Stacks for Run<'_> {
    async fn describe(&self, stack: &str) -> Result<Option<DeployedStack>, ApiError> {
        self.cloud.describe(stack).await
    }
    async fn describe_all(&self, prefix: &str) -> Result<Vec<DeployedStack>, ApiError> {
        self.cloud.describe_all(prefix).await
    }
    async fn template(&self, stack: &str) -> Result<String, ApiError> {
        self.cloud.template(stack).await
    }
    async fn create_change_set(&self, request: &ChangeSetRequest) -> Result<(), ApiError> {
        self.own("CreateChangeSet", &request.name);
        self.cloud.create_change_set(request).await
    }
    async fn change_set(&self, stack: &str, name: &str) -> Result<Option<ChangeSetState>, ApiError> {
        self.cloud.change_set(stack, name).await
    }
    async fn execute_change_set(&self, stack: &str, name: &str) -> Result<(), ApiError> {
        self.own("ExecuteChangeSet", name);
        self.cloud.execute_change_set(stack, name).await
    }
    async fn delete_change_set(&self, stack: &str, name: &str) -> Result<(), ApiError> {
        self.own("DeleteChangeSet", name);
        self.cloud.delete_change_set(stack, name).await
    }
    async fn change_sets(&self, stack: &str) -> Result<Vec<ChangeSetSummary>, ApiError> {
        self.cloud.change_sets(stack).await
    }
    async fn events(&self, stack: &str) -> Result<Vec<StackEvent>, ApiError> {
        self.cloud.events(stack).await
    }
    async fn delete_stack(&self, stack: &str) -> Result<(), ApiError> {
        self.cloud.delete_stack(stack).await
    }
    async fn cancel_update(&self, stack: &str) -> Result<(), ApiError> {
        self.cloud.cancel_update(stack).await
    }
    async fn set_termination_protection(&self, stack: &str, on: bool) -> Result<(), ApiError> {
        self.cloud.set_termination_protection(stack, on).await
    }
}

fn run_options(id: &'static str) -> DeployOptions {
    DeployOptions { run_id: id.into(), ..options() }
}

#[tokio::test(start_paused = true)]
async fn two_deploys_at_once_each_stack_is_deployed_once_and_neither_touches_the_others_change_sets() {
    // Change sets take a poll to compute, so the second run finds the first one's at work.
    let cloud = FakeCloud { pending_polls: 1, ..FakeCloud::default() };
    let out = lake();
    let (a, b) = (Run { cloud: &cloud, id: "runa" }, Run { cloud: &cloud, id: "runb" });
    let (log_a, log_b) = (Log::default(), Log::default());
    let interrupts = Interrupts::default();
    let (first, second) = tokio::join!(
        deploy_logged(&cloud, &a, &out, run_options("runa"), &log_a, &interrupts),
        deploy_logged(&cloud, &b, &out, run_options("runb"), &log_b, &interrupts),
    );
    for (stack, r) in first.iter().chain(&second) {
        assert!(r.is_success(), "{stack}: {r:?}");
    }
    let executions = cloud.take_calls().iter().filter(|c| *c == "ExecuteChangeSet").count();
    assert_eq!(executions, out.stacks.len(), "each stack executed once, by one of the runs");
    let deployed = |rs: &[(String, StackResult)]| rs.iter().filter(|(_, r)| *r == StackResult::Deployed).count();
    assert_eq!(deployed(&first) + deployed(&second), out.stacks.len());
    let waited =
        |log: &Log| log.lines.lock().unwrap().iter().filter(|l| l.contains(": waiting for change set sdlf-")).count();
    assert!(waited(&log_a) + waited(&log_b) > 0, "one run waited for the other's change sets");
    // Both looked before either made a change set, both made one, and the later one's run
    // yielded before showing its plan: every plan shown was executed.
    let plans = |log: &Log| log.lines.lock().unwrap().iter().filter(|l| l.contains(": plan ")).count();
    assert_eq!(plans(&log_a) + plans(&log_b), out.stacks.len(), "a plan shown for each execution, no other");
    for stack in &out.stacks {
        assert_eq!(cloud.status(&stack.name).as_deref(), Some("CREATE_COMPLETE"), "{}", stack.name);
    }
}

#[tokio::test(start_paused = true)]
async fn a_change_set_swept_away_by_another_runs_execution_is_made_again_on_top_of_it() {
    let cloud = FakeCloud::default();
    let out = lake();
    deploy(&cloud, &out, options()).await;
    let changed = team_edited(&out);
    *cloud.interloper.lock().unwrap() = Some(TEAM.into());
    let results: BTreeMap<String, StackResult> =
        deploy(&cloud, &changed, run_options("run2")).await.into_iter().collect();
    assert_eq!(results[TEAM], StackResult::Deployed, "{results:?}");
    let deployed = cloud.stacks.lock().unwrap()[TEAM].template.clone();
    assert_eq!(deployed, changed.stacks.iter().find(|s| s.name == TEAM).unwrap().body, "this run's template won");
    let creates = cloud.requests.lock().unwrap().iter().filter(|r| r.stack == TEAM && !r.create).count();
    assert_eq!(creates, 2, "a second change set, made against the stack the other run left");
}

#[tokio::test(start_paused = true)]
async fn another_runs_change_set_fails_a_no_wait_deploy_naming_it_and_a_stale_one_is_left_alone() {
    let cloud = FakeCloud::default();
    let out = lake();
    deploy(&cloud, &out, options()).await;
    let changed = team_edited(&out);
    cloud.rival(TEAM, "sdlf-0123456789ab-other", std::time::Duration::from_secs(7));
    let results: BTreeMap<String, StackResult> =
        deploy(&cloud, &changed, DeployOptions { no_wait: true, ..run_options("run2") }).await.into_iter().collect();
    let StackResult::Error(e) = &results[TEAM] else { panic!("{results:?}") };
    assert_eq!(
        e,
        &format!(
            "another deploy is running on stack `{TEAM}` (change set sdlf-0123456789ab-other (created 7 s ago)); \
             run again when it is done, or without --no-wait to wait for it"
        )
    );
    assert!(cloud.change_sets.lock().unwrap().contains_key(&(TEAM.into(), "sdlf-0123456789ab-other".into())));

    // Left unexecuted for longer than a person takes to answer: not in play any more.
    cloud.change_sets.lock().unwrap().clear();
    cloud.rival(TEAM, "sdlf-0123456789ab-other", sdlf_deploy::rivals::STALE_AFTER);
    let run = Run { cloud: &cloud, id: "run3" };
    let interrupts = Interrupts::default();
    let results = deploy_logged(&cloud, &run, &changed, run_options("run3"), &Log::default(), &interrupts).await;
    assert!(results.iter().all(|(_, r)| r.is_success()), "{results:?}");
}

/// The stacks' results of a deploy of `out` that is interrupted when a line starting with
/// `at` is logged.
async fn interrupted_at(cloud: &FakeCloud, out: &EnvironmentOutput, at: &str) -> BTreeMap<String, StackResult> {
    let interrupts = Interrupts::default();
    let log = Log { press: Some((at, &interrupts)), ..Log::default() };
    deploy_logged(cloud, cloud, out, options(), &log, &interrupts).await.into_iter().collect()
}

fn state(r: &StackResult) -> &str {
    match r {
        StackResult::Interrupted { state } => state,
        other => panic!("not interrupted: {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn ctrl_c_during_a_plan_deletes_the_change_set_and_its_empty_stack_and_starts_nothing_more() {
    let cloud = FakeCloud::default();
    let out = lake();
    let results = interrupted_at(&cloud, &out, &format!("{FOUNDATIONS}: plan")).await;
    assert_eq!(state(&results[FOUNDATIONS]), "not changed by this deploy (its change set was deleted)");
    assert!(cloud.stacks.lock().unwrap().is_empty(), "the create change set's empty stack is gone");
    assert!(cloud.change_sets.lock().unwrap().is_empty());
    for (stack, r) in results.iter().filter(|(s, _)| *s != FOUNDATIONS) {
        assert_eq!(state(r), "not started; left as it was", "{stack}");
    }
    assert!(!cloud.take_calls().contains(&"ExecuteChangeSet".to_owned()));

    // Pressed while the catalog's plan shows: the foundations are deployed, no other stack
    // is started.
    let cloud = FakeCloud::default();
    let results = interrupted_at(&cloud, &out, "anycompany-datalake-local-catalog: plan").await;
    assert_eq!(results[FOUNDATIONS], StackResult::Deployed);
    let catalog = &results["anycompany-datalake-local-catalog"];
    assert_eq!(state(catalog), "not changed by this deploy (its change set was deleted)");
    // The teams run beside the catalog: started or not when the key was pressed, each is
    // left as it was.
    let team = state(&results[TEAM]);
    assert!(["not started; left as it was", "not changed by this deploy (its change set was deleted)"].contains(&team));
    assert_eq!(cloud.status(TEAM), None, "{team}");
    assert_eq!(state(&results[PIPELINE]), "not started; left as it was");
}

#[tokio::test(start_paused = true)]
async fn ctrl_c_during_an_update_cancels_it_and_reports_the_rollback_and_during_a_create_follows_it() {
    let cloud = FakeCloud { slow_updates: true, ..FakeCloud::default() };
    let out = lake();
    // A create cannot be cancelled: it is followed to its end, and said so.
    let results = interrupted_at(&cloud, &out, &format!("{FOUNDATIONS}: executing")).await;
    assert_eq!(state(&results[FOUNDATIONS]), "CREATE_COMPLETE: the create, which cannot be cancelled, ran to its end");
    assert_eq!(state(&results[TEAM]), "not started; left as it was");
    deploy(&cloud, &out, options()).await;

    let changed = team_edited(&out);
    let before = cloud.stacks.lock().unwrap()[TEAM].template.clone();
    let results = interrupted_at(&cloud, &changed, &format!("{TEAM}: executing")).await;
    assert_eq!(
        state(&results[TEAM]),
        "UPDATE_ROLLBACK_COMPLETE: the update was cancelled and rolled back: the stack is as before"
    );
    assert!(cloud.take_calls().contains(&"CancelUpdateStack".to_owned()));
    assert_eq!(cloud.stacks.lock().unwrap()[TEAM].template, before);
}

#[tokio::test(start_paused = true)]
async fn ctrl_c_during_a_destroy_finishes_the_deletion_under_way_and_deletes_nothing_more() {
    let cloud = FakeCloud::default();
    let out = lake();
    deploy(&cloud, &out, DeployOptions { protect: BTreeSet::new(), ..options() }).await;
    let stacks: Vec<&StackOutput> = out.stacks.iter().collect();
    let interrupts = Interrupts::default();
    // Pressed as the first stack (the last in deploy order) starts deleting.
    let progress = |_: &str, what: &str| {
        if what == "deleting" {
            interrupts.press();
        }
    };
    let results = destroy(&cloud, &stacks, &cloud.listing(), &interrupts, progress).await.unwrap();
    let (first, rest) = results.split_first().unwrap();
    assert!(matches!(first.1, Destroyed::Deleted { .. }), "the deletion under way ends: {first:?}");
    assert_eq!(cloud.status(&first.0), None);
    for (stack, r) in rest {
        assert_eq!(r, &Destroyed::Interrupted { state: "not deleted; left as it was".into() }, "{stack}");
        assert!(cloud.status(stack).is_some(), "{stack} is still there");
    }
}

#[tokio::test(start_paused = true)]
async fn a_template_over_the_inline_limit_goes_through_the_artifacts_bucket_by_url() {
    let cloud = FakeCloud::default();
    let out = lake();
    deploy(&cloud, &out, options()).await;
    let requests = cloud.requests.lock().unwrap().clone();
    let large: Vec<&StackOutput> = out.stacks.iter().filter(|s| s.needs_upload).collect();
    assert!(!large.is_empty(), "the example lake has stacks over 51,200 bytes");
    for stack in &out.stacks {
        let request = requests.iter().find(|r| r.stack == stack.name).unwrap();
        match (&request.template, stack.needs_upload) {
            (TemplateSource::Url(url), true) => {
                let key = format!("templates/{}.json", sdlf_deploy::naming::content_hash(&stack.body));
                assert_eq!(url, &format!("http://s3/{}/{key}", out.assets_bucket), "{}", stack.name);
                let uploaded = cloud.objects.lock().unwrap()[&key].clone();
                assert_eq!(uploaded, stack.body.as_bytes(), "{}: the object is the template", stack.name);
            }
            (TemplateSource::Body(body), false) => assert_eq!(body, &stack.body),
            (other, large) => panic!("{}: over the limit: {large}, but sent as {other:?}", stack.name),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn each_asset_is_uploaded_once_and_not_again_when_the_bucket_holds_it() {
    let cloud = FakeCloud::default();
    let out = lake();
    deploy(&cloud, &out, options()).await;
    let assets: Vec<String> = out.assets().iter().map(|(a, _)| a.s3_key()).collect();
    let puts = std::mem::take(&mut *cloud.puts.lock().unwrap());
    for key in &assets {
        let n = puts.iter().filter(|p| *p == key).count();
        assert_eq!(n, 1, "{key} uploaded {n} times, though {} stacks use it", out.assets().len());
    }
    // A changed pipeline stack is deployed again; its packages are in the bucket already.
    let mut changed = out.clone();
    let pipeline = changed.stacks.iter_mut().find(|s| s.name == PIPELINE).unwrap();
    let mut body: serde_json::Value = serde_json::from_str(&pipeline.body).unwrap();
    let function =
        body["Resources"].as_object_mut().unwrap().values_mut().find(|r| r["Type"] == "AWS::Lambda::Function").unwrap();
    function["Properties"]["Description"] = "edited".into();
    pipeline.body = serde_json::to_string_pretty(&body).unwrap();
    let results: BTreeMap<String, StackResult> = deploy(&cloud, &changed, options()).await.into_iter().collect();
    assert_eq!(results[PIPELINE], StackResult::Deployed, "{results:?}");
    let again = cloud.puts.lock().unwrap().clone();
    assert!(again.iter().all(|k| !assets.contains(k)), "no asset uploaded again: {again:?}");
}

#[tokio::test(start_paused = true)]
async fn destroy_keeps_a_protected_stack_and_what_a_stack_still_there_imports_from_and_lists_what_it_retains() {
    let cloud = FakeCloud::default();
    let dev = synth_environment(&sdlf_pipelines::lake(), "dev", &StandInFingerprints).unwrap();
    let foundations = "anycompany-datalake-dev-foundations";
    let pipeline = "anycompany-datalake-dev-pipeline-engineering-main";
    let dataset = "anycompany-datalake-dev-dataset-engineering-legislators";
    let options = DeployOptions { protect: BTreeSet::from([foundations.to_owned()]), ..options() };
    let results = deploy(&cloud, &dev, options).await;
    assert!(results.iter().all(|(_, r)| r.is_success()), "{results:?}");
    cloud.failing_deletes.lock().unwrap().insert(dataset.into());

    let stacks: Vec<&StackOutput> = dev.stacks.iter().collect();
    let destroy_all = || async {
        let results = destroy(&cloud, &stacks, &cloud.listing(), &Interrupts::default(), |_, _| {}).await.unwrap();
        results.into_iter().collect::<BTreeMap<String, Destroyed>>()
    };
    let results = destroy_all().await;
    let Destroyed::Failed { status, reasons } = &results[dataset] else { panic!("{results:?}") };
    assert_eq!(status, "DELETE_FAILED");
    assert_eq!(reasons, &["DataBucket (AWS::Test::Thing): The bucket you tried to delete is not empty".to_owned()]);
    assert_eq!(
        results[pipeline],
        Destroyed::Blocked { dependent: dataset.into() },
        "the dataset still imports from it"
    );
    assert_eq!(cloud.status(pipeline).as_deref(), Some("CREATE_COMPLETE"));
    assert_eq!(results[foundations], Destroyed::Blocked { dependent: dataset.into() });
    // In a real account the data stays: a deleted team stack keeps its key.
    let Destroyed::Deleted { retained } = &results["anycompany-datalake-dev-team-marketing"] else {
        panic!("{results:?}")
    };
    assert!(retained.iter().any(|r| r.resource_type == "AWS::KMS::Key"), "{retained:?}");

    // Once the dataset can go, everything goes but the protected foundations.
    cloud.failing_deletes.lock().unwrap().clear();
    cloud.stacks.lock().unwrap().get_mut(dataset).unwrap().status = "CREATE_COMPLETE".into();
    let results = destroy_all().await;
    assert_eq!(results[foundations], Destroyed::Protected);
    assert_eq!(cloud.status(foundations).as_deref(), Some("CREATE_COMPLETE"));
    assert!(cloud.listing().len() == 1, "{:?}", cloud.listing().keys());
}

#[tokio::test(start_paused = true)]
async fn a_stack_busy_with_another_operation_is_waited_for_then_deployed() {
    let cloud = FakeCloud::default();
    let out = lake();
    deploy(&cloud, &out, options()).await;
    let changed = team_edited(&out);
    // Someone else's update, which ends after one more look.
    let before = cloud.stacks.lock().unwrap()[TEAM].template.clone();
    cloud.stacks.lock().unwrap().get_mut(TEAM).unwrap().status = "UPDATE_IN_PROGRESS".into();
    cloud.in_progress.lock().unwrap().insert(TEAM.into(), ("UPDATE_COMPLETE".into(), before));
    let log = Log::default();
    let interrupts = Interrupts::default();
    let results: BTreeMap<String, StackResult> =
        deploy_logged(&cloud, &cloud, &changed, options(), &log, &interrupts).await.into_iter().collect();
    assert_eq!(results[TEAM], StackResult::Deployed, "{results:?}");
    assert!(log.lines.lock().unwrap().contains(&format!("{TEAM}: waiting (UPDATE_IN_PROGRESS)")));
}

#[tokio::test(start_paused = true)]
async fn the_prompt_decides_for_a_change_set_and_for_recreating_a_failed_first_create() {
    let cloud = FakeCloud::default();
    let out = lake();
    let asking = || DeployOptions { yes: false, interactive: true, ..options() };
    let interrupts = Interrupts::default();
    // No: nothing is executed, and the create change set's empty stack goes again.
    let no = Log { answer: false, ..Log::default() };
    let results = deploy_logged(&cloud, &cloud, &out, asking(), &no, &interrupts).await;
    assert_eq!(results[0].1, StackResult::NotConfirmed { why: "declined".into() });
    assert!(no.lines.lock().unwrap().contains(&format!("asked: Deploy these changes to {FOUNDATIONS}?")));
    assert!(cloud.stacks.lock().unwrap().is_empty());
    // Yes: deployed; a stack whose first create failed is asked about before it is deleted.
    cloud.failing.lock().unwrap().insert((TEAM.into(), "TeamKey".into()));
    let yes = Log { answer: true, ..Log::default() };
    deploy_logged(&cloud, &cloud, &out, asking(), &yes, &interrupts).await;
    assert_eq!(cloud.status(FOUNDATIONS).as_deref(), Some("CREATE_COMPLETE"));
    assert_eq!(cloud.status(TEAM).as_deref(), Some("ROLLBACK_COMPLETE"));
    cloud.failing.lock().unwrap().clear();
    let keep = Log { answer: false, ..Log::default() };
    let results: BTreeMap<String, StackResult> =
        deploy_logged(&cloud, &cloud, &out, asking(), &keep, &interrupts).await.into_iter().collect();
    assert_eq!(results[TEAM], StackResult::NotConfirmed { why: "declined".into() });
    let question = format!(
        "asked: Stack {TEAM} is in ROLLBACK_COMPLETE (its first create failed) and can only be deleted. Delete and \
         create it again?"
    );
    assert!(keep.lines.lock().unwrap().contains(&question), "{:?}", keep.lines.lock().unwrap());
    assert_eq!(cloud.status(TEAM).as_deref(), Some("ROLLBACK_COMPLETE"), "kept as it was");
    let recreate = Log { answer: true, ..Log::default() };
    let results: BTreeMap<String, StackResult> =
        deploy_logged(&cloud, &cloud, &out, asking(), &recreate, &interrupts).await.into_iter().collect();
    assert_eq!(results[TEAM], StackResult::Deployed);
    assert_eq!(cloud.status(TEAM).as_deref(), Some("CREATE_COMPLETE"));
}

#[tokio::test(start_paused = true)]
async fn a_second_ctrl_c_stops_following_and_leaves_the_operation_to_cloudformation() {
    let cloud = FakeCloud { slow_updates: true, ..FakeCloud::default() };
    let out = lake();
    deploy(&cloud, &out, options()).await;
    let changed = team_edited(&out);
    let interrupts = Interrupts::default();
    let pressed = format!("{TEAM}: executing");
    let twice = Log { press: Some((&pressed, &interrupts)), ..Log::default() };
    // Once as the update executes (it is cancelled), once more as the cancel is said: the
    // rollback is left to CloudFormation.
    let cancelled = format!("{TEAM}: cancelling");
    let results: BTreeMap<String, StackResult> = {
        let both = Twice { first: &twice, second: &cancelled, interrupts: &interrupts };
        deploy_logged(&cloud, &cloud, &changed, options(), &both, &interrupts).await.into_iter().collect()
    };
    assert_eq!(results[TEAM], StackResult::Detached, "{results:?}");
    assert!(twice.lines.lock().unwrap().contains(&format!("{TEAM}: detached")));
}

/// A [`Log`] that presses Ctrl-C once more when a line starting with `second` is logged.
struct Twice<'a> {
    first: &'a Log<'a>,
    second: &'a str,
    interrupts: &'a Interrupts,
}

impl Reporter for Twice<'_> {
    fn report(&self, event: Event<'_>) {
        self.first.report(event);
        let last = self.first.lines.lock().unwrap().last().cloned().unwrap_or_default();
        if last.starts_with(self.second) && self.interrupts.count() == 1 {
            self.interrupts.press();
        }
    }

    fn confirm(&self, question: &str) -> bool {
        self.first.confirm(question)
    }
}
