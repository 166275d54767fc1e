//! The result of a diff: plain data that the renderers, the change-set merge and the deploy's
//! data-loss guard read. Everything is in template order, so the same inputs give the same
//! output.

use std::fmt;

use sdlf_cfn::{DeletionPolicy, Expr};

use crate::plan::Plan;

/// What a change does to a resource, from least to most disruptive for an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// Created.
    Add,
    /// Updated in place.
    Update,
    /// Replaced or not, depending on the values (a conditional replacement in the spec, or a
    /// reference to a resource that may itself be replaced).
    MayReplace,
    /// A new physical resource is created and the old one deleted.
    Replace,
    /// Deleted (or, with a retaining `DeletionPolicy`, removed from the stack only).
    Destroy,
}

impl Impact {
    /// The word used in text and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Add => "add",
            Impact::Update => "update",
            Impact::MayReplace => "may_replace",
            Impact::Replace => "replace",
            Impact::Destroy => "destroy",
        }
    }

    /// Whether the existing physical resource may go away.
    pub fn may_lose_resource(self) -> bool {
        matches!(self, Impact::MayReplace | Impact::Replace | Impact::Destroy)
    }
}

impl From<sdlf_cfn::ChangeImpact> for Impact {
    fn from(c: sdlf_cfn::ChangeImpact) -> Impact {
        match c {
            sdlf_cfn::ChangeImpact::Update => Impact::Update,
            sdlf_cfn::ChangeImpact::MayReplace => Impact::MayReplace,
            sdlf_cfn::ChangeImpact::Replace => Impact::Replace,
        }
    }
}

/// One step of a path into a template value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Where a change is, from the entry down: `Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Path(pub Vec<Segment>);

impl Path {
    pub fn key(key: impl Into<String>) -> Path {
        Path(vec![Segment::Key(key.into())])
    }

    pub fn push_key(&mut self, key: &str) {
        self.0.push(Segment::Key(key.to_owned()));
    }

    pub fn push_index(&mut self, index: usize) {
        self.0.push(Segment::Index(index));
    }

    pub fn pop(&mut self) {
        self.0.pop();
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// The first key, e.g. `Properties` or `DeletionPolicy`.
    pub fn root(&self) -> Option<&str> {
        match self.0.first() {
            Some(Segment::Key(k)) => Some(k),
            _ => None,
        }
    }

    /// Whether one of the two paths lies inside the other (or they are equal).
    pub fn overlaps(&self, other: &Path) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| a == b)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(k) if i == 0 => f.write_str(k)?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Why a value is listed as changing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The two templates differ here.
    Template,
    /// The template value is the same, but it references a resource that is (or may be)
    /// replaced, so the value it resolves to changes. `certain`: `of` is replaced, not only
    /// possibly.
    Replacement { of: String, certain: bool },
    /// Only the change set knows: a value resolved at deploy time (SSM parameter, dynamic
    /// reference). Old and new values are unknown.
    DeployTime,
}

/// One changed value. `old`/`new` are `None` when the value is absent on that side (or unknown,
/// for [`Cause::DeployTime`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ValueChange {
    pub path: Path,
    pub old: Option<Expr>,
    pub new: Option<Expr>,
    /// For resource changes: what this change alone does to the resource. `Update` elsewhere.
    pub impact: Impact,
    pub cause: Cause,
}

/// How a named entry (parameter, condition, output, mapping, rule) changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryChangeKind {
    Added,
    Removed,
    Modified,
}

impl EntryChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryChangeKind::Added => "added",
            EntryChangeKind::Removed => "removed",
            EntryChangeKind::Modified => "modified",
        }
    }
}

/// A named entry of a section other than `Resources`.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryChange {
    pub name: String,
    pub kind: EntryChangeKind,
    /// For `Modified`: the changed values, paths relative to the entry.
    pub changes: Vec<ValueChange>,
}

/// How a resource changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceChangeKind {
    Added,
    Removed,
    Modified,
    /// Same logical id, another `Type`: CloudFormation replaces it.
    TypeChanged,
}

