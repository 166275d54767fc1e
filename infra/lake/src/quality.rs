//! Data-quality rules, typed, rendered to Glue Data Quality's DQDL.

use std::fmt::Write;

/// One rule of a dataset's ruleset.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// `RowCount > 0`.
    RowCount(Comparison),
    /// Every value of the column is present.
    IsComplete(String),
    /// No value of the column repeats.
    IsUnique(String),
    ColumnExists(String),
    /// Share of present values, 0.0–1.0.
    Completeness(String, Comparison),
    /// Every value lies in `[min, max]`.
    ColumnValuesBetween {
        column: String,
        min: f64,
        max: f64,
    },
    /// Every value is one of these.
    ColumnValuesIn {
        column: String,
        values: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Comparison {
    GreaterThan(f64),
    AtLeast(f64),
    LessThan(f64),
    AtMost(f64),
    Equals(f64),
    Between(f64, f64),
}

/// A rule that cannot be rendered, with what to change.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("data-quality rule {index} ({rule}): {problem}")]
pub struct RuleError {
    pub index: usize,
    pub rule: String,
    pub problem: String,
}

/// A number as DQDL writes it: integers without a fractional part.
fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n}") }
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

impl Comparison {
    fn render(self) -> String {
        match self {
            Comparison::GreaterThan(n) => format!("> {}", number(n)),
            Comparison::AtLeast(n) => format!(">= {}", number(n)),
            Comparison::LessThan(n) => format!("< {}", number(n)),
            Comparison::AtMost(n) => format!("<= {}", number(n)),
            Comparison::Equals(n) => format!("= {}", number(n)),
            Comparison::Between(a, b) => format!("between {} and {}", number(a), number(b)),
        }
    }

    fn bounds(self) -> (f64, f64) {
        match self {
            Comparison::Between(a, b) => (a, b),
            Comparison::GreaterThan(n)
            | Comparison::AtLeast(n)
            | Comparison::LessThan(n)
            | Comparison::AtMost(n)
            | Comparison::Equals(n) => (n, n),
        }
    }
}

impl Rule {
    fn name(&self) -> &'static str {
        match self {
            Rule::RowCount(_) => "RowCount",
            Rule::IsComplete(_) => "IsComplete",
            Rule::IsUnique(_) => "IsUnique",
            Rule::ColumnExists(_) => "ColumnExists",
            Rule::Completeness(..) => "Completeness",
            Rule::ColumnValuesBetween { .. } | Rule::ColumnValuesIn { .. } => "ColumnValues",
        }
    }

    fn column(&self) -> Option<&str> {
        match self {
            Rule::RowCount(_) => None,
            Rule::IsComplete(c) | Rule::IsUnique(c) | Rule::ColumnExists(c) | Rule::Completeness(c, _) => Some(c),
            Rule::ColumnValuesBetween { column, .. } | Rule::ColumnValuesIn { column, .. } => Some(column),
        }
    }

    fn problem(&self) -> Option<String> {
        if let Some(c) = self.column()
            && (c.is_empty() || c.contains('"') || c.contains('\n'))
        {
            return Some(format!("column name {c:?} must be non-empty, without quotes or line breaks"));
        }
        match self {
            Rule::RowCount(cmp) => {
                let (a, b) = cmp.bounds();
                (a < 0.0 || a > b).then(|| "a row count bound must be non-negative and ordered".to_owned())
            }
            Rule::Completeness(_, cmp) => {
                let (a, b) = cmp.bounds();
                (!(0.0..=1.0).contains(&a) || !(0.0..=1.0).contains(&b) || a > b)
                    .then(|| "completeness is a share between 0.0 and 1.0".to_owned())
            }
            Rule::ColumnValuesBetween { min, max, .. } => (min >= max || !min.is_finite() || !max.is_finite())
                .then(|| format!("min {min} must be below max {max}")),
            Rule::ColumnValuesIn { values, .. } => {
                if values.is_empty() {
                    Some("give at least one allowed value".to_owned())
                } else {
                    values.iter().find(|v| v.contains('"')).map(|v| format!("value {v:?} must not contain quotes"))
                }
            }
            Rule::IsComplete(_) | Rule::IsUnique(_) | Rule::ColumnExists(_) => None,
        }
    }

    /// The rule in DQDL.
    pub fn render(&self) -> String {
        let head = match self.column() {
            Some(c) => format!("{} {}", self.name(), quoted(c)),
            None => self.name().to_owned(),
        };
        match self {
            Rule::RowCount(cmp) | Rule::Completeness(_, cmp) => format!("{head} {}", cmp.render()),
            Rule::ColumnValuesBetween { min, max, .. } => {
                format!("{head} {}", Comparison::Between(*min, *max).render())
            }
            Rule::ColumnValuesIn { values, .. } => {
                let list: Vec<String> = values.iter().map(|v| quoted(v)).collect();
                format!("{head} in [{}]", list.join(", "))
            }
            Rule::IsComplete(_) | Rule::IsUnique(_) | Rule::ColumnExists(_) => head,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_rule_kind() {
        let rules = vec![
            Rule::RowCount(Comparison::GreaterThan(0.0)),
            Rule::IsComplete("id".into()),
            Rule::IsUnique("id".into()),
            Rule::ColumnExists("name".into()),
            Rule::Completeness("birth_date".into(), Comparison::AtLeast(0.95)),
            Rule::ColumnValuesBetween { column: "age".into(), min: 0.0, max: 150.0 },
            Rule::ColumnValuesIn { column: "gender".into(), values: vec!["male".into(), "female".into()] },
        ];
        assert_eq!(
            render_ruleset(&rules).unwrap(),
            "Rules = [\n    RowCount > 0,\n    IsComplete \"id\",\n    IsUnique \"id\",\n    ColumnExists \"name\",\n    \
             Completeness \"birth_date\" >= 0.95,\n    ColumnValues \"age\" between 0 and 150,\n    ColumnValues \
             \"gender\" in [\"male\", \"female\"]\n]"
        );
    }

    #[test]
    fn bad_rules_name_their_position_and_the_fix() {
        let e = render_ruleset(&[
            Rule::IsComplete("id".into()),
            Rule::ColumnValuesBetween { column: "age".into(), min: 10.0, max: 1.0 },
        ])
        .unwrap_err();
        assert_eq!(e.to_string(), "data-quality rule 2 (ColumnValues): min 10 must be below max 1");
        let e = render_ruleset(&[Rule::Completeness("x".into(), Comparison::AtLeast(95.0))]).unwrap_err();
        assert_eq!(e.to_string(), "data-quality rule 1 (Completeness): completeness is a share between 0.0 and 1.0");
        let e = render_ruleset(&[Rule::IsUnique("a\"b".into())]).unwrap_err();
        assert!(e.to_string().contains("without quotes"));
        let e = render_ruleset(&[Rule::ColumnValuesIn { column: "c".into(), values: vec![] }]).unwrap_err();
        assert!(e.to_string().ends_with("give at least one allowed value"));
    }
}
