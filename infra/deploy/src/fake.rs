//! CloudFormation, S3 and SQS in memory, behind the engine's interfaces ([`Stacks`],
//! [`Objects`], [`Queues`]): the deploy engine's tests and the CLI's output snapshots run on it.
//!
//! Why a fake and not the emulator: every interleaving of two runs and every point of an
//! interruption has to be reached on purpose, in virtual time, and the CLI's whole output is
//! pinned byte for byte; MiniStack finishes each operation inside the call that starts it
//! and stamps real times, so neither is possible there. Only with the `fake` feature (tests).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use sdlf_diff::{ChangeSetAction, ChangeSetChange, Replacement};

use crate::api::{
    ApiError, ChangeSetRequest, ChangeSetState, ChangeSetSummary, DeployedStack, Objects, Queues, StackEvent, Stacks,
    TemplateSource,
};

#[derive(Debug, Clone, Default)]
pub struct FakeStack {
    pub status: String,
    pub template: String,
    pub parameters: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub protected: bool,
    pub events: Vec<StackEvent>,
}

#[derive(Debug, Clone)]
pub struct FakeChangeSet {
    pub request: ChangeSetRequest,
    pub state: ChangeSetState,
    /// Describes left before CloudFormation has worked it out (see `FakeCloud::pending_polls`).
    pub pending: usize,
    pub created: std::time::SystemTime,
}

/// CloudFormation in memory. Operations finish at once; a resource listed in `failing` fails,
/// and the stack rolls back.
#[derive(Default)]
pub struct FakeCloud {
    pub stacks: Mutex<BTreeMap<String, FakeStack>>,
    pub change_sets: Mutex<BTreeMap<(String, String), FakeChangeSet>>,
    pub objects: Mutex<BTreeMap<String, Vec<u8>>>,
    pub calls: Mutex<Vec<String>>,
    /// (stack, logical id) of resources that fail.
    pub failing: Mutex<BTreeSet<(String, String)>>,
    /// GetQueueAttributes' answer by queue URL (see [`queue_url`]); an unlisted queue is empty.
    pub queue_messages: Mutex<BTreeMap<String, Result<Option<u64>, ApiError>>>,
    pub event_counter: Mutex<u64>,
    /// Every CreateChangeSet request, in order.
    pub requests: Mutex<Vec<ChangeSetRequest>>,
    /// How many DescribeChangeSet calls answer CREATE_PENDING before the answer (0: at once).
    pub pending_polls: usize,
    /// Updates stay UPDATE_IN_PROGRESS until the next DescribeStacks (or a cancel).
    pub slow_updates: bool,
    /// Stack → the status and template an update in progress ends with.
    pub in_progress: Mutex<BTreeMap<String, (String, String)>>,
    /// A stack that another run updates right after this run's CreateChangeSet on it, which
    /// sweeps this run's change set away (CloudFormation deletes a stack's other change sets
    /// when it executes one).
    pub interloper: Mutex<Option<String>>,
    /// Stacks whose deletion fails (DELETE_FAILED), as a bucket with objects does.
    pub failing_deletes: Mutex<BTreeSet<String>>,
    /// Every PutObject key, in order.
    pub puts: Mutex<Vec<String>>,
}

impl FakeCloud {
    pub fn call(&self, c: &str) {
        self.calls.lock().unwrap().push(c.to_owned());
    }

