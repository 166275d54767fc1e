//! The diff for people: per stack a header, the sections in CloudFormation's order (IAM table
//! first, as security changes deserve the first look), the plan line; then a total.

use std::fmt::Write;

use similar::{ChangeTag, TextDiff};

use super::table::{self, Row};
use super::value::{inline, lines};
use super::{Paint, Style};
use crate::model::{
    Cause, Disagreement, EntryChange, EntryChangeKind, IamChange, IamChangeKind, Impact, Origin, ResourceChange,
    ResourceChangeKind, TemplateDiff, ValueChange,
};
use crate::plan::Plan;

/// Renders the diffs of several stacks; the total is shown when there is more than one.
pub fn render_text(diffs: &[TemplateDiff], style: &Style) -> String {
    let mut out = String::new();
    let mut total = Plan::default();
    for (i, d) in diffs.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        stack(&mut out, d, style);
        total += d.plan();
    }
    if diffs.len() > 1 {
        let _ = writeln!(out, "\nTotal ({} stacks): {total}", diffs.len());
    }
    out
}

fn stack(out: &mut String, d: &TemplateDiff, style: &Style) {
    let title = style.paint(Paint::Bold, &format!("Stack {}", d.stack));
    if d.is_empty() && d.disagreements.is_empty() {
        let _ = writeln!(out, "{title}: no changes");
        notes(out, d);
        return;
    }
    let note = if d.deployed { "" } else { " (not deployed yet: everything is added)" };
    let _ = writeln!(out, "{title}{note}");
    notes(out, d);

    if !d.template.is_empty() {
        heading(out, "Template", style);
        for c in &d.template {
            value_change(out, "", "", c, style);
        }
    }
    if !d.iam.is_empty() {
        heading(out, "IAM Statement Changes", style);
        iam_table(out, &d.iam, style);
    }
    entries(out, "Parameters", &d.parameters, style);
    entries(out, "Rules", &d.rules, style);
    entries(out, "Mappings", &d.mappings, style);
    entries(out, "Conditions", &d.conditions, style);
    if !d.resources.is_empty() {
        heading(out, "Resources", style);
        for r in &d.resources {
            let _ = writeln!(out, "{}", resource_line(r, style));
            children(out, &r.changes, style);
        }
    }
    entries(out, "Outputs", &d.outputs, style);
    if !d.disagreements.is_empty() {
        heading(out, "Change set disagrees with the template diff (the change set wins)", style);
        for dis in &d.disagreements {
            let _ = writeln!(out, "  {}", disagreement(dis));
        }
    }
    let _ = writeln!(out, "\nPlan: {}", d.plan());
}

fn notes(out: &mut String, d: &TemplateDiff) {
    for n in &d.notes {
        let _ = writeln!(out, "  note: {n}");
    }
}

fn heading(out: &mut String, title: &str, style: &Style) {
    let _ = writeln!(out, "\n{}", style.paint(Paint::Bold, title));
}

fn marker(kind: EntryChangeKind, style: &Style) -> String {
    match kind {
        EntryChangeKind::Added => style.paint(Paint::Green, "[+]"),
        EntryChangeKind::Removed => style.paint(Paint::Red, "[-]"),
        EntryChangeKind::Modified => style.paint(Paint::Yellow, "[~]"),
    }
}

fn entries(out: &mut String, title: &str, entries: &[EntryChange], style: &Style) {
    if entries.is_empty() {
        return;
    }
    heading(out, title, style);
    for e in entries {
        let _ = writeln!(out, "{} {}", marker(e.kind, style), e.name);
        children(out, &e.changes, style);
    }
}

