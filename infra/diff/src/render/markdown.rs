//! The plan for a pull request: Markdown that code-review pages render (GitHub, GitLab,
//! CodeCommit). A summary first — per environment the stacks that change and the plan line,
//! then one highlighted line per replaced or deleted resource that holds data and per IAM
//! broadening — then one collapsible `<details>` section per changing stack with its
//! resource, property, IAM and other changes as tables.
//!
//! Comments have a size limit (CodeCommit 10,240 characters, GitHub 65,536). Over
//! [`MarkdownOptions::max_bytes`] whole stack sections are left out, the least severe first,
//! so every `<details>` that is written is also closed; the summary stays and a last line says
//! what was left out and where the full plan is. Bytes are counted, never fewer than
//! characters, so the limit holds for either count.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::value::inline;
use crate::model::{
    Disagreement, EntryChange, IamChange, IamChangeKind, Impact, ResourceChange, ResourceChangeKind, TemplateDiff,
    ValueChange,
};
use crate::plan::Plan;
use crate::{Cause, EntryChangeKind};

/// One environment's plan: its stacks' diffs, and what the deploy's data-loss guard would
/// refuse (by stack, the logical ids at risk, each with the condition of the refusal or
/// nothing), as the deploy engine decides it.
#[derive(Debug, Clone, Copy)]
pub struct EnvironmentPlan<'a> {
    pub environment: &'a str,
    pub diffs: &'a [TemplateDiff],
    pub refused: &'a BTreeMap<String, BTreeMap<String, String>>,
}

/// How the Markdown is cut to fit.
#[derive(Debug, Clone, Copy, Default)]
pub struct MarkdownOptions<'a> {
    /// The longest output, in bytes; `None`: no limit.
    pub max_bytes: Option<usize>,
    /// Where the whole plan can be read when this one is cut (e.g. the build's artifact).
    pub full_plan: Option<&'a str>,
}

/// The smallest limit that still holds the heading and the note on what was left out.
const FLOOR: usize = 512;
/// Names listed in the closing note before "and N more".
const LISTED_LEFT_OUT: usize = 12;
/// Characters of `full_plan` the note shows.
const FULL_PLAN_MAX: usize = 160;
/// Characters of a value shown in a table cell.
const CELL_MAX: usize = 80;

/// The plan of `plans` as Markdown, within `options.max_bytes`.
pub fn render_markdown(plans: &[EnvironmentPlan<'_>], options: &MarkdownOptions<'_>) -> String {
    let summary = summary(plans);
    let sections: Vec<Section> =
        plans.iter().flat_map(|p| p.diffs.iter().filter(|d| changes(d)).map(move |d| Section::of(p, d))).collect();
    let budget = options.max_bytes.map(|m| m.max(FLOOR));
    let whole = summary.len() + sections.iter().map(|s| s.text.len()).sum::<usize>();
    match budget {
        Some(max) if whole > max => cut(&summary, &sections, max, options.full_plan),
        _ => summary + &sections.iter().map(|s| s.text.as_str()).collect::<String>(),
    }
}

fn changes(d: &TemplateDiff) -> bool {
    !d.is_empty() || !d.disagreements.is_empty()
}

/// One stack's collapsible section, and how much a reviewer needs to see it.
struct Section {
    name: String,
    severity: u8,
    text: String,
}

impl Section {
    fn of(plan: &EnvironmentPlan<'_>, d: &TemplateDiff) -> Section {
        let refused = plan.refused.get(&d.stack);
        let severity = if refused.is_some_and(|r| !r.is_empty()) {
            3
        } else if d.resources.iter().any(|r| matches!(r.impact, Impact::Replace | Impact::Destroy)) {
            2
        } else if d.iam.iter().any(|c| c.kind == IamChangeKind::Added) {
            1
        } else {
            0
        };
        Section { name: format!("{}/{}", plan.environment, d.stack), severity, text: stack_section(plan, d) }
    }
}

/// The summary and the most severe sections that fit in `max`, in their original order, and
/// the note on the rest.
fn cut(summary: &str, sections: &[Section], max: usize, full_plan: Option<&str>) -> String {
    let whole = whole_plan(full_plan);
    // Room for the closing note at its shortest (no names): it always fits beside the heading.
    let reserve = note(sections.len(), &[], max, &whole).len();
    let summary = fit_summary(summary, max.saturating_sub(reserve));
    let mut used = summary.len() + reserve;
    // Most severe first; among equals, the plan's own order.
    let mut order: Vec<usize> = (0..sections.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sections[i].severity));
    let mut kept = vec![false; sections.len()];
    for i in order {
        if used + sections[i].text.len() <= max {
            used += sections[i].text.len();
            kept[i] = true;
        }
    }
    let mut out = summary;
    let mut left_out = Vec::new();
    for (section, kept) in sections.iter().zip(&kept) {
        if *kept { out.push_str(&section.text) } else { left_out.push(code(&section.name)) }
    }
    if !left_out.is_empty() {
        // As many of their names as still fit.
        let room = max.saturating_sub(out.len());
        let named = (0..=LISTED_LEFT_OUT.min(left_out.len()))
            .rev()
            .map(|n| note(left_out.len(), &left_out[..n], max, &whole))
            .find(|note| note.len() <= room)
            .unwrap_or_default();
        out.push_str(&named);
    }
    out
}

