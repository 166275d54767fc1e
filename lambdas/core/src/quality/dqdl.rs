//! Rules in DQDL, the ruleset language of AWS Glue Data Quality, and the checks that keep a
//! rule within what DQDL's grammar and rule configuration accept (awslabs/dqdl
//! `rules-config.json`: which rules take a `where` clause, which a threshold).

use std::fmt::Write;

use super::condition::Condition;
use super::{Check, Member, Rule, Values};

/// A rule that cannot be rendered, with what to change.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("data-quality rule {index} ({rule}): {problem}")]
pub struct RuleError {
    /// 1-based position in the ruleset.
    pub index: usize,
    pub rule: String,
    pub problem: String,
}

/// A DQDL string literal: `"` and `\` escaped as the grammar reads them.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn member(m: &Member) -> String {
    match m {
        Member::Text(s) => quoted(s),
        Member::Null => "NULL".to_owned(),
        Member::Empty => "EMPTY".to_owned(),
        Member::WhitespacesOnly => "WHITESPACES_ONLY".to_owned(),
    }
}

fn values(v: &Values) -> String {
    let list = |members: &[Member]| members.iter().map(member).collect::<Vec<_>>().join(", ");
    match v {
        Values::Number(condition) => condition.render(),
        Values::In(members) => format!("in [{}]", list(members)),
        Values::NotIn(members) => format!("not in [{}]", list(members)),
        Values::Matches(pattern) => format!("matches {}", quoted(pattern)),
    }
}

impl Rule {
    /// The rule in DQDL: `Type "param"… condition [where "…"] [with threshold …]`.
    pub fn render(&self) -> String {
        let mut out = self.name().to_owned();
        match &self.check {
            Check::CustomSql { sql, .. } => write!(out, " {}", quoted(sql)),
            _ => self.columns().iter().try_for_each(|c| write!(out, " {}", quoted(c))),
        }
        .expect("writing to a String cannot fail");
        let condition = match &self.check {
            Check::ColumnValues { values: v, .. } => Some(values(v)),
            _ => self.condition().map(Condition::render),
        };
        if let Some(condition) = condition {
            write!(out, " {condition}").expect("writing to a String cannot fail");
        }
        if let Some(filter) = &self.filter {
            write!(out, " where {}", quoted(filter)).expect("writing to a String cannot fail");
        }
        if let Some(threshold) = &self.threshold {
            write!(out, " with threshold {}", threshold.render()).expect("writing to a String cannot fail");
        }
        out
    }

    /// Why the rule cannot be rendered, or would mean nothing, if so.
    pub fn problem(&self) -> Option<String> {
        if let Some(problem) = self.placement_problem() {
            return Some(problem);
        }
        let texts = self.columns().into_iter().map(|c| ("column name", c));
        let texts = texts.chain(self.filter.as_deref().map(|f| ("where clause", f)));
        if let Some((what, text)) = texts.clone().find(|(_, t)| t.trim().is_empty() || t.contains('\n')) {
            return Some(format!("{what} {text:?} must be non-empty and on one line"));
        }
        if let Some(problem) = self.condition().and_then(Condition::problem) {
            return Some(problem);
        }
        if let Some(problem) = self.threshold.as_ref().and_then(|t| share_problem("a threshold", t)) {
            return Some(problem);
        }
        self.check_problem()
    }

    /// A `where` or threshold where DQDL does not take one.
    fn placement_problem(&self) -> Option<String> {
        let filterable = !matches!(self.check, Check::ColumnExists { .. } | Check::CustomSql { .. });
        if self.filter.is_some() && !filterable {
            return Some(format!("{} takes no where clause; filter in the rule itself", self.name()));
        }
        let thresholdable = matches!(self.check, Check::ColumnValues { .. } | Check::CustomSql { condition: None, .. });
        if self.threshold.is_some() && !thresholdable {
            return Some(format!(
                "{} takes no threshold (only ColumnValues and a row-level CustomSql do); put the bound in its \
                 condition",
                self.name()
            ));
        }
        None
    }

    /// What is wrong with the rule's own parameters.
    fn check_problem(&self) -> Option<String> {
        if self.columns().is_empty() && !matches!(self.check, Check::RowCount { .. } | Check::CustomSql { .. }) {
            return Some("name at least one column".to_owned());
        }
        match &self.check {
            Check::Completeness { condition, .. } | Check::Uniqueness { condition, .. } => {
                share_problem(&self.name().to_lowercase(), condition)
            }
            Check::RowCount { condition }
            | Check::ColumnLength { condition, .. }
            | Check::DistinctValuesCount { condition, .. } => {
                condition.operands().iter().any(|n| *n < 0.0).then(|| format!("a {} is never negative", self.name()))
            }
            Check::ColumnValues { values: Values::In(m) | Values::NotIn(m), .. } if m.is_empty() => {
                Some("give at least one allowed value".to_owned())
            }
            Check::ColumnValues { values: Values::Matches(p), .. } if p.is_empty() || p.contains('\n') => {
                Some("the pattern must be non-empty and on one line".to_owned())
            }
            Check::CustomSql { sql, .. } if sql.trim().is_empty() || sql.contains('\n') => {
                Some("the query must be non-empty and on one line".to_owned())
            }
            Check::CustomSql { sql, .. } if !sql.to_lowercase().contains("primary") => {
                Some("the query must read the dataset as `primary`".to_owned())
            }
            _ => None,
        }
    }
}

/// A condition on a share (0–1) that names a number outside it.
fn share_problem(what: &str, condition: &Condition) -> Option<String> {
    condition
        .operands()
        .iter()
        .any(|n| !(0.0..=1.0).contains(n))
        .then(|| format!("{what} is a share between 0.0 and 1.0"))
}

/// The first rule of the ruleset that cannot be rendered, as [`render_ruleset`] reports it,
/// without rendering the others.
pub fn check_ruleset(rules: &[Rule]) -> Result<(), RuleError> {
    match rules.iter().enumerate().find_map(|(i, rule)| rule.problem().map(|problem| (i, rule, problem))) {
        Some((i, rule, problem)) => Err(RuleError { index: i + 1, rule: rule.name().to_owned(), problem }),
        None => Ok(()),
    }
}

/// A whole ruleset in DQDL, or the first rule that cannot be rendered.
pub fn render_ruleset(rules: &[Rule]) -> Result<String, RuleError> {
    check_ruleset(rules)?;
    let mut out = String::from("Rules = [\n");
    for (i, rule) in rules.iter().enumerate() {
        let sep = if i + 1 < rules.len() { "," } else { "" };
        writeln!(out, "    {}{sep}", rule.render()).expect("writing to a String cannot fail");
    }
    out.push(']');
    Ok(out)
}
