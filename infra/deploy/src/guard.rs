//! The data-loss guard: a deploy that would delete or replace a resource holding data
//! (bucket, table, key, log group, queue, Glue database) is refused unless each such resource
//! is named with `--allow-replace`. Neither CDK nor rain has this; losing a bucket to a renamed
//! property is the accident it prevents.

use sdlf_diff::TemplateDiff;

/// One resource the deploy would lose data of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtRisk {
    pub logical_id: String,
    pub resource_type: String,
    /// What it holds (`objects`, `items`, ...).
    pub holds: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "stack `{stack}`: the change would delete or replace {} resource(s) holding data, and their data with them:\n{}\n\
     Nothing was changed. If that is intended, deploy again with {}",
    .at_risk.len(),
    .at_risk.iter().map(|r| format!("  - {} ({}): {}", r.logical_id, r.resource_type, r.holds)).collect::<Vec<_>>().join("\n"),
    .at_risk.iter().map(|r| format!("--allow-replace {}", r.logical_id)).collect::<Vec<_>>().join(" ")
)]
pub struct DataLossRefused {
    pub stack: String,
    pub at_risk: Vec<AtRisk>,
}

/// Refuses the diff if it loses data of a resource not in `allowed`.
pub fn check(diff: &TemplateDiff, allowed: &[String]) -> Result<(), DataLossRefused> {
    let at_risk: Vec<AtRisk> = diff
        .resources
        .iter()
        .filter(|r| !allowed.contains(&r.logical_id))
        .filter_map(|r| {
            r.loses_data().map(|holds| AtRisk {
                logical_id: r.logical_id.clone(),
                resource_type: r.resource_type.clone(),
                holds,
            })
        })
        .collect();
    if at_risk.is_empty() { Ok(()) } else { Err(DataLossRefused { stack: diff.stack.clone(), at_risk }) }
}
