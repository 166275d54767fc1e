//! The diff for programs (`sdlf diff --json`). The shape is stable: fields are only ever
//! added, and [`JSON_FORMAT_VERSION`] changes if one is renamed or removed.
//!
//! ```text
//! { "version": 1,
//!   "total": Plan,
//!   "stacks": [{
//!     "stack": "sdlf-foundations", "deployed": true, "plan": Plan,
//!     "template": [Change],                       // AWSTemplateFormatVersion, Description, Transform, Metadata
//!     "parameters" | "rules" | "mappings" | "conditions" | "outputs":
//!         [{ "name": "Env", "change": "added|removed|modified", "changes": [Change] }],
//!     "resources": [{ "logical_id": "RawBucket", "type": "AWS::S3::Bucket",
//!                     "old_type": "…",             // only when the type changed
//!                     "change": "added|removed|modified|type_changed",
//!                     "impact": "add|update|may_replace|replace|destroy",
//!                     "origin": "template|change_set",
//!                     "loses_data": "objects" | null,
//!                     "retained_by": "Retain" | null,
//!                     "changes": [Change] }],
//!     "iam": [{ "change": "added|removed", "held_by": "Role", "effect": "Allow",
//!               "actions": [..], "resources": [..], "principals": [..], "conditions": [..] }],
//!     "disagreements": [{ "logical_id": "Queue", "template": Impact | null, "change_set": Impact | null }],
//!     "notes": ["…"]
//!   }] }
//! Plan   = { "add": 1, "change": 2, "replace": 1, "may_replace": 0, "destroy": 0 }
//! Change = { "path": "Properties.BucketName", "old": <CloudFormation JSON>, "new": <…>,
//!            "impact": "update|may_replace|replace",
//!            "cause": "template" | "replacement" | "deploy_time",
//!            "replaced": "Role", "replacement_certain": true }   // only for cause "replacement"
//! ```
//! `old` / `new` are left out when the value is absent (or, for `deploy_time`, unknown).

use serde_json::{Map, Value, json};

use super::value;
use crate::model::{Cause, EntryChange, IamChange, ResourceChange, TemplateDiff, ValueChange};
use crate::plan::Plan;

/// Bumped when a field is renamed or removed (never for additions).
pub const JSON_FORMAT_VERSION: u64 = 1;

pub fn render_json(diffs: &[TemplateDiff]) -> Value {
    let mut total = Plan::default();
    let stacks: Vec<Value> = diffs
        .iter()
        .map(|d| {
            total += d.plan();
            stack(d)
        })
        .collect();
    json!({ "version": JSON_FORMAT_VERSION, "total": plan(&total), "stacks": stacks })
}

fn stack(d: &TemplateDiff) -> Value {
    let entries = |e: &[EntryChange]| e.iter().map(entry).collect::<Vec<_>>();
    json!({
        "stack": d.stack,
        "deployed": d.deployed,
        "plan": plan(&d.plan()),
        "template": d.template.iter().map(change).collect::<Vec<_>>(),
        "parameters": entries(&d.parameters),
        "rules": entries(&d.rules),
        "mappings": entries(&d.mappings),
        "conditions": entries(&d.conditions),
        "resources": d.resources.iter().map(resource).collect::<Vec<_>>(),
        "outputs": entries(&d.outputs),
        "iam": d.iam.iter().map(iam).collect::<Vec<_>>(),
        "disagreements": d.disagreements.iter().map(|x| json!({
            "logical_id": x.logical_id,
            "template": x.template.map(|i| i.as_str()),
            "change_set": x.change_set.map(|i| i.as_str()),
        })).collect::<Vec<_>>(),
        "notes": d.notes,
    })
}

fn plan(p: &Plan) -> Value {
    json!({ "add": p.add, "change": p.change, "replace": p.replace, "may_replace": p.may_replace, "destroy": p.destroy })
}

fn entry(e: &EntryChange) -> Value {
    json!({ "name": e.name, "change": e.kind.as_str(), "changes": e.changes.iter().map(change).collect::<Vec<_>>() })
}

fn resource(r: &ResourceChange) -> Value {
    let mut m = Map::new();
    m.insert("logical_id".into(), json!(r.logical_id));
    m.insert("type".into(), json!(r.resource_type));
    if let Some(old) = &r.old_type {
        m.insert("old_type".into(), json!(old));
    }
    m.insert("change".into(), json!(r.kind.as_str()));
    m.insert("impact".into(), json!(r.impact.as_str()));
    let origin = match r.origin {
        crate::model::Origin::Template => "template",
        crate::model::Origin::ChangeSet => "change_set",
    };
    m.insert("origin".into(), json!(origin));
    m.insert("loses_data".into(), json!(r.loses_data()));
    m.insert("retained_by".into(), json!(r.retained_by.map(|p| p.as_str())));
    m.insert("changes".into(), r.changes.iter().map(change).collect());
    Value::Object(m)
}

fn change(c: &ValueChange) -> Value {
    let mut m = Map::new();
    m.insert("path".into(), json!(c.path.to_string()));
    if let Some(old) = &c.old {
        m.insert("old".into(), value::json(old));
    }
    if let Some(new) = &c.new {
        m.insert("new".into(), value::json(new));
    }
    m.insert("impact".into(), json!(c.impact.as_str()));
    let cause = match &c.cause {
        Cause::Template => "template",
        Cause::Replacement { of, certain } => {
            m.insert("replaced".into(), json!(of));
            m.insert("replacement_certain".into(), json!(certain));
            "replacement"
        }
        Cause::DeployTime => "deploy_time",
    };
    m.insert("cause".into(), json!(cause));
    Value::Object(m)
}

fn iam(c: &IamChange) -> Value {
    let change = match c.kind {
        crate::model::IamChangeKind::Added => "added",
        crate::model::IamChangeKind::Removed => "removed",
    };
    json!({
        "change": change,
        "held_by": c.resource,
        "effect": c.effect,
        "actions": c.actions,
        "resources": c.resources,
        "principals": c.principals,
        "conditions": c.conditions,
    })
}
