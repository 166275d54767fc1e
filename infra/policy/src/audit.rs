//! The security baseline over a whole template: no wildcard action, resource or principal in
//! an `Allow`, unless an allowlist entry says why it is fine.

use std::fmt;

use sdlf_cfn::{Expr, Template};

use crate::document::Effect;
use crate::extract::{FlatCondition, FlatStatement, LocatedStatement, Scan, Unreadable, render_list, scan_where};

/// What is wrong with a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingKind {
    /// An `Allow` of `*` or of a whole service (`s3:*`), or an `Allow` with `NotAction`.
    WildcardAction,
    /// An `Allow` on the literal resource `*`, or with `NotResource`.
    WildcardResource,
    /// An `Allow` to everyone (`"*"` or `{"AWS": "*"}`) without a condition naming who
    /// (see [`RESTRICTING_CONDITION_KEYS`]), or an `Allow` with `NotPrincipal`.
    WildcardPrincipal,
    /// A policy document or statement the audit cannot read: it cannot vouch for it.
    Unreadable,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::WildcardAction => "wildcard action",
            FindingKind::WildcardResource => "wildcard resource",
            FindingKind::WildcardPrincipal => "wildcard principal",
            FindingKind::Unreadable => "unreadable policy",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Condition keys that say who may act (an account, an organization, a source ARN, a network),
/// compared case-insensitively. An `Allow` to `*` is accepted when one of them is tested with
/// a positive operator (`StringEquals`, `StringEqualsIgnoreCase`, `StringLike`, `ArnEquals`,
/// `ArnLike`, `IpAddress`, optionally `ForAnyValue:`), not `...IfExists`, and no value is `*`.
pub const RESTRICTING_CONDITION_KEYS: &[&str] = &[
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOwner",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceIp",
    "aws:VpcSourceIp",
    "aws:userid",
    "aws:username",
    "kms:CallerAccount",
];

/// A statement that breaks the baseline.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Finding {
    /// The template's name.
    pub template: String,
    /// The logical id of the resource holding the document.
    pub resource: String,
    pub resource_type: String,
    /// E.g. `Resources.Role.Properties.Policies[0].PolicyDocument.Statement[2]`.
    pub path: String,
    pub kind: FindingKind,
    /// The actions concerned, as an allowlist entry's action pattern sees them: the wildcard
    /// actions for [`FindingKind::WildcardAction`], every action of the statement otherwise
    /// (`*` when it uses `NotAction`), none for [`FindingKind::Unreadable`].
    pub actions: Vec<String>,
    /// What is wrong, in a few words.
    pub detail: String,
    /// The statement in one line (see [`FlatStatement`]'s `Display`); the reason for an
    /// unreadable one.
    pub statement: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({}): {}: {}", self.template, self.path, self.resource_type, self.kind, self.detail)?;
        if self.kind != FindingKind::Unreadable {
            write!(f, " [{}]", self.statement)?;
        }
        Ok(())
    }
}

/// A finding an allowlist entry accepts, and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Accepted {
    pub finding: Finding,
    pub reason: &'static str,
}

impl fmt::Display for Accepted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -- accepted: {}", self.finding, self.reason)
    }
}

/// Which resources an allowlist entry covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every resource of this type, e.g. `AWS::KMS::Key`.
    ResourceType(String),
    /// Resources whose logical id matches the pattern (`*` matches any run of characters).
    LogicalId(String),
}

/// One accepted exception: a scope, a finding kind, optionally an action pattern, and the
/// reason, which is shown next to every finding it accepts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Allowance {
    pub scope: Scope,
    pub kind: FindingKind,
    /// When set, every action the finding concerns must match it (`*` matches any run of
    /// characters; case-insensitive, as IAM actions are). An action known only at deploy time
    /// never matches.
    pub actions: Option<String>,
    pub reason: &'static str,
}

impl Allowance {
    pub fn resource_type(resource_type: impl Into<String>, kind: FindingKind, reason: &'static str) -> Allowance {
        Allowance { scope: Scope::ResourceType(resource_type.into()), kind, actions: None, reason }
    }

    pub fn logical_id(pattern: impl Into<String>, kind: FindingKind, reason: &'static str) -> Allowance {
        Allowance { scope: Scope::LogicalId(pattern.into()), kind, actions: None, reason }
    }

    /// Only for findings whose actions all match `pattern`, e.g. `xray:Put*`.
    pub fn actions(mut self, pattern: impl Into<String>) -> Self {
        self.actions = Some(pattern.into());
        self
    }

