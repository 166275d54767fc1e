//! The deploy engine against an in-memory CloudFormation: the example lake's `local` stacks
//! deployed from nothing, again with nothing to do, after a change, through failures, a
//! failed first create, a leftover change-set stack, a busy stack, and the data-loss guard
//! (a replaced bucket; a replaced queue, empty or holding messages).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use sdlf_cfn::SpecLookup;
use sdlf_cfn_types::Registry;
use sdlf_deploy::api::{
    ApiError, ChangeSetRequest, ChangeSetState, DeployedStack, Objects, Queues, StackEvent, Stacks, TemplateSource,
};
use sdlf_deploy::engine::deploy::{AssetBytes, DeployOptions, Deployer, Event, Interrupts, Reporter, StackResult};
use sdlf_diff::{ChangeSetAction, ChangeSetChange, Replacement};
use sdlf_lake::assets::{Asset, StandInFingerprints};
use sdlf_lake::output::{EnvironmentOutput, synth_environment};

#[derive(Debug, Clone, Default)]
struct FakeStack {
    status: String,
    template: String,
    parameters: BTreeMap<String, String>,
    tags: BTreeMap<String, String>,
    protected: bool,
    events: Vec<StackEvent>,
}

#[derive(Debug, Clone)]
struct FakeChangeSet {
    request: ChangeSetRequest,
    state: ChangeSetState,
}

/// CloudFormation in memory. Operations finish at once; a resource listed in `failing` fails,
/// and the stack rolls back.
#[derive(Default)]
struct FakeCloud {
    stacks: Mutex<BTreeMap<String, FakeStack>>,
    change_sets: Mutex<BTreeMap<(String, String), FakeChangeSet>>,
    objects: Mutex<BTreeMap<String, Vec<u8>>>,
    calls: Mutex<Vec<String>>,
    /// (stack, logical id) of resources that fail.
    failing: Mutex<BTreeSet<(String, String)>>,
    /// GetQueueAttributes' answer by queue URL (see [`queue_url`]); an unlisted queue is empty.
    queue_messages: Mutex<BTreeMap<String, Result<Option<u64>, ApiError>>>,
    event_counter: Mutex<u64>,
    /// Every CreateChangeSet request, in order.
    requests: Mutex<Vec<ChangeSetRequest>>,
}

impl FakeCloud {
    fn call(&self, c: &str) {
        self.calls.lock().unwrap().push(c.to_owned());
    }

    fn take_calls(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    fn status(&self, stack: &str) -> Option<String> {
        self.stacks.lock().unwrap().get(stack).map(|s| s.status.clone())
    }

    fn listing(&self) -> BTreeMap<String, DeployedStack> {
        self.stacks.lock().unwrap().iter().map(|(n, s)| (n.clone(), deployed(n, s))).collect()
    }

    fn event(&self, stack: &mut FakeStack, logical_id: &str, status: &str, reason: Option<&str>) {
        let mut n = self.event_counter.lock().unwrap();
        *n += 1;
        // Newest first, as DescribeStackEvents returns them.
        stack.events.insert(
            0,
            StackEvent {
                id: format!("e{n}"),
                timestamp: format!("2026-11-25T00:00:{:02}Z", *n % 60),
                logical_id: logical_id.into(),
                resource_type: "AWS::Test::Thing".into(),
                status: status.into(),
                reason: reason.map(str::to_owned),
            },
        );
    }
}

fn deployed(name: &str, s: &FakeStack) -> DeployedStack {
    DeployedStack {
        name: name.into(),
        id: format!("arn:aws:cloudformation:us-east-1:000000000000:stack/{name}/1"),
        status: s.status.clone(),
        parameters: s.parameters.clone(),
        tags: s.tags.clone(),
        termination_protection: s.protected,
        ..DeployedStack::default()
    }
}

/// The physical id of a deployed resource, as a change set gives it: a queue's is its URL.
fn physical_id(stack: &str, logical_id: &str, resource_type: &str) -> String {
    if resource_type == "AWS::SQS::Queue" { queue_url(stack, logical_id) } else { format!("{stack}-{logical_id}") }
}

fn queue_url(stack: &str, logical_id: &str) -> String {
    format!("https://sqs.us-east-1.amazonaws.com/000000000000/{stack}-{logical_id}")
}

fn resources(body: &str) -> BTreeMap<String, serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    v["Resources"].as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default()
}

/// As CloudFormation decides it: a changed property the schema marks create-only replaces.
fn replacement(old: &serde_json::Value, new: &serde_json::Value) -> Replacement {
    let spec = Registry.spec(new["Type"].as_str().unwrap_or_default());
    let (o, n) = (&old["Properties"], &new["Properties"]);
    let keys: BTreeSet<&String> = o.as_object().into_iter().chain(n.as_object()).flat_map(|m| m.keys()).collect();
    let replaces = keys.into_iter().filter(|k| o.get(k.as_str()) != n.get(k.as_str())).any(|k| {
        spec.is_some_and(|s| {
            s.replace_always
                .iter()
                .map(|p| p.trim_start_matches('/'))
                .any(|p| p == k || p.starts_with(&format!("{k}/")))
        })
    });
    if replaces { Replacement::True } else { Replacement::False }
}

