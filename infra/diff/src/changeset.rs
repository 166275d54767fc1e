//! Folding CloudFormation's own answer (a change set) into the template diff.
//!
//! The template diff predicts from the spec; the change set knows the resolved values (SSM
//! parameters, dynamic references) and CloudFormation's real replacement rules. So the change
//! set wins on every resource's impact, changes only it knows are added, and every place where
//! the two disagree is recorded for the renderer. The types here are plain data: the deploy
//! crate converts the SDK's `ResourceChange` into them.

use std::collections::{HashMap, HashSet};

use sdlf_cfn::SpecLookup;

use crate::impact::change_impact;
use crate::model::{
    Cause, Disagreement, Impact, Origin, Path, ResourceChange, ResourceChangeKind, Segment, TemplateDiff, ValueChange,
};

/// A change set's `Action` (imports are not part of `sdlf` deployments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeSetAction {
    Add,
    Modify,
    Remove,
}

/// A change set's `Replacement` for a `Modify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacement {
    True,
    False,
    Conditional,
}

/// One resource change of a change set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSetChange {
    pub logical_id: String,
    pub resource_type: String,
    pub action: ChangeSetAction,
    /// Set for `Modify`; `None` reads as `False`.
    pub replacement: Option<Replacement>,
    /// The changed properties, as paths under `Properties`, `/`-separated: `BucketName`,
    /// `Tags/0/Value` (a leading `/` or `Properties/` is accepted, as `Target.Path` gives them).
    pub details: Vec<String>,
    /// The deployed resource's physical id (`PhysicalResourceId`): set for `Modify` and
    /// `Remove`, `None` for `Add`. For an `AWS::SQS::Queue` it is the queue's URL, which the
    /// data-loss guard uses to count the messages a replacement would lose.
    pub physical_id: Option<String>,
}

impl ChangeSetChange {
    pub fn impact(&self) -> Impact {
        match (self.action, self.replacement) {
            (ChangeSetAction::Add, _) => Impact::Add,
            (ChangeSetAction::Remove, _) => Impact::Destroy,
            (ChangeSetAction::Modify, Some(Replacement::True)) => Impact::Replace,
            (ChangeSetAction::Modify, Some(Replacement::Conditional)) => Impact::MayReplace,
            (ChangeSetAction::Modify, Some(Replacement::False) | None) => Impact::Update,
        }
    }

    fn detail_paths(&self) -> impl Iterator<Item = Path> + '_ {
        self.details.iter().map(|d| {
            let d = d.trim_start_matches('/');
            let d = d.strip_prefix("Properties/").unwrap_or(d);
            let mut path = Path::key("Properties");
            for segment in d.split('/').filter(|s| !s.is_empty()) {
                path.0.push(segment.parse().map_or_else(|_| Segment::Key(segment.to_owned()), Segment::Index));
            }
            path
        })
    }
}

impl TemplateDiff {
    /// Merges a change set of this stack. `specs` classifies the properties only the change
    /// set lists and tells what data a resource only the change set knows holds (its
    /// retention policy is not known here, so its data counts as lost: the guard errs safe).
    pub fn merge_change_set(&mut self, changes: &[ChangeSetChange], specs: &dyn SpecLookup) {
        let listed: HashSet<&str> = changes.iter().map(|c| c.logical_id.as_str()).collect();
        for r in self.resources.iter().filter(|r| !listed.contains(r.logical_id.as_str())) {
            self.disagreements.push(Disagreement {
                logical_id: r.logical_id.clone(),
                template: Some(r.impact),
                change_set: None,
            });
        }
        // The change set wins: what CloudFormation says does not change is not a change (the
        // disagreement above still says the template diff thought otherwise).
        self.resources.retain(|r| listed.contains(r.logical_id.as_str()));
        let position: HashMap<String, usize> =
            self.resources.iter().enumerate().map(|(i, r)| (r.logical_id.clone(), i)).collect();
        for c in changes {
            let spec = specs.spec(&c.resource_type);
            let resource = match position.get(&c.logical_id) {
                Some(&i) => {
                    let r = &mut self.resources[i];
                    if r.impact != c.impact() {
                        self.disagreements.push(Disagreement {
                            logical_id: c.logical_id.clone(),
                            template: Some(r.impact),
                            change_set: Some(c.impact()),
                        });
                        r.impact = c.impact();
                    }
                    r
                }
                None => {
                    self.disagreements.push(Disagreement {
                        logical_id: c.logical_id.clone(),
                        template: None,
                        change_set: Some(c.impact()),
                    });
                    self.resources.push(ResourceChange {
                        logical_id: c.logical_id.clone(),
                        resource_type: c.resource_type.clone(),
                        old_type: None,
                        kind: match c.action {
                            ChangeSetAction::Add => ResourceChangeKind::Added,
                            ChangeSetAction::Modify => ResourceChangeKind::Modified,
                            ChangeSetAction::Remove => ResourceChangeKind::Removed,
                        },
                        impact: c.impact(),
                        origin: Origin::ChangeSet,
                        changes: Vec::new(),
                        holds_data: spec.and_then(|s| s.holds_data),
                        retained_by: None,
                    });
                    let last = self.resources.len() - 1;
                    &mut self.resources[last]
                }
            };
            for path in c.detail_paths() {
                if !resource.changes.iter().any(|known| known.path.overlaps(&path)) {
                    let impact = change_impact(spec, &path);
                    resource.changes.push(ValueChange { path, old: None, new: None, impact, cause: Cause::DeployTime });
                }
            }
        }
    }
}