/// The summary, its lines cut from the end when it does not fit in `room`; the heading stays.
fn fit_summary(summary: &str, room: usize) -> String {
    if summary.len() <= room {
        return summary.to_owned();
    }
    let lines: Vec<&str> = summary.lines().collect();
    let mut out = format!("{}\n", lines[0]);
    for (i, line) in lines.iter().enumerate().skip(1) {
        let more = format!("\n- … and {} more lines of the summary\n\n", lines.len() - i);
        if out.len() + line.len() + 1 + more.len() > room {
            if out.len() + more.len() <= room {
                out.push_str(&more);
            }
            return out;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Where the whole plan is, cut to a length that leaves the note room.
fn whole_plan(full_plan: Option<&str>) -> String {
    match full_plan {
        Some(place) => format!("the full plan is in {}", place.chars().take(FULL_PLAN_MAX).collect::<String>()),
        None => "run `sdlf diff` for the full plan".to_owned(),
    }
}

/// The closing note: `count` sections left out, `names` (a prefix of them) named.
fn note(count: usize, names: &[String], max: usize, whole: &str) -> String {
    let sections = if count == 1 { "section" } else { "sections" };
    let named = match names.len() {
        0 => String::new(),
        n if n < count => format!(", the least severe ({}, and {} more)", names.join(", "), count - n),
        _ => format!(", the least severe ({})", names.join(", ")),
    };
    format!("\n_Left out to stay within {max} bytes: {count} stack {sections}{named}; {whole}._\n")
}

fn summary(plans: &[EnvironmentPlan<'_>]) -> String {
    let mut out = String::from("## sdlf plan\n\n| Environment | Stacks that change | Plan |\n| --- | --- | --- |\n");
    for p in plans {
        let changing = p.diffs.iter().filter(|d| !d.is_empty()).count();
        let mut total = Plan::default();
        for d in p.diffs {
            total += d.plan();
        }
        let plan = if changing == 0 { "no changes".to_owned() } else { total.to_string() };
        let _ = writeln!(out, "| {} | {changing} of {} | {plan} |", code(p.environment), p.diffs.len());
    }
    // Refused data losses first, then the other data at risk, then IAM; each in plan order.
    let mut highlights: Vec<(u8, String)> = plans.iter().flat_map(highlights).collect();
    highlights.sort_by_key(|(rank, _)| std::cmp::Reverse(*rank));
    if !highlights.is_empty() {
        out.push_str("\n**Needs a careful look**\n\n");
        for (_, line) in highlights {
            let _ = writeln!(out, "- {line}");
        }
    }
    out.push('\n');
    out
}

/// A line per replacement or deletion of a resource that holds data, and per IAM broadening.
fn highlights(plan: &EnvironmentPlan<'_>) -> Vec<(u8, String)> {
    let mut lines = Vec::new();
    for d in plan.diffs {
        let refused = plan.refused.get(&d.stack);
        for r in d.resources.iter().filter(|r| r.holds_data.is_some() && r.impact.may_lose_resource()) {
            let why = refused.and_then(|x| x.get(&r.logical_id));
            let rank = if why.is_some() { 2 } else { 1 };
            lines.push((rank, format!("{} · {}: {}", at_stack(plan, d), code(&r.logical_id), data_risk(r, why))));
        }
        let added: Vec<&IamChange> = d.iam.iter().filter(|c| c.kind == IamChangeKind::Added).collect();
        if !d.deployed && !added.is_empty() {
            // Everything of a new stack is new: one line, the statements are in its section.
            lines.push((0, format!("{}: a new stack with {} IAM statements", at_stack(plan, d), added.len())));
            continue;
        }
        for c in added {
            let (actions, on) = (listed(&c.actions, 4), listed(&c.resources, 3));
            let held = code(&c.resource);
            lines.push((
                0,
                format!("{}: IAM broadened: {held} gains {} {actions} on {on}", at_stack(plan, d), c.effect),
            ));
        }
    }
    lines
}

fn at_stack(plan: &EnvironmentPlan<'_>, d: &TemplateDiff) -> String {
    format!("{} · {}", code(plan.environment), code(&d.stack))
}

/// What happens to a data-holding resource's data, and what the guard does about it.
fn data_risk(r: &ResourceChange, refused: Option<&String>) -> String {
    let holds = r.holds_data.unwrap_or("data");
    let fate = match r.impact {
        Impact::Destroy => "**deleted**",
        Impact::Replace => "**replaced**",
        _ => "**may be replaced**",
    };
    let guard = match (r.retained_by, refused) {
        (Some(policy), _) => format!("the old one is kept by its {} policy", policy.as_str()),
        (None, Some(why)) => {
            let why = if why.is_empty() { String::new() } else { format!(" {why}") };
            format!("🛑 the data-loss guard refuses the deploy{why}; allow it with `--allow-replace {}`", r.logical_id)
        }
        (None, None) => {
            "⚠️ the data-loss guard lets it through (allowed by `--allow-replace`, or nothing to lose)".to_owned()
        }
    };
    format!("{} {fate}, it holds {holds}; {guard}", code(&r.resource_type))
}

fn stack_section(plan: &EnvironmentPlan<'_>, d: &TemplateDiff) -> String {
    let mut out = String::new();
    let new = if d.deployed { "" } else { " (new stack)" };
    let _ = writeln!(
        out,
        "<details><summary><b>{}</b> · <code>{}</code>{new}: {}</summary>\n",
        html(plan.environment),
        html(&d.stack),
        d.plan()
    );
    for note in &d.notes {
        let _ = writeln!(out, "> {}\n", cell(note));
    }
    resources_table(&mut out, &d.resources);
    property_table(&mut out, &d.resources);
    iam_table(&mut out, &d.iam);
    entries_table(&mut out, d);
    disagreements(&mut out, &d.disagreements);
    out.push_str("</details>\n\n");
    out
}

fn resources_table(out: &mut String, resources: &[ResourceChange]) {
    if resources.is_empty() {
        return;
    }
    out.push_str("| | Resource | Type | Impact |\n| --- | --- | --- | --- |\n");
    for r in resources {
        let sign = match r.kind {
            ResourceChangeKind::Added => "+",
            ResourceChangeKind::Removed => "-",
            ResourceChangeKind::Modified | ResourceChangeKind::TypeChanged => "~",
        };
        let mut impact = match r.impact {
            Impact::Replace | Impact::Destroy | Impact::MayReplace => format!("**{}**", impact_word(r.impact)),
            other => impact_word(other).to_owned(),
        };
        if let Some(data) = r.loses_data() {
            let _ = write!(impact, ", loses {data}");
        }
        let _ = writeln!(out, "| {sign} | {} | {} | {impact} |", code(&r.logical_id), code(&r.resource_type));
    }
    out.push('\n');
}

fn property_table(out: &mut String, resources: &[ResourceChange]) {
    let rows: Vec<(&ResourceChange, &ValueChange)> =
        resources.iter().flat_map(|r| r.changes.iter().map(move |c| (r, c))).collect();
    if rows.is_empty() {
        return;
    }
    out.push_str("| Resource | Property | Old | New | Impact |\n| --- | --- | --- | --- | --- |\n");
    for (r, c) in rows {
        let (old, new) = match c.cause {
            Cause::DeployTime => ("resolved at deploy time".to_owned(), "resolved at deploy time".to_owned()),
            _ => (value(c.old.as_ref()), value(c.new.as_ref())),
        };
        let impact = match (&c.cause, c.impact) {
            (Cause::Replacement { of, .. }, _) => format!("follows the replacement of {}", code(of)),
            (_, Impact::Replace) => "**requires replacement**".to_owned(),
            (_, Impact::MayReplace) => "**may cause replacement**".to_owned(),
            _ => "update".to_owned(),
        };
        let _ = writeln!(out, "| {} | {} | {old} | {new} | {impact} |", code(&r.logical_id), code(&c.path.to_string()));
    }
    out.push('\n');
}

fn iam_table(out: &mut String, changes: &[IamChange]) {
    if changes.is_empty() {
        return;
    }
    out.push_str("| | Held by | Effect | Action | Resource | Principal | Condition |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    for c in changes {
        let list = |items: &[String]| items.iter().map(|i| code(i)).collect::<Vec<_>>().join("<br>");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            c.kind.sign(),
            code(&c.resource),
            c.effect,
            list(&c.actions),
            list(&c.resources),
            list(&c.principals),
            list(&c.conditions)
        );
    }
    out.push('\n');
}

/// Parameters, outputs and the other sections: one row per entry.
fn entries_table(out: &mut String, d: &TemplateDiff) {
    let sections: [(&str, &[EntryChange]); 5] = [
        ("Parameters", &d.parameters),
        ("Rules", &d.rules),
        ("Mappings", &d.mappings),
        ("Conditions", &d.conditions),
        ("Outputs", &d.outputs),
    ];
    let rows: Vec<(&str, &EntryChange)> =
        sections.iter().flat_map(|(name, entries)| entries.iter().map(move |e| (*name, e))).collect();
    if rows.is_empty() && d.template.is_empty() {
        return;
    }
    out.push_str("| Section | Name | Change |\n| --- | --- | --- |\n");
    for c in &d.template {
        let _ = writeln!(
            out,
            "| Template | {} | {} → {} |",
            code(&c.path.to_string()),
            value(c.old.as_ref()),
            value(c.new.as_ref())
        );
    }
    for (section, e) in rows {
        let change = match e.kind {
            EntryChangeKind::Modified => {
                let paths: Vec<String> = e.changes.iter().map(|c| code(&c.path.to_string())).collect();
                if paths.is_empty() { "modified".to_owned() } else { format!("modified: {}", paths.join(", ")) }
            }
            other => other.as_str().to_owned(),
        };
        let _ = writeln!(out, "| {section} | {} | {change} |", code(&e.name));
    }
    out.push('\n');
}

fn disagreements(out: &mut String, list: &[Disagreement]) {
    if list.is_empty() {
        return;
    }
    out.push_str("CloudFormation's change set and the template diff disagree (the change set wins):\n\n");
    for d in list {
        let side = |i: Option<Impact>| i.map_or("no change", impact_word);
        let _ = writeln!(
            out,
            "- {}: template diff {}, change set {}",
            code(&d.logical_id),
            side(d.template),
            side(d.change_set)
        );
    }
    out.push('\n');
}

fn impact_word(impact: Impact) -> &'static str {
    match impact {
        Impact::MayReplace => "may replace",
        other => other.as_str(),
    }
}

/// A value for a table cell: inline when short, else its compact JSON cut to [`CELL_MAX`].
fn value(expr: Option<&sdlf_cfn::Expr>) -> String {
    let Some(expr) = expr else { return "—".to_owned() };
    let text = inline(expr).unwrap_or_else(|| serde_json::to_string(expr).unwrap_or_default());
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(CELL_MAX).collect();
    if chars.next().is_some() { code(&format!("{head}…")) } else { code(&head) }
}

/// Up to `n` items as code, then how many more.
fn listed(items: &[String], n: usize) -> String {
    let mut shown: Vec<String> = items.iter().take(n).map(|i| code(i)).collect();
    if items.len() > n {
        shown.push(format!("and {} more", items.len() - n));
    }
    shown.join(", ")
}

/// Inline code that stays one table cell: no backticks or line breaks inside, `|` escaped
/// (GitHub and GitLab take `\|` inside code in tables).
fn code(text: &str) -> String {
    if text.contains('`') || text.contains('\n') {
        format!("<code>{}</code>", html(text).replace('|', "&#124;").replace('\n', "<br>"))
    } else {
        format!("`{}`", text.replace('|', "\\|"))
    }
}

/// Plain text for a cell or a quote: one line, `|` escaped, no HTML.
fn cell(text: &str) -> String {
    html(text).replace('|', "\\|").replace('\n', " ")
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
