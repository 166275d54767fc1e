//! The template diff: section by section, then replacement propagation and IAM statements.

use indexmap::IndexMap;
use sdlf_cfn::{Expr, Output, Parameter, Resource, Rule, SpecLookup, Template};

use crate::iam;
use crate::impact::{change_impact, propagate_replacements, resource_impact, retaining};
use crate::model::{
    Cause, EntryChange, EntryChangeKind, Impact, Origin, Path, ResourceChange, ResourceChangeKind, TemplateDiff,
    ValueChange,
};
use crate::tree::{diff_maps, diff_values, same_resource};

/// Compares the deployed template (`None`: the stack does not exist yet, so everything is
/// added) with the new one. Pure and linear in the size of the templates.
pub fn diff(old: Option<&Template>, new: &Template, specs: &dyn SpecLookup) -> TemplateDiff {
    let empty = Template::default();
    let deployed = old.is_some();
    let old = old.unwrap_or(&empty);

    let mut resources = diff_resources(old, new, specs);
    // Statements can only differ in resources the templates differ in: scanning just those
    // keeps the IAM table's cost proportional to the change, not to the stack.
    let changed: Vec<&str> = resources.iter().map(|r| r.logical_id.as_str()).collect();
    let iam = iam::changes(old, new, &changed);
    propagate_replacements(&mut resources, new, specs);
    // Propagation appends resources that had no change of their own: back to template order,
    // removed resources last in their old order.
    let rank = |r: &ResourceChange| {
        new.resources
            .get_index_of(&r.logical_id)
            .unwrap_or_else(|| new.resources.len() + old.resources.get_index_of(&r.logical_id).unwrap_or(0))
    };
    resources.sort_by_cached_key(rank);

    TemplateDiff {
        stack: new.name.clone(),
        deployed,
        // For a new stack every top-level value is new: listing them says nothing.
        template: if deployed { template_values(old, new) } else { Vec::new() },
        parameters: diff_entries(&old.parameters, &new.parameters, parameter_view),
        rules: diff_entries(&old.rules, &new.rules, rule_view),
        mappings: diff_entries(&old.mappings, &new.mappings, |m| {
            Expr::Map(m.iter().map(|(k, v)| (k.clone(), Expr::Map(v.clone()))).collect())
        }),
        conditions: diff_entries(&old.conditions, &new.conditions, Expr::clone),
        resources,
        outputs: diff_entries(&old.outputs, &new.outputs, output_view),
        iam,
        disagreements: Vec::new(),
        notes: Vec::new(),
    }
}

fn template_values(old: &Template, new: &Template) -> Vec<ValueChange> {
    let mut out = Vec::new();
    let string = |s: &Option<String>| s.as_ref().map(|s| Expr::String(s.clone()));
    let pairs = [
        ("AWSTemplateFormatVersion", string(&old.format_version), string(&new.format_version)),
        ("Description", string(&old.description), string(&new.description)),
        ("Transform", old.transform.clone(), new.transform.clone()),
    ];
    for (key, o, n) in &pairs {
        diff_values(&mut Path::key(*key), o.as_ref(), n.as_ref(), &mut out);
    }
    diff_maps(&mut Path::key("Metadata"), &old.metadata, &new.metadata, &mut out);
    out
}

/// A named section: added, modified (with the changed values of the entry's `view`), removed.
fn diff_entries<V: PartialEq>(
    old: &IndexMap<String, V>,
    new: &IndexMap<String, V>,
    view: impl Fn(&V) -> Expr,
) -> Vec<EntryChange> {
    let mut out = Vec::new();
    for (name, n) in new {
        let (kind, changes) = match old.get(name) {
            None => (EntryChangeKind::Added, Vec::new()),
            Some(o) if o == n => continue,
            Some(o) => {
                let mut changes = Vec::new();
                diff_values(&mut Path::default(), Some(&view(o)), Some(&view(n)), &mut changes);
                (EntryChangeKind::Modified, changes)
            }
        };
        out.push(EntryChange { name: name.clone(), kind, changes });
    }
    for name in old.keys().filter(|k| !new.contains_key(*k)) {
        out.push(EntryChange { name: name.clone(), kind: EntryChangeKind::Removed, changes: Vec::new() });
    }
    out
}

/// Parameters and rules hold only literals (rule functions aside), so their JSON form read
/// back as literals is a faithful view, and `sdlf-cfn` stays the one place that knows their keys.
fn parameter_view(p: &Parameter) -> Expr {
    serde_json::to_value(p).map(literal).unwrap_or(Expr::Null)
}

fn rule_view(r: &Rule) -> Expr {
    serde_json::to_value(r).map(literal).unwrap_or(Expr::Null)
}

fn literal(value: serde_json::Value) -> Expr {
    use serde_json::Value;
    match value {
        Value::Null => Expr::Null,
        Value::Bool(b) => Expr::Bool(b),
        Value::Number(n) => Expr::Number(n),
        Value::String(s) => Expr::String(s),
        Value::Array(items) => Expr::List(items.into_iter().map(literal).collect()),
        Value::Object(entries) => Expr::Map(entries.into_iter().map(|(k, v)| (k, literal(v))).collect()),
    }
}