fn resource_line(r: &ResourceChange, style: &Style) -> String {
    let kind = match r.kind {
        ResourceChangeKind::Added => EntryChangeKind::Added,
        ResourceChangeKind::Removed => EntryChangeKind::Removed,
        ResourceChangeKind::Modified | ResourceChangeKind::TypeChanged => EntryChangeKind::Modified,
    };
    let mut notes = Vec::new();
    if let Some(old) = &r.old_type {
        notes.push(format!("type {old} → {}", r.resource_type));
    }
    match (r.impact, r.retained_by) {
        (Impact::Destroy, Some(policy)) => {
            notes.push(format!("removed from the stack, kept by DeletionPolicy {}", policy.as_str()))
        }
        (Impact::Destroy, None) => notes.push(style.paint(Paint::BoldRed, "destroy")),
        (Impact::Replace, _) => notes.push(style.paint(Paint::BoldRed, "replace")),
        (Impact::MayReplace, _) => notes.push(style.paint(Paint::Yellow, "may be replaced")),
        (Impact::Add | Impact::Update, _) => {}
    }
    if let Some(data) = r.loses_data() {
        let verb = if r.impact == Impact::MayReplace { "may lose" } else { "loses" };
        notes.push(style.paint(Paint::BoldRed, &format!("{verb} {data}")));
    } else if let (Some(policy), Impact::Replace | Impact::MayReplace) = (r.retained_by, r.impact) {
        notes.push(format!("old one kept by UpdateReplacePolicy {}", policy.as_str()));
    }
    if r.origin == Origin::ChangeSet {
        notes.push("changes at deploy time: resolved values".to_owned());
    }
    let notes = if notes.is_empty() { String::new() } else { format!(" ({})", notes.join(", ")) };
    format!("{} {} {}{notes}", marker(kind, style), r.resource_type, r.logical_id)
}

/// The changes of an entry as a tree under it.
fn children(out: &mut String, changes: &[ValueChange], style: &Style) {
    for (i, c) in changes.iter().enumerate() {
        let last = i + 1 == changes.len();
        let (connector, continuation) = if last { (" └─ ", "    ") } else { (" ├─ ", " │  ") };
        value_change(out, connector, continuation, c, style);
    }
}

/// One changed value: inline `old → new` when both sides are short scalars, otherwise the
/// head line and a unified diff of the two values beneath it.
fn value_change(out: &mut String, connector: &str, continuation: &str, c: &ValueChange, style: &Style) {
    let mut notes = Vec::new();
    match &c.cause {
        Cause::Template => {}
        Cause::Replacement { of, certain: true } => notes.push(format!("may change: {of} is replaced")),
        Cause::Replacement { of, certain: false } => notes.push(format!("may change: {of} may be replaced")),
        Cause::DeployTime => notes.push("changes at deploy time: resolved values".to_owned()),
    }
    match c.impact {
        Impact::Replace => notes.push(style.paint(Paint::BoldRed, "requires replacement")),
        Impact::MayReplace => notes.push(style.paint(Paint::Yellow, "may cause replacement")),
        _ => {}
    }
    let notes = if notes.is_empty() { String::new() } else { format!(" ({})", notes.join("; ")) };
    let mark = match (&c.old, &c.new) {
        (None, Some(_)) if c.cause == Cause::Template => style.paint(Paint::Green, "[+]"),
        (Some(_), None) => style.paint(Paint::Red, "[-]"),
        _ => style.paint(Paint::Yellow, "[~]"),
    };
    let path = c.path.to_string();
    let label = |values: &str| match (path.is_empty(), values.is_empty()) {
        (true, _) => values.to_owned(),
        (false, true) => path.clone(),
        (false, false) => format!("{path}: {values}"),
    };

    let short = |v: &Option<sdlf_cfn::Expr>| v.as_ref().map(inline);
    let values = match (&c.cause, short(&c.old), short(&c.new)) {
        (Cause::DeployTime, _, _) => Some(String::new()),
        // The template value is unchanged: show it once, if it fits.
        (Cause::Replacement { .. }, old, _) => Some(old.flatten().unwrap_or_default()),
        (Cause::Template, Some(Some(old)), Some(Some(new))) => Some(format!("{old} → {new}")),
        (Cause::Template, None, Some(Some(new))) => Some(new),
        (Cause::Template, Some(Some(old)), None) => Some(old),
        (Cause::Template, _, _) => None,
    };
    match values {
        Some(values) => {
            let _ = writeln!(out, "{connector}{mark} {}{notes}", label(&values));
        }
        None => {
            let head = if path.is_empty() { String::new() } else { format!(" {path}") };
            let _ = writeln!(out, "{connector}{mark}{head}{notes}:");
            unified(out, &format!("{continuation}    "), &lines(c.old.as_ref()), &lines(c.new.as_ref()), style);
        }
    }
}

