//! Reading statements back out of a template: every policy document of every resource that
//! holds one, flattened so two templates' statements can be compared and audited.

use std::fmt;

use indexmap::IndexMap;
use sdlf_cfn::{Expr, Pseudo, Template};

use crate::document::Effect;

/// What a policy document governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocumentKind {
    /// What an IAM identity may do (`AWS::IAM::Policy`, a role's inline policies, ...).
    Identity,
    /// Who may assume a role (`AssumeRolePolicyDocument`).
    Trust,
    /// A KMS key policy: `Resource: "*"` there means "this key".
    Key,
    /// A resource policy (bucket, queue, topic, table).
    Resource,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Identity => "identity",
            DocumentKind::Trust => "trust",
            DocumentKind::Key => "key",
            DocumentKind::Resource => "resource",
        }
    }
}

/// Where a resource type keeps a policy document: property names from `Properties` down,
/// `"[]"` standing for every element of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicySite {
    pub resource_type: &'static str,
    pub path: &'static [&'static str],
    pub kind: DocumentKind,
}

const fn site(resource_type: &'static str, path: &'static [&'static str], kind: DocumentKind) -> PolicySite {
    PolicySite { resource_type, path, kind }
}

/// Every place a policy document is looked for. Resource types not listed hold none (or, like
/// `AWS::Lambda::Permission`, grant access without a document) and are skipped.
pub const POLICY_SITES: &[PolicySite] = &[
    site("AWS::IAM::Role", &["AssumeRolePolicyDocument"], DocumentKind::Trust),
    site("AWS::IAM::Role", &["Policies", "[]", "PolicyDocument"], DocumentKind::Identity),
    site("AWS::IAM::User", &["Policies", "[]", "PolicyDocument"], DocumentKind::Identity),
    site("AWS::IAM::Group", &["Policies", "[]", "PolicyDocument"], DocumentKind::Identity),
    site("AWS::IAM::Policy", &["PolicyDocument"], DocumentKind::Identity),
    site("AWS::IAM::ManagedPolicy", &["PolicyDocument"], DocumentKind::Identity),
    site("AWS::IAM::RolePolicy", &["PolicyDocument"], DocumentKind::Identity),
    site("AWS::IAM::UserPolicy", &["PolicyDocument"], DocumentKind::Identity),
    site("AWS::IAM::GroupPolicy", &["PolicyDocument"], DocumentKind::Identity),
    site("AWS::KMS::Key", &["KeyPolicy"], DocumentKind::Key),
    site("AWS::S3::BucketPolicy", &["PolicyDocument"], DocumentKind::Resource),
    site("AWS::SQS::QueuePolicy", &["PolicyDocument"], DocumentKind::Resource),
    site("AWS::SNS::TopicPolicy", &["PolicyDocument"], DocumentKind::Resource),
    site("AWS::DynamoDB::Table", &["ResourcePolicy", "PolicyDocument"], DocumentKind::Resource),
];

/// One value of a statement field.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyValue {
    /// A literal string (numbers and booleans as their JSON text).
    Literal(String),
    /// Anything else, known only at deploy time: an intrinsic function (rendered in the YAML
    /// short form, e.g. `!GetAtt RawBucket.Arn`, `!Sub ${RawBucket.Arn}/*`) or a structure.
    Opaque(String),
}

impl PolicyValue {
    pub fn as_literal(&self) -> Option<&str> {
        match self {
            PolicyValue::Literal(s) => Some(s),
            PolicyValue::Opaque(_) => None,
        }
    }

    pub fn text(&self) -> &str {
        match self {
            PolicyValue::Literal(s) | PolicyValue::Opaque(s) => s,
        }
    }

    /// Whether this is exactly the literal `*`.
    pub fn is_star(&self) -> bool {
        self.as_literal() == Some("*")
    }

    fn of(expr: &Expr) -> PolicyValue {
        match expr {
            Expr::String(s) => PolicyValue::Literal(s.clone()),
            Expr::Bool(_) | Expr::Number(_) | Expr::Null => PolicyValue::Literal(render_value(expr)),
            _ => PolicyValue::Opaque(render_value(expr)),
        }
    }
}