    pub fn accepts(&self, finding: &Finding) -> bool {
        let in_scope = match &self.scope {
            Scope::ResourceType(t) => *t == finding.resource_type,
            Scope::LogicalId(pattern) => glob(pattern, &finding.resource, false),
        };
        let actions_match = match &self.actions {
            None => true,
            Some(pattern) => !finding.actions.is_empty() && finding.actions.iter().all(|a| glob(pattern, a, true)),
        };
        in_scope && self.kind == finding.kind && actions_match
    }
}

/// The accepted exceptions to the baseline. Empty by default: the lake owns its list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    entries: Vec<Allowance>,
}

impl Allowlist {
    pub fn new() -> Allowlist {
        Allowlist::default()
    }

    pub fn allow(mut self, entry: Allowance) -> Self {
        self.entries.push(entry);
        self
    }

    pub fn push(&mut self, entry: Allowance) {
        self.entries.push(entry);
    }

    pub fn entries(&self) -> &[Allowance] {
        &self.entries
    }

    /// The first entry accepting the finding.
    pub fn find(&self, finding: &Finding) -> Option<&Allowance> {
        self.entries.iter().find(|e| e.accepts(finding))
    }
}

impl FromIterator<Allowance> for Allowlist {
    fn from_iter<I: IntoIterator<Item = Allowance>>(iter: I) -> Allowlist {
        Allowlist { entries: iter.into_iter().collect() }
    }
}

/// The audit of one template (or several, through [`AuditReport::merge`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditReport {
    /// Findings no allowlist entry accepts: each one fails the baseline.
    pub violations: Vec<Finding>,
    pub accepted: Vec<Accepted>,
}

impl AuditReport {
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }

    pub fn merge(&mut self, other: AuditReport) {
        self.violations.extend(other.violations);
        self.accepted.extend(other.accepted);
    }
}

/// The violations, one a line, then the accepted findings with their reasons.
impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} violation(s), {} accepted finding(s)", self.violations.len(), self.accepted.len())?;
        for v in &self.violations {
            writeln!(f, "  violation: {v}")?;
        }
        for a in &self.accepted {
            writeln!(f, "  {a}")?;
        }
        Ok(())
    }
}

/// Audits every policy document of the template.
pub fn audit(template: &Template, allow: &Allowlist) -> AuditReport {
    let mut report = AuditReport::default();
    for finding in findings(template) {
        match allow.find(&finding) {
            Some(entry) => report.accepted.push(Accepted { finding, reason: entry.reason }),
            None => report.violations.push(finding),
        }
    }
    report
}

/// Every finding of the template, before the allowlist.
pub fn findings(template: &Template) -> Vec<Finding> {
    // Most statements are ordinary: flattening each into strings only to find nothing was most
    // of the audit's time, so only those that may be findings are flattened.
    findings_in(template, scan_where(template, may_be_finding))
}

/// The findings among the scanned statements and unreadable parts of `template`.
fn findings_in(template: &Template, scan: Scan) -> Vec<Finding> {
    // Statements and unreadable parts interleaved in template order would need a common
    // position; resource order first, then path, keeps the output stable and readable.
    let order: Vec<&String> = template.resources.keys().collect();
    let rank = |id: &str| order.iter().position(|k| k.as_str() == id).unwrap_or(usize::MAX);
    let mut out: Vec<(usize, usize, Finding)> = Vec::new();
    for (i, s) in scan.statements.iter().enumerate() {
        out.extend(statement_findings(s).into_iter().map(|f| (rank(&f.resource), i, f)));
    }
    let base = scan.statements.len();
    for (i, u) in scan.unreadable.iter().enumerate() {
        out.push((rank(&u.resource), base + i, unreadable_finding(u)));
    }
    out.sort_by_key(|(r, i, _)| (*r, *i));
    out.into_iter().map(|(_, _, f)| f).collect()
}

/// `*`, or a whole service: `s3:*` (but not `s3:Get*`).
pub fn is_wildcard_action(action: &str) -> bool {
    action == "*" || action.split_once(':').is_some_and(|(service, rest)| !service.is_empty() && rest == "*")
}

/// Whether a condition says who may act (see [`RESTRICTING_CONDITION_KEYS`]).
pub fn is_restricting(condition: &FlatCondition) -> bool {
    let op = condition.operator.strip_prefix("ForAnyValue:").unwrap_or(&condition.operator);
    let positive =
        matches!(op, "StringEquals" | "StringEqualsIgnoreCase" | "StringLike" | "ArnEquals" | "ArnLike" | "IpAddress");
    let known_key = RESTRICTING_CONDITION_KEYS.iter().any(|k| k.eq_ignore_ascii_case(&condition.key));
    positive && known_key && !condition.values.is_empty() && !condition.values.iter().any(|v| v.is_star())
}