impl Stacks for FakeCloud {
    async fn describe(&self, stack: &str) -> Result<Option<DeployedStack>, ApiError> {
        self.call("DescribeStacks");
        Ok(self.stacks.lock().unwrap().get(stack).map(|s| deployed(stack, s)))
    }

    async fn describe_all(&self, _prefix: &str) -> Result<Vec<DeployedStack>, ApiError> {
        self.call("DescribeStacks");
        Ok(self.listing().into_values().collect())
    }

    async fn template(&self, stack: &str) -> Result<String, ApiError> {
        self.call("GetTemplate");
        Ok(self.stacks.lock().unwrap()[stack].template.clone())
    }

    async fn create_change_set(&self, r: &ChangeSetRequest) -> Result<(), ApiError> {
        self.call("CreateChangeSet");
        self.requests.lock().unwrap().push(r.clone());
        let body = match &r.template {
            TemplateSource::Body(b) => b.clone(),
            TemplateSource::Url(u) => {
                let key = u.rsplit_once("/templates/").map(|(_, k)| format!("templates/{k}")).unwrap();
                String::from_utf8(self.objects.lock().unwrap()[&key].clone()).unwrap()
            }
        };
        let mut stacks = self.stacks.lock().unwrap();
        if r.create {
            stacks.insert(
                r.stack.clone(),
                FakeStack { status: "REVIEW_IN_PROGRESS".into(), template: String::new(), ..FakeStack::default() },
            );
        }
        let old = resources(&stacks[&r.stack].template);
        let new = resources(&body);
        let mut changes = Vec::new();
        for (id, v) in &new {
            let action = match old.get(id) {
                None => Some(ChangeSetAction::Add),
                Some(o) if o != v => Some(ChangeSetAction::Modify),
                Some(_) => None,
            };
            if let Some(action) = action {
                let replacement = old.get(id).map(|o| replacement(o, v));
                let resource_type = v["Type"].as_str().unwrap_or_default();
                changes.push(ChangeSetChange {
                    logical_id: id.clone(),
                    resource_type: resource_type.into(),
                    action,
                    replacement,
                    details: Vec::new(),
                    physical_id: old.contains_key(id).then(|| physical_id(&r.stack, id, resource_type)),
                });
            }
        }
        for (id, v) in &old {
            if !new.contains_key(id) {
                let resource_type = v["Type"].as_str().unwrap_or_default();
                changes.push(ChangeSetChange {
                    logical_id: id.clone(),
                    resource_type: resource_type.into(),
                    action: ChangeSetAction::Remove,
                    replacement: None,
                    details: Vec::new(),
                    physical_id: Some(physical_id(&r.stack, id, resource_type)),
                });
            }
        }
        let state = if changes.is_empty() {
            ChangeSetState {
                status: "FAILED".into(),
                reason: Some("The submitted information didn't contain changes.".into()),
                changes,
            }
        } else {
            ChangeSetState { status: "CREATE_COMPLETE".into(), reason: None, changes }
        };
        let mut request = r.clone();
        request.template = TemplateSource::Body(body);
        self.change_sets.lock().unwrap().insert((r.stack.clone(), r.name.clone()), FakeChangeSet { request, state });
        Ok(())
    }

    async fn change_set(&self, stack: &str, name: &str) -> Result<Option<ChangeSetState>, ApiError> {
        self.call("DescribeChangeSet");
        Ok(self.change_sets.lock().unwrap().get(&(stack.into(), name.into())).map(|c| c.state.clone()))
    }

    async fn execute_change_set(&self, stack: &str, name: &str) -> Result<(), ApiError> {
        self.call("ExecuteChangeSet");
        let cs = self.change_sets.lock().unwrap().remove(&(stack.into(), name.into())).expect("change set exists");
        let mut stacks = self.stacks.lock().unwrap();
        let mut s = stacks.remove(stack).expect("stack exists");
        let create = cs.request.create;
        let TemplateSource::Body(body) = &cs.request.template else { unreachable!() };
        let failing = self.failing.lock().unwrap().clone();
        let mut failed = false;
        for (id, _) in resources(body) {
            if failing.contains(&(stack.to_owned(), id.clone())) {
                self.event(&mut s, &id, "CREATE_FAILED", Some("Resource handler returned message: boom"));
                failed = true;
            } else {
                self.event(&mut s, &id, "CREATE_COMPLETE", None);
            }
        }
        if failed {
            self.event(&mut s, "Other", "CREATE_FAILED", Some("Resource creation cancelled"));
            self.event(&mut s, "Again", "UPDATE_FAILED", Some("Resource handler returned message: boom"));
            s.status = if create { "ROLLBACK_COMPLETE" } else { "UPDATE_ROLLBACK_COMPLETE" }.into();
        } else {
            s.status = if create { "CREATE_COMPLETE" } else { "UPDATE_COMPLETE" }.into();
            s.template = body.clone();
            s.parameters = cs.request.parameters.clone();
            s.tags = cs.request.tags.clone();
        }
        stacks.insert(stack.into(), s);
        Ok(())
    }