impl fmt::Display for PolicyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

/// One principal: `kind` is the key under `Principal` (`AWS`, `Service`, ...), `None` for the
/// bare form (`"Principal": "*"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlatPrincipal {
    pub kind: Option<String>,
    pub value: PolicyValue,
}

impl FlatPrincipal {
    /// `"*"` or `{"AWS": "*"}`: everyone.
    pub fn is_everyone(&self) -> bool {
        self.value.is_star() && matches!(self.kind.as_deref(), None | Some("AWS"))
    }
}

impl fmt::Display for FlatPrincipal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            None => write!(f, "{}", self.value),
            Some(kind) => write!(f, "{kind}:{}", self.value),
        }
    }
}

/// One condition: `operator` as written (e.g. `ForAnyValue:StringLikeIfExists`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlatCondition {
    pub operator: String,
    pub key: String,
    pub values: Vec<PolicyValue>,
}

impl fmt::Display for FlatCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} = ", self.operator, self.key)?;
        match self.values.as_slice() {
            [one] => write!(f, "{one}"),
            many => write!(f, "[{}]", render_list(many)),
        }
    }
}

/// A statement with every field reduced to a list of values: a single string and a
/// one-element list read the same, so style differences never show up as changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlatStatement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principals: Vec<FlatPrincipal>,
    pub not_principals: Vec<FlatPrincipal>,
    pub actions: Vec<PolicyValue>,
    pub not_actions: Vec<PolicyValue>,
    pub resources: Vec<PolicyValue>,
    pub not_resources: Vec<PolicyValue>,
    pub conditions: Vec<FlatCondition>,
}

/// One line: `Allow (ReadRaw) s3:GetObject, s3:ListBucket on !GetAtt RawBucket.Arn to
/// Service:glue.amazonaws.com when StringEquals aws:SourceAccount = !Ref AWS::AccountId`.
impl fmt::Display for FlatStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.effect)?;
        if let Some(sid) = &self.sid {
            write!(f, " ({sid})")?;
        }
        if !self.actions.is_empty() {
            write!(f, " {}", render_list(&self.actions))?;
        }
        if !self.not_actions.is_empty() {
            write!(f, " all but {}", render_list(&self.not_actions))?;
        }
        if !self.resources.is_empty() {
            write!(f, " on {}", render_list(&self.resources))?;
        }
        if !self.not_resources.is_empty() {
            write!(f, " on all but {}", render_list(&self.not_resources))?;
        }
        if !self.principals.is_empty() {
            write!(f, " to {}", render_list(&self.principals))?;
        }
        if !self.not_principals.is_empty() {
            write!(f, " to all but {}", render_list(&self.not_principals))?;
        }
        if !self.conditions.is_empty() {
            write!(f, " when {}", self.conditions.iter().map(ToString::to_string).collect::<Vec<_>>().join(" and "))?;
        }
        Ok(())
    }
}

/// A statement and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LocatedStatement {
    /// The template's name (its stack).
    pub template: String,
    /// The logical id of the resource holding the document.
    pub resource: String,
    pub resource_type: String,
    pub document: DocumentKind,
    /// E.g. `Resources.Role.Properties.Policies[0].PolicyDocument.Statement[2]`; a branch of an
    /// `Fn::If` adds `.Fn::If[1]` (then) or `.Fn::If[2]` (else).
    pub path: String,
    pub statement: FlatStatement,
}

/// A policy document or statement that could not be read (its shape is not a policy's, or it
/// is an intrinsic other than `Fn::If`). The audit reports these: what it cannot read, it
/// cannot vouch for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Unreadable {
    pub template: String,
    pub resource: String,
    pub resource_type: String,
    pub path: String,
    pub reason: String,
}

/// Every statement of a template, and whatever could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    pub statements: Vec<LocatedStatement>,
    pub unreadable: Vec<Unreadable>,
}

