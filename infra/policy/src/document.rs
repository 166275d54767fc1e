//! The builder: policy documents, statements, principals and conditions, rendered to [`Expr`].
//!
//! Rendering conventions (fixed, so the same program gives the same bytes):
//!
//! - `Version` is always [`POLICY_VERSION`]; `Statement` is always a list.
//! - Statement keys come in the order `Sid`, `Effect`, `Principal`, `NotPrincipal`, `Action`,
//!   `NotAction`, `Resource`, `NotResource`, `Condition`; empty ones are left out.
//! - A list of exactly one element (actions, resources, principal values, condition values)
//!   renders as that element alone: `"Action": "s3:GetObject"`. Two or more render as a list.
//! - Actions and resources keep the order they were given in; exact duplicates are dropped.
//! - Principal kinds come in the order `AWS`, `Service`, `Federated`, `CanonicalUser`, whatever
//!   order they were added in; [`Principal::any`] anywhere in a statement renders `"*"`.
//! - Condition operators and keys keep the order they were first added in.

use indexmap::IndexMap;
use sdlf_cfn::{Expr, IntoExpr};

/// The policy language version every document declares.
pub const POLICY_VERSION: &str = "2012-10-17";

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }

    /// The effect named exactly `Allow` or `Deny` (IAM is case-sensitive here).
    pub fn parse(s: &str) -> Option<Effect> {
        match s {
            "Allow" => Some(Effect::Allow),
            "Deny" => Some(Effect::Deny),
            _ => None,
        }
    }
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who a statement of a resource policy or trust policy applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// `"*"`: everyone, authenticated or not. Pair it with a condition.
    Any,
    /// `{"AWS": ...}`: an account, a role or a user, usually an ARN expression.
    Aws(Expr),
    /// `{"Service": ...}`: an AWS service such as `lambda.amazonaws.com`.
    Service(Expr),
    /// `{"Federated": ...}`: a SAML or OIDC provider.
    Federated(Expr),
    /// `{"CanonicalUser": ...}`: an S3 canonical user id (CloudFront origin access identities).
    CanonicalUser(Expr),
}

impl Principal {
    pub fn any() -> Principal {
        Principal::Any
    }

    pub fn aws(arn: impl Into<Expr>) -> Principal {
        Principal::Aws(arn.into())
    }

    pub fn service(name: impl Into<Expr>) -> Principal {
        Principal::Service(name.into())
    }

    pub fn federated(provider: impl Into<Expr>) -> Principal {
        Principal::Federated(provider.into())
    }

    pub fn canonical_user(id: impl Into<Expr>) -> Principal {
        Principal::CanonicalUser(id.into())
    }

    /// The key under `Principal` (`None` for [`Principal::Any`]).
    pub fn kind(&self) -> Option<&'static str> {
        match self {
            Principal::Any => None,
            Principal::Aws(_) => Some("AWS"),
            Principal::Service(_) => Some("Service"),
            Principal::Federated(_) => Some("Federated"),
            Principal::CanonicalUser(_) => Some("CanonicalUser"),
        }
    }
}

/// A condition operator, without the `...IfExists` suffix or a set qualifier
/// (see [`Condition::if_exists`], [`Condition::for_all_values`], [`Condition::for_any_value`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    /// `Null`: whether the key is absent (`"true"`) or present (`"false"`).
    Null,
}

