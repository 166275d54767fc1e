//! The data-loss guard: a deploy that would delete or replace a resource holding data
//! (bucket, table, key, log group, queue with messages, Glue database) is refused unless each
//! such resource is named with `--allow-replace`. Neither CDK nor rain has this; losing a
//! bucket to a renamed property is the accident it prevents.
//!
//! Pure: what the deploy learned about the queues at risk (how many messages each holds, or
//! why that is unknown) is passed in. An empty queue loses nothing and passes; a queue whose
//! count could not be read is refused, as if it held messages (the guard errs safe).

use std::collections::BTreeMap;

use sdlf_diff::TemplateDiff;

/// The resource type whose data-loss depends on its contents: an empty queue loses nothing.
pub const QUEUE: &str = "AWS::SQS::Queue";

/// What the deploy learned about the messages of a queue the diff would delete or replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueCount {
    /// The messages it holds: visible, in flight and delayed together.
    Messages(u64),
    /// The count could not be read (an API error, no queue URL); the queue counts as holding
    /// messages.
    Unknown(String),
}

/// One resource the deploy would lose data of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtRisk {
    pub logical_id: String,
    pub resource_type: String,
    /// What it holds (`objects`, `items`, ...).
    pub holds: &'static str,
    /// What is known of how much, where it decides (queues): `3 waiting`, or why the count is
    /// unknown.
    pub detail: Option<String>,
}

impl AtRisk {
    /// Why it is at risk, as the refusal names it: `objects`, `messages (3 waiting)`.
    pub fn reason(&self) -> String {
        match &self.detail {
            Some(d) => format!("{} ({d})", self.holds),
            None => self.holds.to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "stack `{stack}`: the change would delete or replace {} resource(s) holding data, and their data with them:\n{}\n\
     Nothing was changed. If that is intended, deploy again with {}",
    .at_risk.len(),
    .at_risk.iter().map(|r| format!("  - {} ({}): {}", r.logical_id, r.resource_type, r.reason())).collect::<Vec<_>>().join("\n"),
    .at_risk.iter().map(|r| format!("--allow-replace {}", r.logical_id)).collect::<Vec<_>>().join(" ")
)]
pub struct DataLossRefused {
    pub stack: String,
    pub at_risk: Vec<AtRisk>,
}

/// The queues whose messages decide: those the diff would delete or replace, not in
/// `allowed`. The caller counts their messages for [`check`].
pub fn queues_to_count<'d>(diff: &'d TemplateDiff, allowed: &'d [String]) -> impl Iterator<Item = &'d str> + 'd {
    diff.resources
        .iter()
        .filter(|r| r.resource_type == QUEUE && r.loses_data().is_some() && !allowed.contains(&r.logical_id))
        .map(|r| r.logical_id.as_str())
}

/// What the guard would refuse of `diff` with nothing allowed, before any queue is counted (a
/// pull request's plan, long before the deploy): by logical id, what decides it — empty for
/// what is refused whatever happens, the condition for a queue, counted only at the deploy.
pub fn at_review(diff: &TemplateDiff) -> BTreeMap<String, String> {
    let unread = |id: &str| (id.to_owned(), QueueCount::Unknown("counted only when deployed".into()));
    let counts = queues_to_count(diff, &[]).map(unread).collect();
    let Err(refused) = check(diff, &[], &counts) else { return BTreeMap::new() };
    let condition = |r: &AtRisk| if r.resource_type == QUEUE { "unless the queue is empty when deployed" } else { "" };
    refused.at_risk.iter().map(|r| (r.logical_id.clone(), condition(r).to_owned())).collect()
}

/// Refuses the diff if it loses data of a resource not in `allowed`. `queues` holds, by
/// logical id, what is known of each queue of [`queues_to_count`]: an empty one passes, one
/// with messages is refused with their count, and one missing here or of unknown count is
/// refused with the reason.
pub fn check(
    diff: &TemplateDiff,
    allowed: &[String],
    queues: &BTreeMap<String, QueueCount>,
) -> Result<(), DataLossRefused> {
    let at_risk: Vec<AtRisk> = diff
        .resources
        .iter()
        .filter(|r| !allowed.contains(&r.logical_id))
        .filter_map(|r| {
            let holds = r.loses_data()?;
            let detail = if r.resource_type == QUEUE {
                match queues.get(&r.logical_id) {
                    Some(QueueCount::Messages(0)) => return None,
                    Some(QueueCount::Messages(n)) => Some(format!("{n} waiting")),
                    Some(QueueCount::Unknown(why)) => Some(format!("count unknown: {why}")),
                    None => Some("count unknown: not read".to_owned()),
                }
            } else {
                None
            };
            Some(AtRisk { logical_id: r.logical_id.clone(), resource_type: r.resource_type.clone(), holds, detail })
        })
        .collect();
    if at_risk.is_empty() { Ok(()) } else { Err(DataLossRefused { stack: diff.stack.clone(), at_risk }) }
}