/// Every readable statement of every policy document in the template, in template order.
pub fn statements_of(template: &Template) -> Vec<LocatedStatement> {
    scan(template).statements
}

/// [`statements_of`], plus the documents and statements that could not be read.
pub fn scan(template: &Template) -> Scan {
    scan_where(template, |_| true)
}

/// [`scan`], flattening only the statements `keep` accepts (and reporting the unreadable ones
/// among them); the others are skipped. Paths are the same as in a full scan.
pub(crate) fn scan_where(template: &Template, keep: impl Fn(&Expr) -> bool) -> Scan {
    let mut out = Scan::default();
    // One buffer for every path: segments are pushed and popped as the walk goes down and
    // back up, and a path is copied only when a statement or an unreadable part is recorded.
    let mut path = String::new();
    for (logical_id, resource) in &template.resources {
        for s in POLICY_SITES.iter().filter(|s| s.resource_type == resource.type_name) {
            let (first, rest) = s.path.split_first().expect("a site has a path");
            let Some(value) = resource.properties.get(*first) else { continue };
            let mut walker = Walker {
                template: &template.name,
                resource: logical_id,
                resource_type: &resource.type_name,
                kind: s.kind,
                keep: &keep,
                out: &mut out,
            };
            path.clear();
            path.push_str("Resources.");
            path.push_str(logical_id);
            path.push_str(".Properties.");
            path.push_str(first);
            walker.property(value, rest, &mut path);
        }
    }
    out
}

struct Walker<'a> {
    template: &'a str,
    resource: &'a str,
    resource_type: &'a str,
    kind: DocumentKind,
    keep: &'a dyn Fn(&Expr) -> bool,
    out: &'a mut Scan,
}

/// `Ref AWS::NoValue`: the property or element is left out.
fn is_no_value(expr: &Expr) -> bool {
    matches!(expr, Expr::Ref(name) if name == Pseudo::NoValue.name())
}

/// Runs `f` on `path` extended by `segment`, then restores it.
fn with_segment<R>(path: &mut String, segment: fmt::Arguments<'_>, f: impl FnOnce(&mut String) -> R) -> R {
    let len = path.len();
    fmt::Write::write_fmt(path, segment).expect("writing to a String cannot fail");
    let result = f(path);
    path.truncate(len);
    result
}

