//! Synthesis: validation, then canonical JSON.
//!
//! Everything CloudFormation would only reject at deploy time, or worse, half-way through a
//! deployment, is refused here with the template, the place and what to do about it.

use std::fmt;

use foldhash::{HashMap, HashMapExt};

use crate::expr::{Expr, Pseudo};
use crate::json::template_to_json;
use crate::spec::{SpecLookup, has_open_attributes};
use crate::template::{Section, Template};

/// CloudFormation's hard limits on one template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits;

impl Limits {
    pub const RESOURCES: usize = 500;
    pub const PARAMETERS: usize = 200;
    pub const OUTPUTS: usize = 200;
    pub const MAPPINGS: usize = 200;
    /// Largest body a template URL may point to (cfn-lint uses the same figure).
    pub const BODY_BYTES: usize = 1_000_000;
    /// Largest body that can be sent inline (`TemplateBody`); larger ones go through S3.
    pub const INLINE_BODY_BYTES: usize = 51_200;
    pub const LOGICAL_ID_CHARS: usize = 255;
}

/// A template that passed validation, as the bytes to deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synthesized {
    pub name: String,
    pub body: String,
    pub resource_count: usize,
}

impl Synthesized {
    pub fn bytes(&self) -> usize {
        self.body.len()
    }

    /// Whether the body is over the inline limit and must be uploaded to S3 (`TemplateURL`).
    pub fn needs_upload(&self) -> bool {
        self.body.len() > Limits::INLINE_BODY_BYTES
    }
}

/// One reason a template cannot be synthesized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthError {
    /// The template (stack) it is in.
    pub template: String,
    /// Where: `Resources.Queue.Properties.RedrivePolicy.deadLetterTargetArn`, say.
    pub path: String,
    pub kind: SynthErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SynthErrorKind {
    InvalidName { section: Section, name: String },
    Duplicate { section: Section, name: String },
    DanglingRef { target: String },
    RefToResourceInCondition { target: String },
    DanglingGetAtt { resource: String },
    UnknownAttribute { resource: String, type_name: String, attribute: String, available: Vec<String> },
    UncheckableGetAtt { resource: String, type_name: String },
    DanglingDependsOn { target: String },
    DependsOnItself,
    DanglingCondition { name: String },
    DanglingMapping { name: String },
    Cycle { resources: Vec<String> },
    TooMany { section: Section, count: usize, limit: usize },
    BodyTooLarge { bytes: usize, limit: usize },
}

