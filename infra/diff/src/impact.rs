//! What changes do to resources: property impacts from the spec, retention policies, and
//! replacement propagation to the resources that reference a replaced one.

use std::collections::VecDeque;

use sdlf_cfn::{DeletionPolicy, ResourceSpec, SpecLookup, Template};

use crate::engine::modified_resource;
use crate::model::{Cause, Impact, Path, ResourceChange, ResourceChangeKind, Segment, ValueChange};
use crate::refs::ReferenceIndex;

/// The impact of a change at `path` (from the resource down, e.g. `Properties.BucketName`).
/// Only properties can replace; a type without a spec (custom resources) is assumed to update
/// in place — the change set, when merged, says otherwise if needed.
pub fn change_impact(spec: Option<&ResourceSpec>, path: &Path) -> Impact {
    let (Some(spec), Some("Properties")) = (spec, path.root()) else { return Impact::Update };
    let indices: Vec<String> = path.segments()[1..]
        .iter()
        .map(|s| match s {
            Segment::Key(k) => k.clone(),
            Segment::Index(i) => i.to_string(),
        })
        .collect();
    let segments: Vec<&str> = indices.iter().map(String::as_str).collect();
    spec.impact_of(&segments).into()
}

/// The resource's impact: the most disruptive of its changes, at least an update.
pub fn resource_impact(changes: &[ValueChange]) -> Impact {
    changes.iter().map(|c| c.impact).fold(Impact::Update, Impact::max)
}

/// The policy that keeps the physical resource, if the given one does.
pub fn retaining(policy: Option<DeletionPolicy>) -> Option<DeletionPolicy> {
    policy.filter(|p| *p != DeletionPolicy::Delete)
}

/// Follows replacements to the resources whose property values resolve through a replaced
/// resource (its physical id or attributes change), until nothing more changes.
///
/// Each referencing value gets a change with [`Cause::Replacement`]; its impact comes from the
/// referencing property's path, capped at `MayReplace` when the source only may be replaced.
/// A resource is queued again only when its impact rises (at most twice), and each queue entry
/// walks only the references to it, so the cost stays linear.
pub fn propagate_replacements(resources: &mut Vec<ResourceChange>, new: &Template, specs: &dyn SpecLookup) {
    let mut queue: VecDeque<(String, Impact)> = resources
        .iter()
        .filter(|r| matches!(r.impact, Impact::MayReplace | Impact::Replace))
        .filter(|r| new.resources.contains_key(&r.logical_id))
        .map(|r| (r.logical_id.clone(), r.impact))
        .collect();
    if queue.is_empty() {
        return;
    }
    let index = ReferenceIndex::of(new);
    let mut position: std::collections::HashMap<String, usize> =
        resources.iter().enumerate().map(|(i, r)| (r.logical_id.clone(), i)).collect();

    while let Some((source, source_impact)) = queue.pop_front() {
        for reference in index.to(&source) {
            let i = match position.get(reference.from) {
                Some(i) => *i,
                None => {
                    let Some(resource) = new.resources.get(reference.from) else { continue };
                    resources.push(modified_resource(reference.from, resource, Vec::new(), specs));
                    position.insert(reference.from.to_owned(), resources.len() - 1);
                    resources.len() - 1
                }
            };
            let r = &mut resources[i];
            // An added resource shows all its values already; a type change already replaces.
            if r.kind != ResourceChangeKind::Modified {
                continue;
            }
            let mut impact = change_impact(specs.spec(&r.resource_type), &reference.path);
            if source_impact == Impact::MayReplace {
                impact = impact.min(Impact::MayReplace);
            }
            match r.changes.iter_mut().find(|c| c.path.overlaps(&reference.path)) {
                // Already propagated from this source, at a lower certainty: raise it.
                Some(c) if matches!(&c.cause, Cause::Replacement { of, .. } if *of == source) => {
                    c.impact = c.impact.max(impact);
                    c.cause = Cause::Replacement { of: source.clone(), certain: source_impact == Impact::Replace };
                }
                // The template changes this value anyway; its own impact stands.
                Some(_) => continue,
                None => r.changes.push(ValueChange {
                    path: reference.path.clone(),
                    old: Some(reference.value.clone()),
                    new: Some(reference.value.clone()),
                    impact,
                    cause: Cause::Replacement { of: source.clone(), certain: source_impact == Impact::Replace },
                }),
            }
            let before = r.impact;
            r.impact = before.max(impact);
            if r.impact > before && r.impact.may_lose_resource() {
                queue.push_back((r.logical_id.clone(), r.impact));
            }
        }
    }
}