impl Walker<'_> {
    fn unreadable(&mut self, path: &str, reason: impl Into<String>) {
        self.out.unreadable.push(Unreadable {
            template: self.template.to_owned(),
            resource: self.resource.to_owned(),
            resource_type: self.resource_type.to_owned(),
            path: path.to_owned(),
            reason: reason.into(),
        });
    }

    /// Calls `f` with the value itself, or with both branches of an `Fn::If` (nested ones
    /// too), the path extended by `.Fn::If[1]` (then) or `.Fn::If[2]` (else); `AWS::NoValue`
    /// branches are dropped.
    fn branches<'e>(&mut self, expr: &'e Expr, path: &mut String, f: &mut dyn FnMut(&mut Self, &'e Expr, &mut String)) {
        match expr {
            Expr::If { then, otherwise, .. } => {
                with_segment(path, format_args!(".Fn::If[1]"), |path| self.branches(then, path, f));
                with_segment(path, format_args!(".Fn::If[2]"), |path| self.branches(otherwise, path, f));
            }
            e if is_no_value(e) => {}
            e => f(self, e, path),
        }
    }

    /// Follows the rest of a site's path from `value`, then reads the document there.
    fn property(&mut self, value: &Expr, rest: &[&str], path: &mut String) {
        self.branches(value, path, &mut |w, value, path| match rest.split_first() {
            None => w.document(value, path),
            Some((&"[]", tail)) => match value {
                Expr::List(items) => {
                    for (i, item) in items.iter().enumerate() {
                        with_segment(path, format_args!("[{i}]"), |path| w.property(item, tail, path));
                    }
                }
                other => w.unreadable(path, format!("expected a list, found {}", render_value(other))),
            },
            Some((key, tail)) => match value {
                Expr::Map(m) => {
                    if let Some(v) = m.get(*key) {
                        with_segment(path, format_args!(".{key}"), |path| w.property(v, tail, path));
                    }
                }
                other => w.unreadable(path, format!("expected an object, found {}", render_value(other))),
            },
        });
    }

    fn document(&mut self, doc: &Expr, path: &mut String) {
        let Expr::Map(m) = doc else {
            let what = match doc {
                Expr::String(_) => "a policy document given as a JSON string".to_owned(),
                other => format!("expected a policy document, found {}", render_value(other)),
            };
            return self.unreadable(path, what);
        };
        if let Some(key) = m.keys().find(|k| !matches!(k.as_str(), "Version" | "Id" | "Statement")) {
            return self.unreadable(path, format!("unknown policy document element `{key}`"));
        }
        let Some(statement) = m.get("Statement") else {
            return self.unreadable(path, "the document has no Statement");
        };
        with_segment(path, format_args!(".Statement"), |path| {
            self.branches(statement, path, &mut |w, value, path| match value {
                Expr::List(items) => {
                    for (i, item) in items.iter().enumerate() {
                        with_segment(path, format_args!("[{i}]"), |path| {
                            w.branches(item, path, &mut |w, s, path| w.statement(s, path))
                        });
                    }
                }
                single @ Expr::Map(_) => w.statement(single, path),
                other => w.unreadable(path, format!("expected a list of statements, found {}", render_value(other))),
            })
        });
    }

    fn statement(&mut self, value: &Expr, path: &str) {
        if !(self.keep)(value) {
            return;
        }
        match flatten_statement(value) {
            Ok(statement) => self.out.statements.push(LocatedStatement {
                template: self.template.to_owned(),
                resource: self.resource.to_owned(),
                resource_type: self.resource_type.to_owned(),
                document: self.kind,
                path: path.to_owned(),
                statement,
            }),
            Err(reason) => self.unreadable(path, reason),
        }
    }
}

/// Reads one statement object.
pub fn flatten_statement(value: &Expr) -> Result<FlatStatement, String> {
    let Expr::Map(m) = value else {
        return Err(format!("expected a statement object, found {}", render_value(value)));
    };
    const KEYS: [&str; 9] =
        ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];
    if let Some(key) = m.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(format!("unknown statement element `{key}`"));
    }
    let sid = match m.get("Sid") {
        None => None,
        Some(Expr::String(s)) => Some(s.clone()),
        Some(other) => return Err(format!("Sid is not a string: {}", render_value(other))),
    };
    let effect = match m.get("Effect") {
        Some(Expr::String(s)) => Effect::parse(s).ok_or_else(|| format!("Effect `{s}` is neither Allow nor Deny"))?,
        Some(other) => return Err(format!("Effect is not a literal: {}", render_value(other))),
        None => return Err("the statement has no Effect".to_owned()),
    };
    let list = |key: &str| m.get(key).map(values).unwrap_or_default();
    Ok(FlatStatement {
        sid,
        effect,
        principals: m.get("Principal").map(principals).unwrap_or_default(),
        not_principals: m.get("NotPrincipal").map(principals).unwrap_or_default(),
        actions: list("Action"),
        not_actions: list("NotAction"),
        resources: list("Resource"),
        not_resources: list("NotResource"),
        conditions: match m.get("Condition") {
            None => Vec::new(),
            Some(c) => conditions(c)?,
        },
    })
}

/// A string-or-list field as a list; `AWS::NoValue` elements are dropped.
fn values(expr: &Expr) -> Vec<PolicyValue> {
    match expr {
        Expr::List(items) => items.iter().filter(|e| !is_no_value(e)).map(PolicyValue::of).collect(),
        e if is_no_value(e) => Vec::new(),
        e => vec![PolicyValue::of(e)],
    }
}