impl Operator {
    pub const ALL: [Operator; 27] = [
        Operator::StringEquals,
        Operator::StringNotEquals,
        Operator::StringEqualsIgnoreCase,
        Operator::StringNotEqualsIgnoreCase,
        Operator::StringLike,
        Operator::StringNotLike,
        Operator::NumericEquals,
        Operator::NumericNotEquals,
        Operator::NumericLessThan,
        Operator::NumericLessThanEquals,
        Operator::NumericGreaterThan,
        Operator::NumericGreaterThanEquals,
        Operator::DateEquals,
        Operator::DateNotEquals,
        Operator::DateLessThan,
        Operator::DateLessThanEquals,
        Operator::DateGreaterThan,
        Operator::DateGreaterThanEquals,
        Operator::Bool,
        Operator::BinaryEquals,
        Operator::IpAddress,
        Operator::NotIpAddress,
        Operator::ArnEquals,
        Operator::ArnLike,
        Operator::ArnNotEquals,
        Operator::ArnNotLike,
        Operator::Null,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operator::StringEquals => "StringEquals",
            Operator::StringNotEquals => "StringNotEquals",
            Operator::StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            Operator::StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            Operator::StringLike => "StringLike",
            Operator::StringNotLike => "StringNotLike",
            Operator::NumericEquals => "NumericEquals",
            Operator::NumericNotEquals => "NumericNotEquals",
            Operator::NumericLessThan => "NumericLessThan",
            Operator::NumericLessThanEquals => "NumericLessThanEquals",
            Operator::NumericGreaterThan => "NumericGreaterThan",
            Operator::NumericGreaterThanEquals => "NumericGreaterThanEquals",
            Operator::DateEquals => "DateEquals",
            Operator::DateNotEquals => "DateNotEquals",
            Operator::DateLessThan => "DateLessThan",
            Operator::DateLessThanEquals => "DateLessThanEquals",
            Operator::DateGreaterThan => "DateGreaterThan",
            Operator::DateGreaterThanEquals => "DateGreaterThanEquals",
            Operator::Bool => "Bool",
            Operator::BinaryEquals => "BinaryEquals",
            Operator::IpAddress => "IpAddress",
            Operator::NotIpAddress => "NotIpAddress",
            Operator::ArnEquals => "ArnEquals",
            Operator::ArnLike => "ArnLike",
            Operator::ArnNotEquals => "ArnNotEquals",
            Operator::ArnNotLike => "ArnNotLike",
            Operator::Null => "Null",
        }
    }

    pub fn from_name(name: &str) -> Option<Operator> {
        Operator::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// `ForAllValues:` / `ForAnyValue:`, for keys that hold several values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

/// One condition: `operator → key → values`. Values listed for one key are ORed by IAM;
/// separate conditions are ANDed.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    operator: Operator,
    qualifier: Option<SetQualifier>,
    if_exists: bool,
    key: String,
    values: Vec<Expr>,
}

/// One value or several for a condition key: a single value (`&str`, `String`, `Expr`,
/// `Pseudo`, `bool`, `i64`), or an array or `Vec` of them.
pub trait ConditionValues {
    fn into_values(self) -> Vec<Expr>;
}

macro_rules! single_condition_value {
    ($($t:ty),*) => {
        $(impl ConditionValues for $t {
            fn into_values(self) -> Vec<Expr> {
                vec![self.into()]
            }
        })*
    };
}

single_condition_value!(Expr, &str, String, &String, sdlf_cfn::Pseudo, i64, i32, u32);

/// Booleans render as the strings `"true"` / `"false"`, the form IAM documentation uses.
impl ConditionValues for bool {
    fn into_values(self) -> Vec<Expr> {
        vec![Expr::string(if self { "true" } else { "false" })]
    }
}