    async fn delete_change_set(&self, stack: &str, name: &str) -> Result<(), ApiError> {
        self.call("DeleteChangeSet");
        self.change_sets.lock().unwrap().remove(&(stack.into(), name.into()));
        Ok(())
    }

    async fn events(&self, stack: &str) -> Result<Vec<StackEvent>, ApiError> {
        self.call("DescribeStackEvents");
        Ok(self.stacks.lock().unwrap().get(stack).map(|s| s.events.clone()).unwrap_or_default())
    }

    async fn delete_stack(&self, stack: &str) -> Result<(), ApiError> {
        self.call("DeleteStack");
        self.stacks.lock().unwrap().remove(stack);
        Ok(())
    }

    async fn cancel_update(&self, _stack: &str) -> Result<(), ApiError> {
        self.call("CancelUpdateStack");
        Ok(())
    }

    async fn set_termination_protection(&self, stack: &str, on: bool) -> Result<(), ApiError> {
        self.call("UpdateTerminationProtection");
        self.stacks.lock().unwrap().get_mut(stack).unwrap().protected = on;
        Ok(())
    }
}

impl Objects for FakeCloud {
    async fn exists(&self, bucket: &str, key: &str) -> Result<bool, ApiError> {
        self.call("ListObjectsV2");
        Ok(self.objects.lock().unwrap().contains_key(&format!("{bucket}/{key}"))
            || self.objects.lock().unwrap().contains_key(key))
    }

    async fn put(&self, _bucket: &str, key: &str, body: Vec<u8>) -> Result<(), ApiError> {
        self.call("PutObject");
        self.objects.lock().unwrap().insert(key.into(), body);
        Ok(())
    }

    fn url(&self, bucket: &str, key: &str) -> String {
        format!("http://s3/{bucket}/{key}")
    }
}

impl Queues for FakeCloud {
    async fn message_count(&self, queue_url: &str) -> Result<Option<u64>, ApiError> {
        self.call("GetQueueAttributes");
        self.queue_messages.lock().unwrap().get(queue_url).cloned().unwrap_or(Ok(Some(0)))
    }
}

struct Bytes;
impl AssetBytes for Bytes {
    fn bytes(&self, asset: &Asset) -> Result<Vec<u8>, String> {
        Ok(asset.source.name().as_bytes().to_vec())
    }
}

#[derive(Default)]
struct Log {
    lines: Mutex<Vec<String>>,
    answer: bool,
}

impl Reporter for Log {
    fn report(&self, event: Event<'_>) {
        let line = match event {
            Event::NoChanges { stack } => format!("{stack}: no changes"),
            Event::Plan { stack, diff } => format!("{stack}: plan {}", diff.plan()),
            Event::Finished { stack, status, .. } => format!("{stack}: {status}"),
            Event::CleaningUp { stack, status } => format!("{stack}: cleaning up {status}"),
            Event::AssetUploaded { key, .. } => format!("uploaded {key}"),
            _ => return,
        };
        self.lines.lock().unwrap().push(line);
    }

    fn confirm(&self, _question: &str) -> bool {
        self.answer
    }
}

fn lake() -> EnvironmentOutput {
    synth_environment(&sdlf_pipelines::lake(), "local", &StandInFingerprints).unwrap()
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
    }
}

async fn deploy(cloud: &FakeCloud, out: &EnvironmentOutput, options: DeployOptions) -> Vec<(String, StackResult)> {
    let log = Log::default();
    let interrupts = Interrupts::default();
    let d = Deployer {
        stacks: cloud,
        objects: cloud,
        queues: cloud,
        assets: &Bytes,
        reporter: &log,
        interrupts: &interrupts,
        options,
    };
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
    let mut changed = out.clone();
    let team = changed.stacks.iter_mut().find(|s| s.name == TEAM).unwrap();
    team.body = team.body.replace("SDLF team engineering", "SDLF team engineering (edited)");
    assert_ne!(team.body, out.stacks.iter().find(|s| s.name == TEAM).unwrap().body, "the edit applies");
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
    let denied =
        ApiError { operation: "GetQueueAttributes", stack: None, message: "access denied".into(), throttled: false };
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