/// Outputs hold intrinsics, so they are viewed as expressions (shown as `!Ref X`, not JSON).
fn output_view(o: &Output) -> Expr {
    let mut m = IndexMap::new();
    if let Some(d) = &o.description {
        m.insert("Description".to_owned(), Expr::String(d.clone()));
    }
    if let Some(c) = &o.condition {
        m.insert("Condition".to_owned(), Expr::String(c.clone()));
    }
    m.insert("Value".to_owned(), o.value.clone());
    if let Some(name) = &o.export_name {
        m.insert("Export".to_owned(), Expr::map([("Name", name.clone())]));
    }
    Expr::Map(m)
}

fn diff_resources(old: &Template, new: &Template, specs: &dyn SpecLookup) -> Vec<ResourceChange> {
    let mut out = Vec::new();
    for (id, n) in &new.resources {
        match old.resources.get(id) {
            None => out.push(ResourceChange {
                logical_id: id.clone(),
                resource_type: n.type_name.clone(),
                old_type: None,
                kind: ResourceChangeKind::Added,
                impact: Impact::Add,
                origin: Origin::Template,
                changes: Vec::new(),
                holds_data: None,
                retained_by: None,
            }),
            Some(o) if same_resource(o, n) => {}
            Some(o) if o.type_name != n.type_name => {
                // Property paths of two different types say nothing about replacement: the
                // type change itself replaces. The old physical resource is the one that goes.
                let changes = attribute_changes(o, n, None);
                out.push(ResourceChange {
                    old_type: Some(o.type_name.clone()),
                    kind: ResourceChangeKind::TypeChanged,
                    impact: Impact::Replace,
                    holds_data: specs.spec(&o.type_name).and_then(|s| s.holds_data),
                    ..modified_resource(id, n, changes, specs)
                });
            }
            Some(o) => {
                let changes = attribute_changes(o, n, specs.spec(&n.type_name));
                // Unequal only in `DependsOn` order: no change to CloudFormation.
                if !changes.is_empty() {
                    out.push(modified_resource(id, n, changes, specs));
                }
            }
        }
    }
    for (id, o) in old.resources.iter().filter(|(id, _)| !new.resources.contains_key(*id)) {
        out.push(ResourceChange {
            logical_id: id.clone(),
            resource_type: o.type_name.clone(),
            old_type: None,
            kind: ResourceChangeKind::Removed,
            impact: Impact::Destroy,
            origin: Origin::Template,
            changes: Vec::new(),
            holds_data: specs.spec(&o.type_name).and_then(|s| s.holds_data),
            retained_by: retaining(o.deletion_policy),
        });
    }
    out
}

/// A resource present in both templates with these changes. A replacement is governed by the
/// new template's `UpdateReplacePolicy`: it is the one in force during the update.
pub(crate) fn modified_resource(
    id: &str,
    new: &Resource,
    changes: Vec<ValueChange>,
    specs: &dyn SpecLookup,
) -> ResourceChange {
    ResourceChange {
        logical_id: id.to_owned(),
        resource_type: new.type_name.clone(),
        old_type: None,
        kind: ResourceChangeKind::Modified,
        impact: resource_impact(&changes),
        origin: Origin::Template,
        changes,
        holds_data: specs.spec(&new.type_name).and_then(|s| s.holds_data),
        retained_by: retaining(new.update_replace_policy),
    }
}

/// Every resource attribute that changed, in the order CloudFormation JSON lists them, each
/// property change classified by `spec` (none: all updates).
fn attribute_changes(o: &Resource, n: &Resource, spec: Option<&sdlf_cfn::ResourceSpec>) -> Vec<ValueChange> {
    let mut out = Vec::new();
    let string = |s: Option<&str>| s.map(Expr::string);
    diff_values(
        &mut Path::key("Condition"),
        string(o.condition.as_deref()).as_ref(),
        string(n.condition.as_deref()).as_ref(),
        &mut out,
    );
    // DependsOn is a set: its order means nothing to CloudFormation.
    let mut old_deps: Vec<&String> = o.depends_on.iter().collect();
    let mut new_deps: Vec<&String> = n.depends_on.iter().collect();
    old_deps.sort_unstable();
    new_deps.sort_unstable();
    if old_deps != new_deps {
        let list = |d: &[String]| (!d.is_empty()).then(|| Expr::list(d.iter().map(String::as_str)));
        // One change for the whole list: element-wise paths into a set would mislead.
        out.push(ValueChange {
            path: Path::key("DependsOn"),
            old: list(&o.depends_on),
            new: list(&n.depends_on),
            impact: Impact::Update,
            cause: Cause::Template,
        });
    }
    diff_values(&mut Path::key("Metadata"), o.metadata.as_ref(), n.metadata.as_ref(), &mut out);
    let first_property = out.len();
    diff_maps(&mut Path::key("Properties"), &o.properties, &n.properties, &mut out);
    for change in &mut out[first_property..] {
        change.impact = change_impact(spec, &change.path);
    }
    let policy = |p: Option<sdlf_cfn::DeletionPolicy>| p.map(|p| Expr::string(p.as_str()));
    diff_values(
        &mut Path::key("DeletionPolicy"),
        policy(o.deletion_policy).as_ref(),
        policy(n.deletion_policy).as_ref(),
        &mut out,
    );
    diff_values(
        &mut Path::key("UpdateReplacePolicy"),
        policy(o.update_replace_policy).as_ref(),
        policy(n.update_replace_policy).as_ref(),
        &mut out,
    );
    diff_values(&mut Path::key("UpdatePolicy"), o.update_policy.as_ref(), n.update_policy.as_ref(), &mut out);
    diff_values(&mut Path::key("CreationPolicy"), o.creation_policy.as_ref(), n.creation_policy.as_ref(), &mut out);
    out
}
