//! `ColumnValues`: which rows comply, as Deequ's DQDL translation decides (NULL handling per
//! operator, the `NULL`/`EMPTY`/`WHITESPACES_ONLY` keywords, patterns matched whole).

use sdlf_lambda_core::quality::{Condition, Member, Rule, Values};

use super::{Data, Finding, nothing_to_measure};
use crate::sql;

/// A compliant row of column `c` (quoted), as a predicate that is never NULL.
fn compliant(c: &str, values: &Values) -> String {
    match values {
        Values::Number(condition) => {
            let x = format!("TRY_CAST({c} AS DOUBLE)");
            match condition {
                // NULL satisfies `!=` and `not in`, and fails every other operator.
                Condition::NotEquals(_) | Condition::NotIn(_) => {
                    format!("({x} IS NULL OR {})", sql::satisfies(&x, condition))
                }
                _ => format!("({x} IS NOT NULL AND {})", sql::satisfies(&x, condition)),
            }
        }
        Values::In(members) => {
            let text = format!("CAST({c} AS VARCHAR)");
            let parts: Vec<String> = member_parts(&text, members);
            format!("COALESCE({}, FALSE)", parts.join(" OR "))
        }
        Values::NotIn(members) => {
            let text = format!("CAST({c} AS VARCHAR)");
            let parts: Vec<String> =
                member_parts(&text, members).iter().map(|p| format!("NOT COALESCE({p}, FALSE)")).collect();
            format!("({})", parts.join(" AND "))
        }
        Values::Matches(pattern) => {
            let anchored = sql::string(&format!("^{pattern}$"));
            format!("COALESCE(regexp_like(CAST({c} AS VARCHAR), {anchored}), FALSE)")
        }
    }
}

/// One predicate per kind of member: NULL, empty, whitespace only, the listed strings.
fn member_parts(text: &str, members: &[Member]) -> Vec<String> {
    let mut parts = Vec::new();
    if members.contains(&Member::Null) {
        parts.push(format!("{text} IS NULL"));
    }
    if members.contains(&Member::Empty) {
        parts.push(format!("{text} = ''"));
    }
    if members.contains(&Member::WhitespacesOnly) {
        parts.push(format!("(CHARACTER_LENGTH(TRIM({text})) = 0 AND CHARACTER_LENGTH({text}) > 0)"));
    }
    let listed: Vec<String> = members
        .iter()
        .filter_map(|m| match m {
            Member::Text(s) => Some(sql::string(s)),
            _ => None,
        })
        .collect();
    if !listed.is_empty() {
        parts.push(format!("{text} IN ({})", listed.join(", ")));
    }
    parts
}

impl Data<'_> {
    /// The share of rows that comply, which must be 1 or satisfy the rule's threshold.
    pub(super) async fn column_values(&self, rule: &Rule, column: &str, values: &Values) -> Result<Finding, String> {
        let c = self.column(column)?;
        let query = format!(
            "SELECT SUM(CASE WHEN {} THEN 1 ELSE 0 END), COUNT(*) {}",
            compliant(&c, values),
            Data::scope(rule, None)
        );
        let row = self.row(&query).await?;
        let (good, rows) = (row[0].unwrap_or(0.0), row[1].unwrap_or(0.0));
        if rows == 0.0 {
            return Ok(nothing_to_measure(rule, "the data has no rows"));
        }
        let metric = match values {
            Values::Matches(_) => format!("Column.{column}.PatternMatch"),
            _ => format!("Column.{column}.ColumnValues.Compliance"),
        };
        let threshold = rule.threshold.clone().unwrap_or(Condition::Equals(1.0));
        let share = good / rows;
        let finding = Finding::new().check(metric, share, &threshold);
        Ok(match finding.failure {
            Some(_) => Finding {
                failure: Some(format!(
                    "{} of {rows} rows are not {}: compliance {share} is not {}",
                    rows - good,
                    described(values),
                    threshold.render()
                )),
                ..finding
            },
            None => finding,
        })
    }
}

/// What a compliant value is, for messages.
fn described(values: &Values) -> String {
    match values {
        Values::Number(c) => c.render(),
        Values::In(_) => "in the list".to_owned(),
        Values::NotIn(_) => "outside the list".to_owned(),
        Values::Matches(p) => format!("matching \"{p}\""),
    }
}