fn principals(expr: &Expr) -> Vec<FlatPrincipal> {
    match expr {
        Expr::Map(m) => m
            .iter()
            .flat_map(|(kind, v)| values(v).into_iter().map(|value| FlatPrincipal { kind: Some(kind.clone()), value }))
            .collect(),
        other => values(other).into_iter().map(|value| FlatPrincipal { kind: None, value }).collect(),
    }
}

fn conditions(expr: &Expr) -> Result<Vec<FlatCondition>, String> {
    let Expr::Map(ops) = expr else {
        return Err(format!("Condition is not an object: {}", render_value(expr)));
    };
    let mut out = Vec::new();
    for (operator, keys) in ops {
        let Expr::Map(keys) = keys else {
            return Err(format!("Condition {operator} is not an object: {}", render_value(keys)));
        };
        for (key, v) in keys {
            out.push(FlatCondition { operator: operator.clone(), key: key.clone(), values: values(v) });
        }
    }
    Ok(out)
}

/// Items joined with `, `.
pub fn render_list<T: fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// A value in one line: a string as itself, an intrinsic in the YAML short form
/// (`!Ref Env`, `!GetAtt RawBucket.Arn`, `!Sub arn:${AWS::Partition}:s3:::x/*`,
/// `!Join ["", [!Ref A, "/b"]]`), structures in flow style.
pub fn render_value(expr: &Expr) -> String {
    match expr {
        Expr::String(s) => s.clone(),
        other => nested(other),
    }
}

fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn function(name: &str, args: &[&Expr]) -> String {
    format!("!{name} [{}]", args.iter().map(|a| nested(a)).collect::<Vec<_>>().join(", "))
}

fn nested(expr: &Expr) -> String {
    match expr {
        Expr::Null => "null".to_owned(),
        Expr::Bool(b) => b.to_string(),
        Expr::Number(n) => n.to_string(),
        Expr::String(s) => quoted(s),
        Expr::List(items) => format!("[{}]", items.iter().map(nested).collect::<Vec<_>>().join(", ")),
        Expr::Map(m) => map(m),
        Expr::Ref(name) => format!("!Ref {name}"),
        Expr::GetAtt { resource, attribute } => format!("!GetAtt {resource}.{attribute}"),
        Expr::Sub { template, vars: None } => format!("!Sub {template}"),
        Expr::Sub { template, vars: Some(vars) } => format!("!Sub [{}, {}]", quoted(template), map(vars)),
        Expr::Join { delimiter, values } => format!("!Join [{}, {}]", quoted(delimiter), nested(values)),
        Expr::Select { index, list } => function("Select", &[index, list]),
        Expr::Split { delimiter, source } => format!("!Split [{}, {}]", quoted(delimiter), nested(source)),
        Expr::If { condition, then, otherwise } => {
            format!("!If [{condition}, {}, {}]", nested(then), nested(otherwise))
        }
        Expr::Equals(a, b) => function("Equals", &[a, b]),
        Expr::Not(c) => function("Not", &[c]),
        Expr::And(cs) => format!("!And [{}]", cs.iter().map(nested).collect::<Vec<_>>().join(", ")),
        Expr::Or(cs) => format!("!Or [{}]", cs.iter().map(nested).collect::<Vec<_>>().join(", ")),
        Expr::Condition(name) => format!("!Condition {name}"),
        Expr::ImportValue(v) => format!("!ImportValue {}", nested(v)),
        Expr::FindInMap { map, top_key, second_key } => function("FindInMap", &[map, top_key, second_key]),
        Expr::Base64(v) => format!("!Base64 {}", nested(v)),
        Expr::GetAzs(v) => format!("!GetAZs {}", nested(v)),
        Expr::Cidr { ip_block, count, cidr_bits } => function("Cidr", &[ip_block, count, cidr_bits]),
        Expr::Function { name, args } => format!("!{} {}", name.strip_prefix("Fn::").unwrap_or(name), nested(args)),
    }
}

fn map(m: &IndexMap<String, Expr>) -> String {
    format!("{{{}}}", m.iter().map(|(k, v)| format!("{k}: {}", nested(v))).collect::<Vec<_>>().join(", "))
}