    pub fn take_calls(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    /// Another run's change set on `stack`, `age` old.
    pub fn rival(&self, stack: &str, name: &str, age: std::time::Duration) {
        let request = ChangeSetRequest {
            stack: stack.into(),
            name: name.into(),
            create: false,
            template: TemplateSource::Body(String::new()),
            parameters: BTreeMap::new(),
            tags: BTreeMap::new(),
            description: "another run".into(),
            role_arn: None,
        };
        let state = ChangeSetState { status: "CREATE_COMPLETE".into(), reason: None, changes: Vec::new() };
        self.change_sets.lock().unwrap().insert(
            (stack.into(), name.into()),
            FakeChangeSet { request, state, pending: 0, created: std::time::SystemTime::now() - age },
        );
    }

    pub fn listing_of_change_sets(&self, stack: &str) -> Vec<ChangeSetSummary> {
        let sets = self.change_sets.lock().unwrap();
        sets.iter()
            .filter(|((s, _), _)| s == stack)
            .map(|((_, name), c)| {
                let (status, execution) = match (c.pending, c.state.status.as_str()) {
                    (1.., _) => ("CREATE_PENDING", "UNAVAILABLE"),
                    (_, "FAILED") => ("FAILED", "UNAVAILABLE"),
                    _ => ("CREATE_COMPLETE", "AVAILABLE"),
                };
                ChangeSetSummary {
                    name: name.clone(),
                    status: status.into(),
                    execution_status: execution.into(),
                    created: Some(c.created),
                }
            })
            .collect()
    }

    pub fn status(&self, stack: &str) -> Option<String> {
        self.stacks.lock().unwrap().get(stack).map(|s| s.status.clone())
    }

    pub fn listing(&self) -> BTreeMap<String, DeployedStack> {
        self.stacks.lock().unwrap().iter().map(|(n, s)| (n.clone(), deployed(n, s))).collect()
    }

    pub fn event(&self, stack: &mut FakeStack, logical_id: &str, status: &str, reason: Option<&str>) {
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

pub fn deployed(name: &str, s: &FakeStack) -> DeployedStack {
    DeployedStack {
        name: name.into(),
        id: format!("arn:aws:cloudformation:us-east-1:000000000000:stack/{name}/1"),
        status: s.status.clone(),
        parameters: s.parameters.clone(),
        tags: s.tags.clone(),
        termination_protection: s.protected,
        outputs: outputs(name, &s.template),
        ..DeployedStack::default()
    }
}

/// A deployed template's outputs: a literal value as it is, anything CloudFormation would
/// resolve as `{stack}.{key}`.
fn outputs(stack: &str, body: &str) -> BTreeMap<String, String> {
    let template: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let Some(outputs) = template["Outputs"].as_object() else { return BTreeMap::new() };
    outputs
        .iter()
        .map(|(key, o)| (key.clone(), o["Value"].as_str().map_or_else(|| format!("{stack}.{key}"), str::to_owned)))
        .collect()
}

/// The physical id of a deployed resource, as a change set gives it: a queue's is its URL.
pub fn physical_id(stack: &str, logical_id: &str, resource_type: &str) -> String {
    if resource_type == "AWS::SQS::Queue" { queue_url(stack, logical_id) } else { format!("{stack}-{logical_id}") }
}

pub fn queue_url(stack: &str, logical_id: &str) -> String {
    format!("https://sqs.us-east-1.amazonaws.com/000000000000/{stack}-{logical_id}")
}

pub fn resources(body: &str) -> BTreeMap<String, serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    v["Resources"].as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default()
}

/// The create-only properties of the types these tests change, as the CloudFormation resource
/// reference documents them ("Update requires: Replacement"). Test data of the fake's own, not
/// the resource specs the code under test reads: the fake answers as CloudFormation would, so
/// a wrong spec in the code shows up as a disagreement instead of agreeing with itself.
pub const CREATE_ONLY: &[(&str, &str)] = &[
    ("AWS::S3::Bucket", "BucketName"),
    ("AWS::SQS::Queue", "QueueName"),
    ("AWS::SQS::Queue", "FifoQueue"),
    ("AWS::DynamoDB::Table", "TableName"),
    ("AWS::Lambda::Function", "FunctionName"),
];

/// As CloudFormation decides it: a changed create-only property replaces.
pub fn replacement(old: &serde_json::Value, new: &serde_json::Value) -> Replacement {
    let resource_type = new["Type"].as_str().unwrap_or_default();
    let (o, n) = (&old["Properties"], &new["Properties"]);
    let keys: BTreeSet<&String> = o.as_object().into_iter().chain(n.as_object()).flat_map(|m| m.keys()).collect();
    let replaces = keys
        .into_iter()
        .filter(|k| o.get(k.as_str()) != n.get(k.as_str()))
        .any(|k| CREATE_ONLY.contains(&(resource_type, k.as_str())));
    if replaces { Replacement::True } else { Replacement::False }
}

impl Stacks for FakeCloud {
    async fn describe(&self, stack: &str) -> Result<Option<DeployedStack>, ApiError> {
        self.call("DescribeStacks");
        let mut stacks = self.stacks.lock().unwrap();
        let answer = stacks.get(stack).map(|s| deployed(stack, s));
        // An update in progress ends after one look.
        if let Some((status, template)) = self.in_progress.lock().unwrap().remove(stack) {
            let s = stacks.get_mut(stack).unwrap();
            s.status = status;
            s.template = template;
        }
        Ok(answer)
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
        let exists = stacks.get(&r.stack).is_some_and(|s| s.status != "REVIEW_IN_PROGRESS");
        if r.create && exists {
            return Err(conflict("CreateChangeSet", format!("Stack [{}] already exists", r.stack)));
        }
        if r.create && !stacks.contains_key(&r.stack) {
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
        let fake = FakeChangeSet { request, state, pending: self.pending_polls, created: std::time::SystemTime::now() };
        self.change_sets.lock().unwrap().insert((r.stack.clone(), r.name.clone()), fake);
        drop(stacks);
        if self.interloper.lock().unwrap().as_deref() == Some(r.stack.as_str()) {
            *self.interloper.lock().unwrap() = None;
            let mut stacks = self.stacks.lock().unwrap();
            let s = stacks.get_mut(&r.stack).unwrap();
            s.template = s.template.replace("\"Description\": \"", "\"Description\": \"(another run) ");
            s.status = "UPDATE_COMPLETE".into();
            self.change_sets.lock().unwrap().retain(|(st, _), _| st != &r.stack);
        }
        Ok(())
    }

    async fn change_set(&self, stack: &str, name: &str) -> Result<Option<ChangeSetState>, ApiError> {
        self.call("DescribeChangeSet");
        let mut sets = self.change_sets.lock().unwrap();
        let Some(c) = sets.get_mut(&(stack.into(), name.into())) else { return Ok(None) };
        if c.pending > 0 {
            c.pending -= 1;
            return Ok(Some(ChangeSetState { status: "CREATE_PENDING".into(), reason: None, changes: Vec::new() }));
        }
        Ok(Some(c.state.clone()))
    }

    async fn change_sets(&self, stack: &str) -> Result<Vec<ChangeSetSummary>, ApiError> {
        self.call("ListChangeSets");
        let listing = self.listing_of_change_sets(stack);
        // The answer is as of the request, and the round trip lets another run go on: two
        // runs can look before either has made its change set.
        tokio::task::yield_now().await;
        Ok(listing)
    }

    async fn execute_change_set(&self, stack: &str, name: &str) -> Result<(), ApiError> {
        self.call("ExecuteChangeSet");
        let Some(cs) = self.change_sets.lock().unwrap().remove(&(stack.into(), name.into())) else {
            return Err(conflict("ExecuteChangeSet", format!("ChangeSet [{name}] does not exist")));
        };
        // As CloudFormation does: executing one change set deletes the stack's others.
        self.change_sets.lock().unwrap().retain(|(s, _), _| s != stack);
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
        } else if self.slow_updates && !create {
            s.status = "UPDATE_IN_PROGRESS".into();
            self.in_progress.lock().unwrap().insert(stack.into(), ("UPDATE_COMPLETE".into(), body.clone()));
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
        if self.failing_deletes.lock().unwrap().contains(stack) {
            let mut stacks = self.stacks.lock().unwrap();
            let s = stacks.get_mut(stack).unwrap();
            self.event(s, "DataBucket", "DELETE_FAILED", Some("The bucket you tried to delete is not empty"));
            s.status = "DELETE_FAILED".into();
            return Ok(());
        }
        self.stacks.lock().unwrap().remove(stack);
        Ok(())
    }

    async fn cancel_update(&self, stack: &str) -> Result<(), ApiError> {
        self.call("CancelUpdateStack");
        // The update in progress is rolled back (done after one more look): the template
        // stays as it was.
        let mut in_progress = self.in_progress.lock().unwrap();
        if in_progress.remove(stack).is_some() {
            let mut stacks = self.stacks.lock().unwrap();
            let s = stacks.get_mut(stack).unwrap();
            s.status = "UPDATE_ROLLBACK_IN_PROGRESS".into();
            in_progress.insert(stack.into(), ("UPDATE_ROLLBACK_COMPLETE".into(), s.template.clone()));
        }
        Ok(())
    }

    async fn set_termination_protection(&self, stack: &str, on: bool) -> Result<(), ApiError> {
        self.call("UpdateTerminationProtection");
        self.stacks.lock().unwrap().get_mut(stack).unwrap().protected = on;
        Ok(())
    }
}

pub fn conflict(operation: &'static str, message: String) -> ApiError {
    ApiError { operation, message, conflict: true, ..ApiError::default() }
}

impl Objects for FakeCloud {
    async fn exists(&self, bucket: &str, key: &str) -> Result<bool, ApiError> {
        self.call("ListObjectsV2");
        Ok(self.objects.lock().unwrap().contains_key(&format!("{bucket}/{key}"))
            || self.objects.lock().unwrap().contains_key(key))
    }

    async fn put(&self, _bucket: &str, key: &str, body: Vec<u8>) -> Result<(), ApiError> {
        self.call("PutObject");
        self.puts.lock().unwrap().push(key.into());
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