impl fmt::Display for SynthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "template `{}`", self.template)?;
        if !self.path.is_empty() {
            write!(f, ", {}", self.path)?;
        }
        write!(f, ": ")?;
        match &self.kind {
            SynthErrorKind::InvalidName { section, name } => write!(
                f,
                "name `{name}` in {} must be 1 to {} letters or digits ([A-Za-z0-9]); rename it",
                section.key(),
                Limits::LOGICAL_ID_CHARS
            ),
            SynthErrorKind::Duplicate { section, name } => {
                write!(f, "`{name}` is defined twice in {}; give each a distinct name", section.key())
            }
            SynthErrorKind::DanglingRef { target } => write!(
                f,
                "Ref to `{target}`, which is not a parameter, resource or pseudo parameter of this template; \
                 add it or fix the name"
            ),
            SynthErrorKind::RefToResourceInCondition { target } => write!(
                f,
                "condition refers to resource `{target}`; conditions can only use parameters and pseudo parameters"
            ),
            SynthErrorKind::DanglingGetAtt { resource } => {
                write!(
                    f,
                    "Fn::GetAtt on `{resource}`, which is not a resource of this template; add it or fix the name"
                )
            }
            SynthErrorKind::UnknownAttribute { resource, type_name, attribute, available } => {
                write!(f, "Fn::GetAtt `{resource}.{attribute}`: {type_name} has no attribute `{attribute}`")?;
                if available.is_empty() {
                    write!(f, " (it has none; use Ref)")
                } else {
                    write!(f, " (it has: {})", available.join(", "))
                }
            }
            SynthErrorKind::UncheckableGetAtt { resource, type_name } => write!(
                f,
                "Fn::GetAtt on `{resource}` cannot be checked: {type_name} is not in the generated resource spec; \
                 add it to the generator's type list (infra/cfn-codegen)"
            ),
            SynthErrorKind::DanglingDependsOn { target } => {
                write!(f, "DependsOn `{target}`, which is not a resource of this template; add it or fix the name")
            }
            SynthErrorKind::DependsOnItself => {
                write!(f, "a resource cannot depend on itself; remove it from DependsOn")
            }
            SynthErrorKind::DanglingCondition { name } => {
                write!(f, "condition `{name}` is not defined in Conditions; add it or fix the name")
            }
            SynthErrorKind::DanglingMapping { name } => {
                write!(f, "Fn::FindInMap on `{name}`, which is not defined in Mappings; add it or fix the name")
            }
            SynthErrorKind::Cycle { resources } => write!(
                f,
                "circular dependency {}; break it by removing one reference or DependsOn",
                resources.join(" → ")
            ),
            SynthErrorKind::TooMany { section, count, limit } => write!(
                f,
                "{count} {} exceed CloudFormation's limit of {limit} per template; split the stack",
                section.key().to_lowercase()
            ),
            SynthErrorKind::BodyTooLarge { bytes, limit } => {
                write!(f, "the template body is {bytes} bytes, over CloudFormation's limit of {limit}; split the stack")
            }
        }
    }
}

impl std::error::Error for SynthError {}

/// Every reason a template cannot be synthesized (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthErrors(pub Vec<SynthError>);

impl fmt::Display for SynthErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SynthErrors {}

/// Validates the template and renders its JSON.
pub fn synth<S: SpecLookup + ?Sized>(template: &Template, specs: &S) -> Result<Synthesized, SynthErrors> {
    validate(template, specs)?;
    let body = template_to_json(template);
    if body.len() > Limits::BODY_BYTES {
        return Err(SynthErrors(vec![SynthError {
            template: template.name.clone(),
            path: String::new(),
            kind: SynthErrorKind::BodyTooLarge { bytes: body.len(), limit: Limits::BODY_BYTES },
        }]));
    }
    Ok(Synthesized { name: template.name.clone(), body, resource_count: template.resources.len() })
}

/// Checks names, references, attributes, conditions, cycles and limits; reports all problems.
pub fn validate<S: SpecLookup + ?Sized>(template: &Template, specs: &S) -> Result<(), SynthErrors> {
    let mut v = Validator {
        t: template,
        specs,
        errors: Vec::new(),
        names: names(template),
        current: None,
        edges: vec![Vec::new(); template.resources.len()],
    };
    v.names_and_limits();
    v.references();
    v.cycles();
    if v.errors.is_empty() { Ok(()) } else { Err(SynthErrors(v.errors)) }
}

/// What a name that `Ref`, `Fn::GetAtt` or `DependsOn` uses stands for.
#[derive(Debug, Clone, Copy, Default)]
struct Named {
    parameter: bool,
    /// The resource's index in `Resources`.
    resource: Option<usize>,
}

/// The template's parameters and resources by name, looked up once per reference. A map of
/// our own with a fast hasher: hashing each reference into the template's own maps (SipHash)
/// was a third of validation.
fn names(t: &Template) -> HashMap<&str, Named> {
    let mut names: HashMap<&str, Named> = HashMap::with_capacity(t.resources.len() + t.parameters.len());
    for (i, id) in t.resources.keys().enumerate() {
        names.entry(id).or_default().resource = Some(i);
    }
    for name in t.parameters.keys() {
        names.entry(name).or_default().parameter = true;
    }
    names
}

fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= Limits::LOGICAL_ID_CHARS && name.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn is_scalar(e: &Expr) -> bool {
    matches!(e, Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::String(_))
}