fn unified(out: &mut String, indent: &str, old: &str, new: &str, style: &Style) {
    let diff = TextDiff::from_lines(old, new);
    for (i, group) in diff.grouped_ops(style.context_lines).iter().enumerate() {
        if i > 0 {
            let _ = writeln!(out, "{indent}  {}", style.paint(Paint::Dim, "…"));
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let text = change.value().trim_end_matches('\n');
                let line = match change.tag() {
                    ChangeTag::Delete => style.paint(Paint::Red, &format!("- {text}")),
                    ChangeTag::Insert => style.paint(Paint::Green, &format!("+ {text}")),
                    ChangeTag::Equal => format!("  {text}"),
                };
                // No trailing blanks: an unchanged empty line is just the newline.
                let _ = writeln!(out, "{}", format!("{indent}{line}").trim_end());
            }
        }
    }
}

fn iam_table(out: &mut String, changes: &[IamChange], style: &Style) {
    let rows: Vec<Row> = changes
        .iter()
        .map(|c| Row {
            cells: vec![
                vec![c.kind.sign().to_owned()],
                vec![c.resource.clone()],
                vec![c.effect.clone()],
                c.actions.clone(),
                c.resources.clone(),
                c.principals.clone(),
                c.conditions.clone(),
            ],
            sign: Some(match c.kind {
                IamChangeKind::Added => Paint::Green,
                IamChangeKind::Removed => Paint::Red,
            }),
        })
        .collect();
    let headers = ["", "Held by", "Effect", "Action", "Resource", "Principal", "Condition"];
    out.push_str(&table::draw(&headers, &rows, style, true));
    out.push_str("(Policy documents only: grants without one, such as AWS::Lambda::Permission, are not listed.)\n");
}

fn disagreement(d: &Disagreement) -> String {
    let word = |i: Impact| match i {
        Impact::MayReplace => "may replace",
        other => other.as_str(),
    };
    match (d.template, d.change_set) {
        (Some(t), Some(c)) => format!("{}: template diff says {}, change set says {}", d.logical_id, word(t), word(c)),
        (None, Some(c)) => {
            format!("{}: only in the change set: {} (values resolved at deploy time)", d.logical_id, word(c))
        }
        (Some(t), None) => format!("{}: template diff says {}, change set lists no change", d.logical_id, word(t)),
        (None, None) => format!("{}: no change either way", d.logical_id),
    }
}

/// One line for all the stacks: `no changes (8 stacks)`, or `2 of 8 stacks change: 1 to add,
/// 3 to change (0 replace), 0 to destroy` — what a pipeline's approval shows before a deploy.
pub fn summary_line(diffs: &[TemplateDiff]) -> String {
    let changing: Vec<&TemplateDiff> = diffs.iter().filter(|d| !d.is_empty()).collect();
    let stacks = |n: usize| if n == 1 { "1 stack".to_owned() } else { format!("{n} stacks") };
    if changing.is_empty() {
        return format!("no changes ({})", stacks(diffs.len()));
    }
    let mut total = Plan::default();
    for d in &changing {
        total += d.plan();
    }
    let verb = if changing.len() == 1 { "changes" } else { "change" };
    format!("{} of {} {verb}: {total}", changing.len(), stacks(diffs.len()))
}