impl ResourceChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceChangeKind::Added => "added",
            ResourceChangeKind::Removed => "removed",
            ResourceChangeKind::Modified => "modified",
            ResourceChangeKind::TypeChanged => "type_changed",
        }
    }
}

/// Who reported a resource change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The template diff (possibly confirmed or corrected by a change set).
    Template,
    /// Only the change set: the templates are equal here, the resolved values are not.
    ChangeSet,
}

/// One resource that changes.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceChange {
    pub logical_id: String,
    /// The type in the new template (the old one for a removed resource).
    pub resource_type: String,
    /// The previous type, for [`ResourceChangeKind::TypeChanged`].
    pub old_type: Option<String>,
    pub kind: ResourceChangeKind,
    pub impact: Impact,
    pub origin: Origin,
    pub changes: Vec<ValueChange>,
    /// What data the physical resource that may go away holds (the spec's `holds_data`).
    pub holds_data: Option<&'static str>,
    /// The policy that keeps the old physical resource when it is destroyed or replaced
    /// (`DeletionPolicy` for a removal, `UpdateReplacePolicy` for a replacement).
    pub retained_by: Option<DeletionPolicy>,
}

impl ResourceChange {
    /// If this change may delete data: what data. Replacements that only *may* happen count,
    /// because a guard that stays silent on "maybe" lets the loss through.
    pub fn loses_data(&self) -> Option<&'static str> {
        if self.impact.may_lose_resource() && self.retained_by.is_none() { self.holds_data } else { None }
    }
}

/// The change set and the template diff disagree about a resource; the change set wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    pub logical_id: String,
    /// The template diff's impact; `None` if it saw no change.
    pub template: Option<Impact>,
    /// The change set's impact; `None` if it lists no change.
    pub change_set: Option<Impact>,
}

/// Added or removed IAM statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IamChangeKind {
    Added,
    Removed,
}

impl IamChangeKind {
    pub fn sign(self) -> &'static str {
        match self {
            IamChangeKind::Added => "+",
            IamChangeKind::Removed => "-",
        }
    }
}

/// One row of the IAM statement table: every field already rendered for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamChange {
    pub kind: IamChangeKind,
    /// Logical id of the resource holding the policy document.
    pub resource: String,
    pub effect: String,
    /// `NotAction` entries are prefixed with `NOT `; the same for resources and principals.
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub principals: Vec<String>,
    pub conditions: Vec<String>,
}

/// Everything that changes in one stack.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateDiff {
    /// The stack's name (the new template's name).
    pub stack: String,
    /// Whether there was a deployed template to compare with.
    pub deployed: bool,
    /// Top-level values: `AWSTemplateFormatVersion`, `Description`, `Transform`, `Metadata`.
    pub template: Vec<ValueChange>,
    pub parameters: Vec<EntryChange>,
    pub rules: Vec<EntryChange>,
    pub mappings: Vec<EntryChange>,
    pub conditions: Vec<EntryChange>,
    pub resources: Vec<ResourceChange>,
    pub outputs: Vec<EntryChange>,
    pub iam: Vec<IamChange>,
    /// Filled by [`TemplateDiff::merge_change_set`].
    pub disagreements: Vec<Disagreement>,
    /// Remarks for the reader, e.g. why CloudFormation's change set could not be consulted.
    pub notes: Vec<String>,
}

impl TemplateDiff {
    pub fn is_empty(&self) -> bool {
        self.template.is_empty()
            && self.parameters.is_empty()
            && self.rules.is_empty()
            && self.mappings.is_empty()
            && self.conditions.is_empty()
            && self.resources.is_empty()
            && self.outputs.is_empty()
            && self.iam.is_empty()
    }

    pub fn plan(&self) -> Plan {
        Plan::of(&self.resources)
    }

    pub fn resource(&self, logical_id: &str) -> Option<&ResourceChange> {
        self.resources.iter().find(|r| r.logical_id == logical_id)
    }

    /// Resources whose change may delete data, with what data: what the deploy's guard reads.
    pub fn data_losses(&self) -> impl Iterator<Item = (&str, &'static str)> {
        self.resources.iter().filter_map(|r| r.loses_data().map(|d| (r.logical_id.as_str(), d)))
    }
}