/// One step of a path into the template.
#[derive(Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// `Resources.Queue.Properties.Tags[0].Value`.
fn render(path: &[Seg<'_>]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// Where a value sits, which limits what it may reference.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Conditions and rules: parameters and pseudo parameters only.
    Condition,
    /// Resources, outputs, metadata: anything.
    General,
}

struct Validator<'a, S: ?Sized> {
    t: &'a Template,
    specs: &'a S,
    errors: Vec<SynthError>,
    names: HashMap<&'a str, Named>,
    /// The resource (by index) whose properties are being walked: references found there are
    /// dependencies, collected for the cycle check in the same pass.
    current: Option<usize>,
    /// For each resource (by index), the resources it depends on (DependsOn first, then
    /// property references).
    edges: Vec<Vec<usize>>,
}

impl<'a, S: SpecLookup + ?Sized> Validator<'a, S> {
    fn resource_index(&self, name: &str) -> Option<usize> {
        self.names.get(name).and_then(|n| n.resource)
    }

    fn error(&mut self, path: impl Into<String>, kind: SynthErrorKind) {
        self.errors.push(SynthError { template: self.t.name.clone(), path: path.into(), kind });
    }

    fn names_and_limits(&mut self) {
        let t = self.t;
        for (section, name) in &t.duplicates {
            self.error(
                format!("{}.{name}", section.key()),
                SynthErrorKind::Duplicate { section: *section, name: name.clone() },
            );
        }
        let sections: [(Section, Vec<&String>, Option<usize>); 6] = [
            (Section::Parameters, t.parameters.keys().collect(), Some(Limits::PARAMETERS)),
            (Section::Rules, t.rules.keys().collect(), None),
            (Section::Mappings, t.mappings.keys().collect(), Some(Limits::MAPPINGS)),
            (Section::Conditions, t.conditions.keys().collect(), None),
            (Section::Resources, t.resources.keys().collect(), Some(Limits::RESOURCES)),
            (Section::Outputs, t.outputs.keys().collect(), Some(Limits::OUTPUTS)),
        ];
        for (section, names, limit) in sections {
            for name in &names {
                if !is_valid_name(name) {
                    self.error(
                        format!("{}.{name}", section.key()),
                        SynthErrorKind::InvalidName { section, name: (*name).clone() },
                    );
                }
            }
            if let Some(limit) = limit.filter(|l| names.len() > *l) {
                self.error(section.key(), SynthErrorKind::TooMany { section, count: names.len(), limit });
            }
        }
        // A parameter and a resource may not share a name: Ref could not tell them apart.
        for name in t.parameters.keys().filter(|n| t.resources.contains_key(*n)) {
            self.error(
                format!("Resources.{name}"),
                SynthErrorKind::Duplicate { section: Section::Resources, name: name.clone() },
            );
        }
    }

