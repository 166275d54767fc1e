//! `sdlf destroy`: stacks in reverse dependency order (a stack before the stacks it imports
//! from), each deleted and waited for; what CloudFormation keeps (retained resources) is
//! listed so nothing is left behind unknowingly.
//!
//! Ctrl-C: stacks not yet started are left as they are; a deletion under way cannot be
//! cancelled and is followed to its end, unless a second press stops following it.

use std::collections::BTreeMap;

use sdlf_lake::output::StackOutput;

use super::EngineError;
use super::deploy::Interrupts;
use super::wait;
use crate::api::{DeployedStack, Stacks};

/// A resource the deletion keeps (its `DeletionPolicy` is `Retain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retained {
    pub logical_id: String,
    pub resource_type: String,
}

/// How one stack's deletion ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destroyed {
    /// Deleted; these resources were kept.
    Deleted {
        retained: Vec<Retained>,
    },
    NotDeployed,
    /// Termination protection is on; the user must lift it deliberately.
    Protected,
    Failed {
        status: String,
        reasons: Vec<String>,
    },
    /// Not attempted: a stack that depends on it could not be deleted.
    Blocked {
        dependent: String,
    },
    /// Ctrl-C; `state` says what the stack was left as.
    Interrupted {
        state: String,
    },
}

/// The resources of a synthesized template that a deletion keeps.
pub fn retained(stack: &StackOutput) -> Vec<Retained> {
    let Ok(template) = sdlf_cfn::parse(&stack.body) else { return Vec::new() };
    template
        .resources
        .iter()
        .filter(|(_, r)| r.deletion_policy.is_some_and(|p| p.as_str() == "Retain"))
        .map(|(id, r)| Retained { logical_id: id.clone(), resource_type: r.type_name.clone() })
        .collect()
}

/// Deletes `selected` (in deploy order; deleted in reverse). `deployed` is the listing.
pub async fn destroy<S: Stacks>(
    api: &S,
    stacks: &[&StackOutput],
    deployed: &BTreeMap<String, DeployedStack>,
    interrupts: &Interrupts,
    mut progress: impl FnMut(&str, &str),
) -> Result<Vec<(String, Destroyed)>, EngineError> {
    let mut results: Vec<(String, Destroyed)> = Vec::new();
    for stack in stacks.iter().rev() {
        let name = stack.name.as_str();
        if interrupts.count() > 0 {
            results.push((name.to_owned(), Destroyed::Interrupted { state: "not deleted; left as it was".into() }));
            continue;
        }
        // A stack that imports from this one and is still there would break.
        let blocker = results.iter().find(|(dependent, r)| {
            !matches!(r, Destroyed::Deleted { .. } | Destroyed::NotDeployed)
                && stacks.iter().any(|s| &s.name == dependent && s.depends_on.iter().any(|d| d == name))
        });
        if let Some((dependent, _)) = blocker {
            results.push((name.to_owned(), Destroyed::Blocked { dependent: dependent.clone() }));
            continue;
        }
        let Some(current) = deployed.get(name) else {
            results.push((name.to_owned(), Destroyed::NotDeployed));
            continue;
        };
        if current.termination_protection {
            results.push((name.to_owned(), Destroyed::Protected));
            continue;
        }
        progress(name, "deleting");
        api.delete_stack(name).await?;
        // A first press lets the deletion under way finish (it cannot be cancelled).
        let stop = || interrupts.count() >= 2;
        let Some(end) = wait::settled_unless(api, name, &stop).await? else {
            let state = "DELETE_IN_PROGRESS: no longer watched; CloudFormation carries on".to_owned();
            results.push((name.to_owned(), Destroyed::Interrupted { state }));
            continue;
        };
        let end = end.map_or_else(|| "DELETE_COMPLETE".to_owned(), |d| d.status);
        let result = if end == "DELETE_COMPLETE" {
            Destroyed::Deleted { retained: retained(stack) }
        } else {
            let reasons = api
                .events(name)
                .await?
                .into_iter()
                .filter(|e| e.status == "DELETE_FAILED")
                .map(|e| format!("{} ({}): {}", e.logical_id, e.resource_type, e.reason.unwrap_or_default()))
                .collect();
            Destroyed::Failed { status: end.clone(), reasons }
        };
        progress(name, &end);
        results.push((name.to_owned(), result));
    }
    Ok(results)
}
