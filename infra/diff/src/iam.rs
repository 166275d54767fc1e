//! IAM statements added and removed between two templates.
//!
//! Statements are compared flat (`sdlf_policy::statements_of`) by the resource holding them and
//! their rendered text, so a one-element list and a bare string are the same statement, and a
//! statement that moves within its document is no change. A broadened statement shows as the
//! old one removed and the new one added, next to each other.

use std::collections::HashMap;

use sdlf_cfn::Template;
use sdlf_policy::{FlatStatement, LocatedStatement, statements_of};

use crate::model::{IamChange, IamChangeKind};

/// The statement changes of the resources `changed` (those whose definitions differ).
pub fn changes(old: &Template, new: &Template, changed: &[&str]) -> Vec<IamChange> {
    let old_statements = statements_of(&only(old, changed));
    let new_statements = statements_of(&only(new, changed));
    let old_keys: Vec<_> = old_statements.iter().map(key).collect();
    let new_keys: Vec<_> = new_statements.iter().map(key).collect();

    let mut rows = Vec::new();
    unmatched(&old_keys, &new_keys, |i| rows.push(row(IamChangeKind::Removed, &old_statements[i], i)));
    unmatched(&new_keys, &old_keys, |i| rows.push(row(IamChangeKind::Added, &new_statements[i], i)));

    // By resource in template order (removed resources last), removals before additions.
    let rank = |resource: &str| {
        new.resources
            .get_index_of(resource)
            .unwrap_or_else(|| new.resources.len() + old.resources.get_index_of(resource).unwrap_or(0))
    };
    rows.sort_by_key(|(change, position): &(IamChange, usize)| {
        (rank(&change.resource), change.kind == IamChangeKind::Added, *position)
    });
    rows.into_iter().map(|(change, _)| change).collect()
}

/// The template reduced to the resources `ids` (those it has), for `statements_of`.
fn only(template: &Template, ids: &[&str]) -> Template {
    let mut reduced = Template::new(template.name.clone());
    for id in ids {
        if let Some(resource) = template.resources.get(*id) {
            reduced.resources.insert((*id).to_owned(), resource.clone());
        }
    }
    reduced
}

type Key = (String, String);

fn key(s: &LocatedStatement) -> Key {
    (s.resource.clone(), s.statement.to_string())
}

/// Calls `found` with the index of every key of `these` that `others` lacks, counting
/// duplicates (the same statement twice, then once, is one removal).
fn unmatched(these: &[Key], others: &[Key], mut found: impl FnMut(usize)) {
    let mut available: HashMap<&Key, usize> = HashMap::new();
    for k in others {
        *available.entry(k).or_default() += 1;
    }
    for (i, k) in these.iter().enumerate() {
        match available.get_mut(k) {
            Some(n) if *n > 0 => *n -= 1,
            _ => found(i),
        }
    }
}

fn row(kind: IamChangeKind, located: &LocatedStatement, position: usize) -> (IamChange, usize) {
    let s: &FlatStatement = &located.statement;
    let texts = |values: &[sdlf_policy::PolicyValue], negated: &[sdlf_policy::PolicyValue]| {
        let plain = values.iter().map(ToString::to_string);
        plain.chain(negated.iter().map(|v| format!("NOT {v}"))).collect()
    };
    let principals = s.principals.iter().map(ToString::to_string);
    let change = IamChange {
        kind,
        resource: located.resource.clone(),
        effect: s.effect.as_str().to_owned(),
        actions: texts(&s.actions, &s.not_actions),
        resources: texts(&s.resources, &s.not_resources),
        principals: principals.chain(s.not_principals.iter().map(|p| format!("NOT {p}"))).collect(),
        conditions: s.conditions.iter().map(ToString::to_string).collect(),
    };
    (change, position)
}