impl<T: Into<Expr>, const N: usize> ConditionValues for [T; N] {
    fn into_values(self) -> Vec<Expr> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<T: Into<Expr>> ConditionValues for Vec<T> {
    fn into_values(self) -> Vec<Expr> {
        self.into_iter().map(Into::into).collect()
    }
}

macro_rules! operator_constructors {
    ($($(#[$doc:meta])* $fn_name:ident => $op:ident,)*) => {
        $(
            $(#[$doc])*
            pub fn $fn_name(key: impl Into<String>, values: impl ConditionValues) -> Condition {
                Condition::new(Operator::$op, key, values)
            }
        )*
    };
}

impl Condition {
    /// Any operator, key and values.
    pub fn new(operator: Operator, key: impl Into<String>, values: impl ConditionValues) -> Condition {
        Condition { operator, qualifier: None, if_exists: false, key: key.into(), values: values.into_values() }
    }

    operator_constructors! {
        string_equals => StringEquals,
        string_not_equals => StringNotEquals,
        string_equals_ignore_case => StringEqualsIgnoreCase,
        string_like => StringLike,
        string_not_like => StringNotLike,
        numeric_equals => NumericEquals,
        numeric_less_than => NumericLessThan,
        numeric_less_than_equals => NumericLessThanEquals,
        numeric_greater_than => NumericGreaterThan,
        numeric_greater_than_equals => NumericGreaterThanEquals,
        date_less_than => DateLessThan,
        date_greater_than => DateGreaterThan,
        /// `Bool`; pass `true`/`false` (rendered `"true"`/`"false"`).
        bool => Bool,
        ip_address => IpAddress,
        not_ip_address => NotIpAddress,
        arn_equals => ArnEquals,
        arn_like => ArnLike,
        arn_not_equals => ArnNotEquals,
        arn_not_like => ArnNotLike,
        /// `Null`: `true` means "the key is absent".
        null => Null,
    }

    /// `...IfExists`: the condition holds when the key is absent.
    pub fn if_exists(mut self) -> Self {
        self.if_exists = true;
        self
    }

    /// `ForAllValues:...`: every value of a multivalued key must match.
    pub fn for_all_values(mut self) -> Self {
        self.qualifier = Some(SetQualifier::ForAllValues);
        self
    }

    /// `ForAnyValue:...`: at least one value of a multivalued key must match.
    pub fn for_any_value(mut self) -> Self {
        self.qualifier = Some(SetQualifier::ForAnyValue);
        self
    }

    /// The operator as it appears in the policy, e.g. `ForAnyValue:StringLikeIfExists`.
    pub fn operator_name(&self) -> String {
        let prefix = match self.qualifier {
            None => "",
            Some(SetQualifier::ForAllValues) => "ForAllValues:",
            Some(SetQualifier::ForAnyValue) => "ForAnyValue:",
        };
        let suffix = if self.if_exists { "IfExists" } else { "" };
        format!("{prefix}{}{suffix}", self.operator.name())
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// Whether `other` tests the same key with the same operator (same [`Condition::operator_name`]).
    fn same_operator_and_key(&self, other: &Condition) -> bool {
        (self.operator, self.qualifier, self.if_exists, self.key.as_str())
            == (other.operator, other.qualifier, other.if_exists, other.key.as_str())
    }
}

/// One statement of a policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    sid: Option<String>,
    effect: Effect,
    principals: Vec<Principal>,
    not_principals: Vec<Principal>,
    actions: Vec<String>,
    not_actions: Vec<String>,
    resources: Vec<Expr>,
    not_resources: Vec<Expr>,
    conditions: Vec<Condition>,
}

impl Statement {
    pub fn new(effect: Effect) -> Statement {
        Statement {
            sid: None,
            effect,
            principals: Vec::new(),
            not_principals: Vec::new(),
            actions: Vec::new(),
            not_actions: Vec::new(),
            resources: Vec::new(),
            not_resources: Vec::new(),
            conditions: Vec::new(),
        }
    }

    pub fn allow() -> Statement {
        Statement::new(Effect::Allow)
    }

    pub fn deny() -> Statement {
        Statement::new(Effect::Deny)
    }

    /// The trust statement letting an AWS service assume a role (`sts:AssumeRole`).
    pub fn assume_role(service: impl Into<Expr>) -> Statement {
        Statement::allow().principal(Principal::service(service)).action("sts:AssumeRole")
    }

    /// Denies every action (`"*"`) to everyone over a connection without TLS
    /// (`aws:SecureTransport` is `"false"`). Put it in every bucket, queue and topic policy;
    /// for an S3 bucket pass both the bucket ARN and `<bucket ARN>/*`.
    pub fn deny_insecure_transport(resources: impl IntoIterator<Item = impl Into<Expr>>) -> Statement {
        Statement::deny_insecure_transport_of(["*"], resources)
    }

    /// [`Statement::deny_insecure_transport`] for services whose resource policies only accept
    /// their own actions (an SNS topic policy: `["sns:Publish"]`).
    pub fn deny_insecure_transport_of(
        actions: impl IntoIterator<Item = impl Into<String>>,
        resources: impl IntoIterator<Item = impl Into<Expr>>,
    ) -> Statement {
        Statement::deny()
            .sid("DenyInsecureTransport")
            .principal(Principal::any())
            .actions(actions)
            .resources(resources)
            .condition(Condition::bool("aws:SecureTransport", false))
    }

    /// A statement id: letters and digits only (IAM refuses anything else in identity policies).
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }

    pub fn principal(mut self, principal: Principal) -> Self {
        self.principals.push(principal);
        self
    }

    pub fn principals(mut self, principals: impl IntoIterator<Item = Principal>) -> Self {
        self.principals.extend(principals);
        self
    }

    pub fn not_principal(mut self, principal: Principal) -> Self {
        self.not_principals.push(principal);
        self
    }

    pub fn action(mut self, action: impl Into<String>) -> Self {
        self.actions.push(action.into());
        self
    }

    pub fn actions(mut self, actions: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.actions.extend(actions.into_iter().map(Into::into));
        self
    }

    pub fn not_actions(mut self, actions: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.not_actions.extend(actions.into_iter().map(Into::into));
        self
    }

    pub fn resource(mut self, resource: impl Into<Expr>) -> Self {
        self.resources.push(resource.into());
        self
    }

    pub fn resources(mut self, resources: impl IntoIterator<Item = impl Into<Expr>>) -> Self {
        self.resources.extend(resources.into_iter().map(Into::into));
        self
    }

    pub fn not_resources(mut self, resources: impl IntoIterator<Item = impl Into<Expr>>) -> Self {
        self.not_resources.extend(resources.into_iter().map(Into::into));
        self
    }

    pub fn condition(mut self, condition: Condition) -> Self {
        self.conditions.push(condition);
        self
    }

    pub fn effect(&self) -> Effect {
        self.effect
    }

    pub fn sid_str(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// Problems IAM would refuse, for the statement at `index` of its document.
    fn problems(&self, index: usize, out: &mut Vec<PolicyError>) {
        let mut push = |problem: Problem| out.push(PolicyError { statement: index, sid: self.sid.clone(), problem });
        if let Some(sid) = &self.sid
            && (sid.is_empty() || !sid.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            push(Problem::InvalidSid(sid.clone()));
        }
        match (self.actions.is_empty(), self.not_actions.is_empty()) {
            (true, true) => push(Problem::NoAction),
            (false, false) => push(Problem::Both("Action", "NotAction")),
            _ => {}
        }
        if !self.resources.is_empty() && !self.not_resources.is_empty() {
            push(Problem::Both("Resource", "NotResource"));
        }
        if !self.principals.is_empty() && !self.not_principals.is_empty() {
            push(Problem::Both("Principal", "NotPrincipal"));
        }
        if self.actions.iter().chain(&self.not_actions).any(String::is_empty) {
            push(Problem::EmptyAction);
        }
        for (i, c) in self.conditions.iter().enumerate() {
            // The operator's name is written out only for a problem: this runs for every
            // statement of every document built.
            if c.values.is_empty() {
                push(Problem::NoConditionValue { operator: c.operator_name(), key: c.key.clone() });
            }
            if self.conditions[..i].iter().any(|earlier| earlier.same_operator_and_key(c)) {
                push(Problem::DuplicateConditionKey { operator: c.operator_name(), key: c.key.clone() });
            }
        }
    }

    /// The statement as a JSON object (see the module docs for the conventions).
    pub fn to_expr(&self) -> Expr {
        self.clone().into_json()
    }

    /// [`Statement::to_expr`], moving the values into the result rather than copying them.
    fn into_json(self) -> Expr {
        // Sized up front: a statement has up to nine keys, and growing a map is a rehash.
        let present = [
            self.sid.is_some(),
            true,
            !self.principals.is_empty(),
            !self.not_principals.is_empty(),
            !self.actions.is_empty(),
            !self.not_actions.is_empty(),
            !self.resources.is_empty(),
            !self.not_resources.is_empty(),
            !self.conditions.is_empty(),
        ];
        let mut m: IndexMap<String, Expr> = IndexMap::with_capacity(present.iter().filter(|p| **p).count());
        if let Some(sid) = self.sid {
            m.insert("Sid".into(), Expr::String(sid));
        }
        m.insert("Effect".into(), Expr::string(self.effect.as_str()));
        if !self.principals.is_empty() {
            m.insert("Principal".into(), render_principals(self.principals));
        }
        if !self.not_principals.is_empty() {
            m.insert("NotPrincipal".into(), render_principals(self.not_principals));
        }
        let strings = |v: Vec<String>| one_or_many(dedup(v.into_iter().map(Expr::String)));
        if !self.actions.is_empty() {
            m.insert("Action".into(), strings(self.actions));
        }
        if !self.not_actions.is_empty() {
            m.insert("NotAction".into(), strings(self.not_actions));
        }
        if !self.resources.is_empty() {
            m.insert("Resource".into(), one_or_many(dedup(self.resources)));
        }
        if !self.not_resources.is_empty() {
            m.insert("NotResource".into(), one_or_many(dedup(self.not_resources)));
        }
        if !self.conditions.is_empty() {
            let mut ops: IndexMap<String, IndexMap<String, Expr>> = IndexMap::new();
            for c in self.conditions {
                // A repeated operator and key is refused by `try_build`; `build` panics first.
                ops.entry(c.operator_name()).or_default().insert(c.key, one_or_many(c.values));
            }
            m.insert("Condition".into(), Expr::Map(ops.into_iter().map(|(k, v)| (k, Expr::Map(v))).collect()));
        }
        Expr::Map(m)
    }
}

/// A policy document: `PolicyDocument`, `AssumeRolePolicyDocument`, `KeyPolicy`, or the
/// `PolicyDocument` of a bucket, queue or topic policy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyDocument {
    id: Option<String>,
    statements: Vec<Statement>,
}

impl PolicyDocument {
    pub fn new() -> PolicyDocument {
        PolicyDocument::default()
    }

    /// The trust policy of a role assumed by one AWS service, e.g. `lambda.amazonaws.com`.
    pub fn assume_role(service: impl Into<Expr>) -> PolicyDocument {
        PolicyDocument::new().statement(Statement::assume_role(service))
    }

    /// The optional `Id` element (some resource policies show it).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    pub fn statement(mut self, statement: Statement) -> Self {
        self.statements.push(statement);
        self
    }

    pub fn statements(mut self, statements: impl IntoIterator<Item = Statement>) -> Self {
        self.statements.extend(statements);
        self
    }

    pub fn push(&mut self, statement: Statement) {
        self.statements.push(statement);
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    pub fn statement_list(&self) -> &[Statement] {
        &self.statements
    }

    /// Everything IAM would refuse: no statement, a statement without actions, `Action` and
    /// `NotAction` together (same for resources and principals), a `Sid` that is not
    /// alphanumeric or is used twice, an operator and key given twice in one statement, a
    /// condition without values.
    pub fn validate(&self) -> Result<(), PolicyErrors> {
        let mut errors = Vec::new();
        if self.statements.is_empty() {
            errors.push(PolicyError { statement: 0, sid: None, problem: Problem::NoStatement });
        }
        for (i, s) in self.statements.iter().enumerate() {
            s.problems(i, &mut errors);
            if let Some(sid) = &s.sid
                && self.statements[..i].iter().any(|earlier| earlier.sid.as_ref() == Some(sid))
            {
                errors.push(PolicyError { statement: i, sid: Some(sid.clone()), problem: Problem::DuplicateSid });
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(PolicyErrors(errors)) }
    }

    /// The document, or everything wrong with it.
    pub fn try_build(&self) -> Result<Expr, PolicyErrors> {
        self.validate()?;
        Ok(self.clone().render())
    }

    /// [`PolicyDocument::try_build`], consuming the document: its values move into the result
    /// rather than being copied.
    pub fn try_into_expr(self) -> Result<Expr, PolicyErrors> {
        self.validate()?;
        Ok(self.render())
    }

    /// The document as a template value.
    ///
    /// # Panics
    ///
    /// When [`PolicyDocument::validate`] fails: policies are written in code, so a malformed
    /// one is a programming error that the first synth (and test) shows. Use
    /// [`PolicyDocument::try_build`] for documents assembled from input.
    pub fn build(&self) -> Expr {
        self.clone().into_built()
    }

    /// [`PolicyDocument::build`], consuming the document.
    fn into_built(self) -> Expr {
        match self.try_into_expr() {
            Ok(expr) => expr,
            Err(errors) => panic!("malformed policy document: {errors}"),
        }
    }

    fn render(self) -> Expr {
        let mut m: IndexMap<String, Expr> = IndexMap::new();
        m.insert("Version".into(), Expr::string(POLICY_VERSION));
        if let Some(id) = self.id {
            m.insert("Id".into(), Expr::String(id));
        }
        m.insert("Statement".into(), Expr::List(self.statements.into_iter().map(Statement::into_json).collect()));
        Expr::Map(m)
    }
}

/// `PolicyDocument` → `Expr` (through [`PolicyDocument::build`], so it panics on a malformed
/// document): lets a document go straight into `Role::new(...)` and other generated setters.
impl From<PolicyDocument> for Expr {
    fn from(doc: PolicyDocument) -> Expr {
        doc.into_built()
    }
}

impl IntoExpr for PolicyDocument {
    fn into_expr(self) -> Expr {
        self.into_built()
    }
}

/// What is wrong with one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    NoStatement,
    NoAction,
    EmptyAction,
    /// Two elements that exclude each other, e.g. `Action` and `NotAction`.
    Both(&'static str, &'static str),
    InvalidSid(String),
    DuplicateSid,
    DuplicateConditionKey {
        operator: String,
        key: String,
    },
    NoConditionValue {
        operator: String,
        key: String,
    },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::NoStatement => write!(f, "the document has no statement"),
            Problem::NoAction => write!(f, "neither Action nor NotAction is set"),
            Problem::EmptyAction => write!(f, "an action is the empty string"),
            Problem::Both(a, b) => write!(f, "{a} and {b} are both set"),
            Problem::InvalidSid(sid) => write!(f, "Sid `{sid}` is not made of letters and digits only"),
            Problem::DuplicateSid => write!(f, "the Sid is used by an earlier statement"),
            Problem::DuplicateConditionKey { operator, key } => {
                write!(f, "condition {operator} on `{key}` is given twice (combine the values in one condition)")
            }
            Problem::NoConditionValue { operator, key } => write!(f, "condition {operator} on `{key}` has no value"),
        }
    }
}

/// A problem and the statement it is in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("statement {statement}{}: {problem}", sid.as_ref().map(|s| format!(" ({s})")).unwrap_or_default())]
pub struct PolicyError {
    /// Index in the document's statement list.
    pub statement: usize,
    pub sid: Option<String>,
    pub problem: Problem,
}

/// Every problem of a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct PolicyErrors(pub Vec<PolicyError>);

/// Principals grouped by kind in canonical order; `"*"` when any of them is [`Principal::Any`].
fn render_principals(principals: Vec<Principal>) -> Expr {
    if principals.iter().any(|p| matches!(p, Principal::Any)) {
        return Expr::string("*");
    }
    // Values by kind, in the canonical order of kinds.
    let mut by_kind: [(&str, Vec<Expr>); 4] =
        [("AWS", Vec::new()), ("Service", Vec::new()), ("Federated", Vec::new()), ("CanonicalUser", Vec::new())];
    for p in principals {
        let (slot, value) = match p {
            Principal::Any => continue, // there is none: see above
            Principal::Aws(v) => (0, v),
            Principal::Service(v) => (1, v),
            Principal::Federated(v) => (2, v),
            Principal::CanonicalUser(v) => (3, v),
        };
        by_kind[slot].1.push(value);
    }
    let mut m: IndexMap<String, Expr> = IndexMap::new();
    for (kind, values) in by_kind {
        let values = dedup(values);
        if !values.is_empty() {
            m.insert(kind.into(), one_or_many(values));
        }
    }
    Expr::Map(m)
}

fn dedup(items: impl IntoIterator<Item = Expr>) -> Vec<Expr> {
    let mut out: Vec<Expr> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// One element alone, several as a list.
fn one_or_many(mut items: Vec<Expr>) -> Expr {
    if items.len() == 1 { items.pop().expect("one element") } else { Expr::List(items) }
}
