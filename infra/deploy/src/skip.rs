//! Leaving a stack alone: when nothing about it would change, no change set is created at
//! all ("no changes"), which is faster and leaves no trace in the stack's history.

use std::collections::BTreeMap;

use crate::status::Readiness;

/// What a stack is, deployed or desired, as far as skipping goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackShape {
    /// The template body, compared as JSON (an emulator or CloudFormation may reformat it).
    pub template: String,
    /// Parameter values passed explicitly (parameters left to their defaults are part of the
    /// template).
    pub parameters: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub termination_protection: bool,
}

/// Why a stack must be deployed, or that it need not be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    NoChanges,
    Deploy(Reason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    NotDeployed,
    /// Failed or unexecuted earlier: needs cleaning up and a fresh create.
    NeedsRecreate,
    TemplateChanged,
    ParametersChanged,
    TagsChanged,
    TerminationProtectionChanged,
    /// A stack it imports from changed in this run: the SSM values it resolves at deploy time
    /// may have changed, which only a change set can tell.
    DependencyChanged,
}

/// Decides whether `desired` can be skipped. `deployed` is `None` when the stack does not
/// exist; `readiness` is its state (a busy stack is waited for before this is asked).
pub fn decide(
    readiness: Readiness,
    deployed: Option<&StackShape>,
    desired: &StackShape,
    dependency_changed: bool,
) -> Decision {
    let Some(deployed) = deployed else { return Decision::Deploy(Reason::NotDeployed) };
    match readiness {
        Readiness::Absent => return Decision::Deploy(Reason::NotDeployed),
        Readiness::FailedCreate | Readiness::Unexecuted => return Decision::Deploy(Reason::NeedsRecreate),
        _ => {}
    }
    if !same_json(&deployed.template, &desired.template) {
        Decision::Deploy(Reason::TemplateChanged)
    } else if deployed.parameters != desired.parameters {
        Decision::Deploy(Reason::ParametersChanged)
    } else if deployed.tags != desired.tags {
        Decision::Deploy(Reason::TagsChanged)
    } else if deployed.termination_protection != desired.termination_protection {
        Decision::Deploy(Reason::TerminationProtectionChanged)
    } else if dependency_changed {
        Decision::Deploy(Reason::DependencyChanged)
    } else {
        Decision::NoChanges
    }
}

/// Two template bodies hold the same JSON (key order and whitespace aside); a body that is
/// not JSON (a YAML template someone deployed by hand) never equals ours.
fn same_json(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (serde_json::from_str::<serde_json::Value>(a), serde_json::from_str::<serde_json::Value>(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(template: &str) -> StackShape {
        StackShape {
            template: template.into(),
            parameters: BTreeMap::from([("SsmKey".into(), "/sdlf/dev/storage/KeyArn".into())]),
            tags: BTreeMap::from([("sdlf:environment".into(), "dev".into())]),
            termination_protection: false,
        }
    }

    #[test]
    fn an_identical_stack_is_skipped_even_when_reformatted() {
        let ours = shape("{\n  \"Resources\": {\"A\": {\"Type\": \"AWS::SQS::Queue\"}}\n}\n");
        let theirs = shape(r#"{"Resources":{"A":{"Type":"AWS::SQS::Queue"}}}"#);
        assert_eq!(decide(Readiness::Ready, Some(&theirs), &ours, false), Decision::NoChanges);
    }

    #[test]
    fn any_difference_deploys_and_says_which() {
        let ours = shape(r#"{"Resources":{}}"#);
        let mut t = ours.clone();
        t.template = r#"{"Resources":{"A":{}}}"#.into();
        assert_eq!(decide(Readiness::Ready, Some(&t), &ours, false), Decision::Deploy(Reason::TemplateChanged));
        let mut p = ours.clone();
        p.parameters.clear();
        assert_eq!(decide(Readiness::Ready, Some(&p), &ours, false), Decision::Deploy(Reason::ParametersChanged));
        let mut g = ours.clone();
        g.tags.insert("extra".into(), "x".into());
        assert_eq!(decide(Readiness::Ready, Some(&g), &ours, false), Decision::Deploy(Reason::TagsChanged));
        let mut tp = ours.clone();
        tp.termination_protection = true;
        assert_eq!(
            decide(Readiness::Ready, Some(&tp), &ours, false),
            Decision::Deploy(Reason::TerminationProtectionChanged)
        );
        assert_eq!(decide(Readiness::Ready, Some(&ours), &ours, true), Decision::Deploy(Reason::DependencyChanged));
        assert_eq!(decide(Readiness::Absent, None, &ours, false), Decision::Deploy(Reason::NotDeployed));
        assert_eq!(decide(Readiness::FailedCreate, Some(&ours), &ours, false), Decision::Deploy(Reason::NeedsRecreate));
    }

    #[test]
    fn a_body_that_is_not_json_is_never_equal() {
        assert!(!same_json("Resources: {}", r#"{"Resources":{}}"#));
        assert!(same_json("x", "x"));
    }
}