    fn references(&mut self) {
        let t = self.t;
        // One path for the whole walk: each visit leaves it as it found it.
        let mut path = Vec::with_capacity(16);
        let mut visit = |v: &mut Self, e: &'a Expr, segs: &[Seg<'a>], scope| v.visit_child(e, &mut path, segs, scope);
        for (name, value) in &t.metadata {
            visit(self, value, &[Seg::Key("Metadata"), Seg::Key(name)], Scope::General);
        }
        for (name, rule) in &t.rules {
            if let Some(c) = &rule.rule_condition {
                visit(self, c, &[Seg::Key("Rules"), Seg::Key(name), Seg::Key("RuleCondition")], Scope::Condition);
            }
            for (i, a) in rule.assertions.iter().enumerate() {
                let segs =
                    [Seg::Key("Rules"), Seg::Key(name), Seg::Key("Assertions"), Seg::Index(i), Seg::Key("Assert")];
                visit(self, &a.assert, &segs, Scope::Condition);
            }
        }
        for (name, c) in &t.conditions {
            visit(self, c, &[Seg::Key("Conditions"), Seg::Key(name)], Scope::Condition);
        }
        for (index, (id, r)) in t.resources.iter().enumerate() {
            if let Some(c) = &r.condition {
                self.check_condition(c, &[Seg::Key("Resources"), Seg::Key(id), Seg::Key("Condition")]);
            }
            for (i, dep) in r.depends_on.iter().enumerate() {
                let dep_path = [Seg::Key("Resources"), Seg::Key(id), Seg::Key("DependsOn"), Seg::Index(i)];
                if dep == id {
                    self.error(render(&dep_path), SynthErrorKind::DependsOnItself);
                } else if let Some(target) = self.resource_index(dep) {
                    self.edges[index].push(target);
                } else {
                    self.error(render(&dep_path), SynthErrorKind::DanglingDependsOn { target: dep.clone() });
                }
            }
            if let Some(m) = &r.metadata {
                visit(self, m, &[Seg::Key("Resources"), Seg::Key(id), Seg::Key("Metadata")], Scope::General);
            }
            self.current = Some(index);
            for (k, v) in &r.properties {
                let segs = [Seg::Key("Resources"), Seg::Key(id), Seg::Key("Properties"), Seg::Key(k)];
                visit(self, v, &segs, Scope::General);
            }
            self.current = None;
            for (key, policy) in [("UpdatePolicy", &r.update_policy), ("CreationPolicy", &r.creation_policy)] {
                if let Some(p) = policy {
                    visit(self, p, &[Seg::Key("Resources"), Seg::Key(id), Seg::Key(key)], Scope::General);
                }
            }
        }
        for (name, o) in &t.outputs {
            if let Some(c) = &o.condition {
                self.check_condition(c, &[Seg::Key("Outputs"), Seg::Key(name), Seg::Key("Condition")]);
            }
            visit(self, &o.value, &[Seg::Key("Outputs"), Seg::Key(name), Seg::Key("Value")], Scope::General);
            if let Some(e) = &o.export_name {
                let segs = [Seg::Key("Outputs"), Seg::Key(name), Seg::Key("Export"), Seg::Key("Name")];
                visit(self, e, &segs, Scope::General);
            }
        }
    }

    fn check_condition(&mut self, name: &str, path: &[Seg<'_>]) {
        if !self.t.conditions.contains_key(name) {
            self.error(render(path), SynthErrorKind::DanglingCondition { name: name.to_owned() });
        }
    }

    /// Records that the resource being walked depends on resource `target`.
    fn depend_on(&mut self, target: usize) {
        if let Some(current) = self.current.filter(|c| *c != target) {
            self.edges[current].push(target);
        }
    }

    fn check_ref(&mut self, target: &str, path: &[Seg<'_>], scope: Scope) {
        let named = self.names.get(target).copied().unwrap_or_default();
        if named.parameter || Pseudo::from_name(target).is_some() {
            return;
        }
        if let Some(index) = named.resource {
            if scope == Scope::Condition {
                self.error(render(path), SynthErrorKind::RefToResourceInCondition { target: target.to_owned() });
            }
            self.depend_on(index);
            return;
        }
        self.error(render(path), SynthErrorKind::DanglingRef { target: target.to_owned() });
    }

    fn check_get_att(&mut self, resource: &str, attribute: &str, path: &[Seg<'_>]) {
        let Some(index) = self.resource_index(resource) else {
            self.error(render(path), SynthErrorKind::DanglingGetAtt { resource: resource.to_owned() });
            return;
        };
        let r = &self.t.resources[index];
        self.depend_on(index);
        if has_open_attributes(&r.type_name) {
            return;
        }
        match self.specs.spec(&r.type_name) {
            None => self.error(
                render(path),
                SynthErrorKind::UncheckableGetAtt { resource: resource.to_owned(), type_name: r.type_name.clone() },
            ),
            Some(spec) if !spec.has_attribute(attribute) => self.error(
                render(path),
                SynthErrorKind::UnknownAttribute {
                    resource: resource.to_owned(),
                    type_name: r.type_name.clone(),
                    attribute: attribute.to_owned(),
                    available: spec.attributes.iter().map(|a| (*a).to_owned()).collect(),
                },
            ),
            Some(_) => {}
        }
    }

    /// Visits `e` with `segs` appended to the path, restoring the path afterwards.
    fn visit_child(&mut self, e: &'a Expr, path: &mut Vec<Seg<'a>>, segs: &[Seg<'a>], scope: Scope) {
        let len = path.len();
        path.extend_from_slice(segs);
        self.walk(e, path, scope);
        path.truncate(len);
    }

    /// Checks every reference inside `e`. The path is a stack of segments, rendered to a
    /// string only for an error: building strings per node dominated synthesis time.
    fn walk(&mut self, e: &'a Expr, path: &mut Vec<Seg<'a>>, scope: Scope) {
        match e {
            Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::String(_) => {}
            // Scalars, most of the elements, hold no reference: not visited.
            Expr::List(items) => {
                for (i, x) in items.iter().enumerate().filter(|(_, x)| !is_scalar(x)) {
                    self.visit_child(x, path, &[Seg::Index(i)], scope);
                }
            }
            Expr::Map(entries) => {
                for (k, x) in entries.iter().filter(|(_, x)| !is_scalar(x)) {
                    self.visit_child(x, path, &[Seg::Key(k)], scope);
                }
            }
            Expr::Ref(target) => self.check_ref(target, path, scope),
            Expr::GetAtt { resource, attribute } => self.check_get_att(resource, attribute, path),
            Expr::Sub { template, vars } => {
                path.push(Seg::Key("Fn::Sub"));
                if let Some(vars) = vars {
                    for (k, x) in vars {
                        self.visit_child(x, path, &[Seg::Key(k)], scope);
                    }
                }
                for var in sub_variables(template) {
                    if vars.as_ref().is_some_and(|v| v.contains_key(var)) {
                        continue;
                    }
                    match var.split_once('.') {
                        Some((resource, attribute)) => self.check_get_att(resource, attribute, path),
                        None => self.check_ref(var, path, scope),
                    }
                }
                path.pop();
            }
            Expr::If { condition, then, otherwise } => {
                path.push(Seg::Key("Fn::If"));
                self.check_condition(condition, path);
                self.visit_child(then, path, &[Seg::Index(1)], scope);
                self.visit_child(otherwise, path, &[Seg::Index(2)], scope);
                path.pop();
            }
            Expr::Condition(name) => self.check_condition(name, path),
            Expr::FindInMap { map, top_key, second_key } => {
                path.push(Seg::Key("Fn::FindInMap"));
                if let Expr::String(name) = map.as_ref() {
                    if !self.t.mappings.contains_key(name) {
                        self.error(render(path), SynthErrorKind::DanglingMapping { name: name.clone() });
                    }
                } else {
                    self.visit_child(map, path, &[Seg::Index(0)], scope);
                }
                self.visit_child(top_key, path, &[Seg::Index(1)], scope);
                self.visit_child(second_key, path, &[Seg::Index(2)], scope);
                path.pop();
            }
            Expr::Join { values, .. } => self.visit_child(values, path, &[Seg::Key("Fn::Join"), Seg::Index(1)], scope),
            Expr::Split { source, .. } => {
                self.visit_child(source, path, &[Seg::Key("Fn::Split"), Seg::Index(1)], scope)
            }
            Expr::Select { index, list } => {
                self.visit_child(index, path, &[Seg::Key("Fn::Select"), Seg::Index(0)], scope);
                self.visit_child(list, path, &[Seg::Key("Fn::Select"), Seg::Index(1)], scope);
            }
            Expr::Equals(a, b) => {
                self.visit_child(a, path, &[Seg::Key("Fn::Equals"), Seg::Index(0)], scope);
                self.visit_child(b, path, &[Seg::Key("Fn::Equals"), Seg::Index(1)], scope);
            }
            Expr::Not(c) => self.visit_child(c, path, &[Seg::Key("Fn::Not"), Seg::Index(0)], scope),
            Expr::And(cs) | Expr::Or(cs) => {
                let name = if matches!(e, Expr::And(_)) { "Fn::And" } else { "Fn::Or" };
                for (i, c) in cs.iter().enumerate() {
                    self.visit_child(c, path, &[Seg::Key(name), Seg::Index(i)], scope);
                }
            }
            Expr::ImportValue(x) => self.visit_child(x, path, &[Seg::Key("Fn::ImportValue")], scope),
            Expr::Base64(x) => self.visit_child(x, path, &[Seg::Key("Fn::Base64")], scope),
            Expr::GetAzs(x) => self.visit_child(x, path, &[Seg::Key("Fn::GetAZs")], scope),
            Expr::Cidr { ip_block, count, cidr_bits } => {
                for (i, x) in [ip_block, count, cidr_bits].into_iter().enumerate() {
                    self.visit_child(x, path, &[Seg::Key("Fn::Cidr"), Seg::Index(i)], scope);
                }
            }
            Expr::Function { name, args } => self.visit_child(args, path, &[Seg::Key(name)], scope),
        }
    }

    /// Finds one cycle among resources (through Ref, GetAtt, Fn::Sub and DependsOn), if any,
    /// over the dependencies [`Self::references`] collected.
    fn cycles(&mut self) {
        let t = self.t;
        let edges = std::mem::take(&mut self.edges);
        // Iterative depth-first search with colours; the grey stack is the current path.
        let mut done = vec![false; edges.len()];
        let mut on_path = vec![false; edges.len()];
        for start in 0..edges.len() {
            if done[start] {
                continue;
            }
            let mut path: Vec<(usize, usize)> = vec![(start, 0)];
            on_path[start] = true;
            while let Some((node, next)) = path.last_mut() {
                let node = *node;
                let targets = &edges[node];
                if *next < targets.len() {
                    let target = targets[*next];
                    *next += 1;
                    if on_path[target] {
                        let from = path.iter().position(|(n, _)| *n == target).expect("on path");
                        let name = |i: usize| t.resources.get_index(i).expect("a resource index").0.clone();
                        let mut cycle: Vec<String> = path[from..].iter().map(|(n, _)| name(*n)).collect();
                        cycle.push(name(target));
                        self.error(format!("Resources.{}", name(target)), SynthErrorKind::Cycle { resources: cycle });
                        return;
                    }
                    if !done[target] {
                        on_path[target] = true;
                        path.push((target, 0));
                    }
                } else {
                    on_path[node] = false;
                    done[node] = true;
                    path.pop();
                }
            }
        }
    }
}

/// The `${...}` variables of an `Fn::Sub` string, skipping `${!literal}` escapes.
fn sub_variables(template: &str) -> impl Iterator<Item = &str> {
    let mut rest = template;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find("${")?;
            let after = &rest[start + 2..];
            let end = after.find('}')?;
            let var = &after[..end];
            rest = &after[end + 1..];
            if !var.starts_with('!') {
                return Some(var.trim());
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_variables_skip_escapes_and_find_attributes() {
        let vars: Vec<&str> =
            sub_variables("arn:${AWS::Partition}:s3:::${Bucket}/${!Literal}/${Fn.Arn}${ Spaced }").collect();
        assert_eq!(vars, ["AWS::Partition", "Bucket", "Fn.Arn", "Spaced"]);
        assert_eq!(sub_variables("no variables, ${ unclosed").count(), 0);
    }

    #[test]
    fn names_must_be_alphanumeric_and_at_most_255_chars() {
        assert!(is_valid_name("Bucket1"));
        assert!(is_valid_name("1Bucket"));
        assert!(is_valid_name(&"a".repeat(255)));
        assert!(!is_valid_name(&"a".repeat(256)));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("raw-bucket"));
        assert!(!is_valid_name("Bücket"));
    }
}