/// Whether a statement object may give a finding: `false` only when [`crate::flatten_statement`]
/// reads it and [`statement_findings`] finds nothing in it, decided on the expression without
/// rendering anything. Anything unusual (a `Not...` element, a `*`, a malformed part) answers
/// `true` and goes through the full reading.
fn may_be_finding(statement: &Expr) -> bool {
    let Expr::Map(m) = statement else { return true };
    let (mut allow, mut wildcard) = (None, false);
    // One pass over the elements, without lookups: this runs for every statement.
    for (key, value) in m {
        match key.as_str() {
            "Sid" if matches!(value, Expr::String(_)) => {}
            "Effect" => match value {
                Expr::String(s) if s == "Allow" => allow = Some(true),
                Expr::String(s) if s == "Deny" => allow = Some(false),
                _ => return true,
            },
            "Condition" if is_condition_object(value) => {}
            "Action" => wildcard |= top_level_literals(value).any(is_wildcard_action),
            "Resource" => wildcard |= top_level_literals(value).any(|r| r == "*"),
            "Principal" => {
                wildcard |= match value {
                    Expr::Map(kinds) => {
                        kinds.iter().any(|(kind, v)| kind == "AWS" && top_level_literals(v).any(|p| p == "*"))
                    }
                    other => top_level_literals(other).any(|p| p == "*"),
                }
            }
            // `NotPrincipal`, `NotAction`, `NotResource`, an unknown element, a `Sid` that is not a
            // string or a malformed `Condition`.
            _ => return true,
        }
    }
    // No `Effect` cannot be read; a `Deny` is never a finding.
    allow.is_none_or(|allow| allow && wildcard)
}

/// `{operator: {key: values}}`, the shape [`crate::flatten_statement`] reads.
fn is_condition_object(condition: &Expr) -> bool {
    matches!(condition, Expr::Map(ops) if ops.values().all(|keys| matches!(keys, Expr::Map(_))))
}

/// The string literals a string-or-list field holds at its top level: the only values the
/// flat form reads as literal strings (numbers and booleans can be neither `*` nor `service:*`).
fn top_level_literals(field: &Expr) -> impl Iterator<Item = &str> {
    let items = match field {
        Expr::List(items) => items.as_slice(),
        single => std::slice::from_ref(single),
    };
    items.iter().filter_map(Expr::as_str)
}

fn statement_findings(located: &LocatedStatement) -> Vec<Finding> {
    let s: &FlatStatement = &located.statement;
    if s.effect != Effect::Allow {
        return Vec::new();
    }
    let all_actions: Vec<String> = if s.not_actions.is_empty() {
        s.actions.iter().map(ToString::to_string).collect()
    } else {
        vec!["*".to_owned()]
    };
    let mut out = Vec::new();
    let mut push = |kind: FindingKind, actions: Vec<String>, detail: String| {
        out.push(Finding {
            template: located.template.clone(),
            resource: located.resource.clone(),
            resource_type: located.resource_type.clone(),
            path: located.path.clone(),
            kind,
            actions,
            detail,
            statement: s.to_string(),
        })
    };

    let wild: Vec<String> =
        s.actions.iter().filter_map(|a| a.as_literal()).filter(|a| is_wildcard_action(a)).map(str::to_owned).collect();
    if !wild.is_empty() {
        let detail = format!("Allow of {}", wild.join(", "));
        push(FindingKind::WildcardAction, wild, detail);
    } else if !s.not_actions.is_empty() {
        let detail = format!("Allow with NotAction {} allows every other action", render_list(&s.not_actions));
        push(FindingKind::WildcardAction, vec!["*".to_owned()], detail);
    }

    if s.resources.iter().any(|r| r.is_star()) {
        push(FindingKind::WildcardResource, all_actions.clone(), "Allow on Resource \"*\"".to_owned());
    } else if !s.not_resources.is_empty() {
        let detail = format!("Allow with NotResource {} covers every other resource", render_list(&s.not_resources));
        push(FindingKind::WildcardResource, all_actions.clone(), detail);
    }

    if s.principals.iter().any(|p| p.is_everyone()) && !s.conditions.iter().any(is_restricting) {
        let detail = "Allow to Principal \"*\" without a condition naming an account, organization, source or network";
        push(FindingKind::WildcardPrincipal, all_actions, detail.to_owned());
    } else if !s.not_principals.is_empty() {
        let detail = format!("Allow with NotPrincipal {} applies to everyone else", render_list(&s.not_principals));
        push(FindingKind::WildcardPrincipal, all_actions, detail);
    }
    out
}

fn unreadable_finding(u: &Unreadable) -> Finding {
    Finding {
        template: u.template.clone(),
        resource: u.resource.clone(),
        resource_type: u.resource_type.clone(),
        path: u.path.clone(),
        kind: FindingKind::Unreadable,
        actions: Vec::new(),
        detail: u.reason.clone(),
        statement: u.reason.clone(),
    }
}

