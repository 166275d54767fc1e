//! What evaluating a ruleset found, per rule: the shape of Glue Data Quality's rule results
//! (`GetDataQualityResult`), whichever engine evaluated it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A rule's result, as Glue names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Outcome {
    Pass,
    Fail,
    /// The rule could not be evaluated (a column that is not there, a query that does not
    /// run): not a pass.
    Error,
}

/// One rule's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuleResult {
    /// The rule in DQDL.
    pub rule: String,
    pub outcome: Outcome,
    /// Why it failed or could not be evaluated; empty on a pass.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The evaluated metrics, named as Glue names them: `Dataset.*.RowCount`,
    /// `Column.id.Completeness`, `Column.c.ColumnValues.Compliance`.
    pub metrics: BTreeMap<String, f64>,
}

/// A ruleset's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct QualityReport {
    pub results: Vec<RuleResult>,
}

impl QualityReport {
    /// Every rule of `rules` as an `ERROR` saying `why` it was not evaluated.
    pub fn not_evaluated(rules: &[super::Rule], why: &str) -> QualityReport {
        let results = rules
            .iter()
            .map(|rule| RuleResult {
                rule: rule.render(),
                outcome: Outcome::Error,
                message: why.to_owned(),
                metrics: BTreeMap::new(),
            })
            .collect();
        QualityReport { results }
    }

    /// Every rule passed (an empty ruleset passes).
    pub fn passed(&self) -> bool {
        self.results.iter().all(|r| r.outcome == Outcome::Pass)
    }

    /// Glue's score: the share of rules that passed (1 for an empty ruleset).
    pub fn score(&self) -> f64 {
        if self.results.is_empty() {
            return 1.0;
        }
        let passed = self.results.iter().filter(|r| r.outcome == Outcome::Pass).count();
        passed as f64 / self.results.len() as f64
    }

    /// The rules that did not pass.
    pub fn failures(&self) -> impl Iterator<Item = &RuleResult> {
        self.results.iter().filter(|r| r.outcome != Outcome::Pass)
    }

    /// The rules that did not pass, one line each with what was observed:
    /// `FAIL ColumnValues "spend" >= 0: … (Column.spend.ColumnValues.Compliance = 0.5)`.
    pub fn failure_lines(&self) -> String {
        let lines: Vec<String> = self
            .failures()
            .map(|r| {
                let outcome = if r.outcome == Outcome::Error { "ERROR" } else { "FAIL" };
                let metrics: Vec<String> = r.metrics.iter().map(|(name, value)| format!("{name} = {value}")).collect();
                let mut line = format!("{outcome} {}", r.rule);
                if !r.message.is_empty() {
                    line.push_str(&format!(": {}", r.message));
                }
                if !metrics.is_empty() {
                    line.push_str(&format!(" ({})", metrics.join(", ")));
                }
                line
            })
            .collect();
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(rule: &str, outcome: Outcome, message: &str, metrics: &[(&str, f64)]) -> RuleResult {
        let metrics = metrics.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
        RuleResult { rule: rule.into(), outcome, message: message.into(), metrics }
    }

    #[test]
    fn failure_lines_name_each_failed_rule_with_what_was_observed() {
        let report = QualityReport {
            results: vec![
                result("RowCount > 0", Outcome::Pass, "", &[("Dataset.*.RowCount", 3.0)]),
                result(
                    "ColumnValues \"spend\" >= 0",
                    Outcome::Fail,
                    "1 of 3 rows do not comply",
                    &[("Column.spend.ColumnValues.Compliance", 0.5)],
                ),
                result("ColumnExists \"x\"", Outcome::Error, "no column `x`", &[]),
            ],
        };
        assert_eq!(
            report.failure_lines(),
            "FAIL ColumnValues \"spend\" >= 0: 1 of 3 rows do not comply (Column.spend.ColumnValues.Compliance = 0.5)\n\
             ERROR ColumnExists \"x\": no column `x`"
        );
        assert!((report.score() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(QualityReport { results: vec![] }.failure_lines(), "");
    }

    #[test]
    fn rules_not_evaluated_are_errors_that_say_why() {
        let rules = [super::super::Rule::row_count(super::super::Condition::GreaterThan(0.0))];
        let report = QualityReport::not_evaluated(&rules, "the batch has no rows");
        assert!(!report.passed());
        assert_eq!(report.failure_lines(), "ERROR RowCount > 0: the batch has no rows");
        assert!(QualityReport::not_evaluated(&[], "why").passed());
    }
}