/// `*` matches any run of characters (none included); everything else matches itself.
fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let norm = |s: &str| -> Vec<char> {
        if ignore_case { s.chars().flat_map(char::to_lowercase).collect() } else { s.chars().collect() }
    };
    let (p, t) = (norm(pattern), norm(text));
    // Greedy match with backtracking to the last `*`: linear in practice.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pre-check may only skip statements a full reading finds nothing in: every
    /// combination of the elements that decide findings, audited both ways, gives the same.
    #[test]
    fn the_pre_check_skips_no_finding() {
        use sdlf_cfn::{Pseudo, Resource};
        let s = Expr::string;
        let no_value = || Pseudo::NoValue.expr();
        let effects = [None, Some(s("Allow")), Some(s("Deny")), Some(s("allow")), Some(Expr::reference("E"))];
        let actions = [
            None,
            Some(s("s3:GetObject")),
            Some(s("*")),
            Some(s("s3:*")),
            Some(Expr::list([s("s3:Get*"), s("kms:*")])),
            Some(Expr::list([no_value(), s("s3:GetObject")])),
            Some(Expr::sub("${Service}:*")),
        ];
        let resources = [None, Some(s("*")), Some(Expr::list([s("arn:x"), s("*")])), Some(Expr::get_att("B", "Arn"))];
        let principals = [
            None,
            Some(s("*")),
            Some(Expr::list([s("x"), s("*")])),
            Some(Expr::map([("AWS", s("*"))])),
            Some(Expr::map([("AWS", Expr::list([s("arn:aws:iam::1:root"), s("*")]))])),
            Some(Expr::map([("Service", s("*"))])),
            Some(no_value()),
        ];
        let conditions = [
            None,
            Some(Expr::map([("StringEquals", Expr::map([("aws:SourceAccount", s("1"))]))])),
            Some(Expr::map([("Bool", Expr::map([("aws:SecureTransport", s("false"))]))])),
            Some(Expr::map([("StringEquals", s("malformed"))])),
        ];
        let others = [None, Some(("NotAction", s("s3:*"))), Some(("NotResource", s("x"))), Some(("Sid", Expr::int(1)))];
        let others = others.into_iter().chain([Some(("NotPrincipal", s("*"))), Some(("Unknown", s("x")))]);
        let mut statements = Vec::new();
        for other in others {
            for effect in &effects {
                for action in &actions {
                    for resource in &resources {
                        for principal in &principals {
                            for condition in &conditions {
                                let fields = [
                                    ("Effect", effect.clone()),
                                    ("Principal", principal.clone()),
                                    ("Action", action.clone()),
                                    ("Resource", resource.clone()),
                                    ("Condition", condition.clone()),
                                ];
                                let fields = fields.into_iter().filter_map(|(k, v)| v.map(|v| (k, v)));
                                statements.push(Expr::map(fields.chain(other.clone())));
                            }
                        }
                    }
                }
            }
        }
        statements.extend([s("not an object"), no_value()]);
        let document = Expr::map([("Version", s("2012-10-17")), ("Statement", Expr::List(statements))]);
        let mut t = Template::new("t");
        let props = [("PolicyDocument".to_owned(), document)].into_iter().collect();
        t.add_resource("Policy", Resource::new("AWS::IAM::Policy", props));
        let skipped = scan_where(&t, |e| !may_be_finding(e)).statements.len();
        assert!(skipped > 500, "the pre-check skips ordinary statements ({skipped})");
        let all = findings_in(&t, crate::extract::scan(&t));
        assert!(all.len() > 1000);
        assert_eq!(findings(&t), all);
    }

    #[test]
    fn glob_matches_runs_of_characters() {
        assert!(glob("*", "", false));
        assert!(glob("xray:Put*", "xray:PutTraceSegments", false));
        assert!(glob("XRAY:put*", "xray:PutTraceSegments", true));
        assert!(!glob("XRAY:put*", "xray:PutTraceSegments", false));
        assert!(glob("Stage*Role", "StageARole", false));
        assert!(glob("*Role*", "StageARoleX", false));
        assert!(!glob("Stage*Role", "StageARoles", false));
        assert!(glob("a*b*c", "aXbYbZc", false));
        assert!(!glob("a*b*c", "aXbYbZ", false));
        assert!(glob("logs:CreateLogGroup", "logs:createloggroup", true));
    }

    #[test]
    fn only_star_and_whole_services_are_wildcard_actions() {
        assert!(is_wildcard_action("*"));
        assert!(is_wildcard_action("s3:*"));
        assert!(is_wildcard_action("kms:*"));
        assert!(!is_wildcard_action("s3:Get*"));
        assert!(!is_wildcard_action("s3:*Object"));
        assert!(!is_wildcard_action("s3:GetObject"));
        assert!(!is_wildcard_action(":*"));
    }
}
