//! Data-quality rules: typed here, rendered to DQDL for AWS Glue Data Quality on AWS, and
//! evaluated with the same semantics by the heavy-transform engine on one machine
//! (`sdlf-heavy`). Both sides read this one definition from the dataset's config row.
//!
//! What each rule measures follows Glue's DQDL reference, the DQDL parser (awslabs/dqdl) for
//! conditions, and Deequ (awslabs/deequ) for metrics; where they disagree the doc comment says
//! which one is followed. `where` filters the rows before anything is counted: the filtered
//! rows are the whole population of the rule.

mod condition;
mod dqdl;
mod outcome;

pub use condition::Condition;
pub use dqdl::{RuleError, check_ruleset, render_ruleset};
pub use outcome::{Outcome, QualityReport, RuleResult};
use serde::{Deserialize, Serialize};

/// One rule of a dataset's ruleset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    #[serde(flatten)]
    pub check: Check,
    /// `where "<predicate>"`: a SQL predicate over the dataset's columns (Spark SQL on AWS;
    /// write it so it means the same in DataFusion). Not for `ColumnExists` and `CustomSql`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// `with threshold <condition>`: the share of compliant rows (0–1) must satisfy it instead
    /// of being 1. Only for `ColumnValues` and row-level `CustomSql`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Condition>,
}

/// What a rule checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "Rule", rename_all_fields = "PascalCase")]
pub enum Check {
    /// The number of rows.
    RowCount { condition: Condition },
    /// Non-NULL values / rows. An empty string is a value: it counts as complete.
    Completeness { column: String, condition: Condition },
    /// Completeness = 1: no NULL.
    IsComplete { column: String },
    /// Deequ's uniqueness: the values (tuples, for several columns) that occur exactly once,
    /// over the rows where at least one of the columns is not NULL. Not distinct / rows.
    Uniqueness { columns: Vec<String>, condition: Condition },
    /// Uniqueness = 1.
    IsUnique { columns: Vec<String> },
    /// Uniqueness = 1 and every column complete.
    IsPrimaryKey { columns: Vec<String> },
    /// The column is in the data.
    ColumnExists { column: String },
    /// Every value satisfies `values` (or, with a threshold, that share of the rows does).
    ColumnValues { column: String, values: Values },
    /// The length of each string; a NULL counts as length 0 (the DQDL reference; Deequ's
    /// open-source evaluator skips NULLs). `>`/`>=` constrain the shortest, `<`/`<=` the
    /// longest, `=`/`!=`/`between` both; `in`, `not in` and `not between` every value's.
    ColumnLength { column: String, condition: Condition },
    /// Distinct values, NULL counting as one value (Deequ's histogram).
    DistinctValuesCount { column: String, condition: Condition },
    /// Mean of the non-NULL values; fails when there are none.
    Mean { column: String, condition: Condition },
    /// Sum of the non-NULL values; fails when there are none (not 0).
    Sum { column: String, condition: Condition },
    /// Population standard deviation (divides by n) of the non-NULL values; fails when there
    /// are none.
    StandardDeviation { column: String, condition: Condition },
    /// A query against the dataset under the alias `primary`. With a condition it must return
    /// one row of one number, which must satisfy it. Without one it is row-level: the rows of
    /// `primary` it returns (matched on every column it returns) are the compliant ones, and
    /// they must be all rows, or the rule's threshold share of them.
    CustomSql { sql: String, condition: Option<Condition> },
}

/// What every value of a `ColumnValues` column must be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "Kind", content = "Value")]
pub enum Values {
    /// A number satisfying the condition. A NULL fails, except for `!=` and `not in`, which
    /// it satisfies (DQDL: "NULL does not meet the constraint" for every other operator).
    Number(Condition),
    /// One of the members; a NULL only if `Null` is one of them.
    In(Vec<Member>),
    /// None of the members; a NULL satisfies it unless `Null` is one of them.
    NotIn(Vec<Member>),
    /// Matches the regular expression as a whole (`^` and `$` put around it as Deequ does, so
    /// group an alternation: `(a|b)`). A NULL fails.
    Matches(String),
}

/// A member of a `ColumnValues … in [ … ]` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "Kind", content = "Value")]
pub enum Member {
    /// This exact string (case-sensitive).
    Text(String),
    /// `NULL`
    Null,
    /// `EMPTY`: the empty string.
    Empty,
    /// `WHITESPACES_ONLY`: one or more whitespace characters and nothing else.
    WhitespacesOnly,
}

impl Member {
    pub fn text(s: &str) -> Member {
        Member::Text(s.to_owned())
    }
}

fn one(column: &str) -> String {
    column.to_owned()
}

fn many(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|c| (*c).to_owned()).collect()
}

impl From<Check> for Rule {
    fn from(check: Check) -> Rule {
        Rule { check, filter: None, threshold: None }
    }
}

impl Rule {
    pub fn row_count(condition: Condition) -> Rule {
        Check::RowCount { condition }.into()
    }
    pub fn completeness(column: &str, condition: Condition) -> Rule {
        Check::Completeness { column: one(column), condition }.into()
    }
    pub fn is_complete(column: &str) -> Rule {
        Check::IsComplete { column: one(column) }.into()
    }
    pub fn uniqueness(columns: &[&str], condition: Condition) -> Rule {
        Check::Uniqueness { columns: many(columns), condition }.into()
    }
    pub fn is_unique(columns: &[&str]) -> Rule {
        Check::IsUnique { columns: many(columns) }.into()
    }
    pub fn is_primary_key(columns: &[&str]) -> Rule {
        Check::IsPrimaryKey { columns: many(columns) }.into()
    }
    pub fn column_exists(column: &str) -> Rule {
        Check::ColumnExists { column: one(column) }.into()
    }
    pub fn column_values(column: &str, values: Values) -> Rule {
        Check::ColumnValues { column: one(column), values }.into()
    }
    pub fn column_length(column: &str, condition: Condition) -> Rule {
        Check::ColumnLength { column: one(column), condition }.into()
    }
    pub fn distinct_values_count(column: &str, condition: Condition) -> Rule {
        Check::DistinctValuesCount { column: one(column), condition }.into()
    }
    pub fn mean(column: &str, condition: Condition) -> Rule {
        Check::Mean { column: one(column), condition }.into()
    }
    pub fn sum(column: &str, condition: Condition) -> Rule {
        Check::Sum { column: one(column), condition }.into()
    }
    pub fn standard_deviation(column: &str, condition: Condition) -> Rule {
        Check::StandardDeviation { column: one(column), condition }.into()
    }
    /// An aggregate query (`condition` given) or a row-level one (`None`).
    pub fn custom_sql(sql: &str, condition: Option<Condition>) -> Rule {
        Check::CustomSql { sql: sql.to_owned(), condition }.into()
    }

    /// `where "<predicate>"`.
    pub fn filter(mut self, predicate: &str) -> Rule {
        self.filter = Some(predicate.to_owned());
        self
    }

    /// `with threshold <condition>`.
    pub fn with_threshold(mut self, condition: Condition) -> Rule {
        self.threshold = Some(condition);
        self
    }

    /// The rule type's DQDL name.
    pub fn name(&self) -> &'static str {
        match &self.check {
            Check::RowCount { .. } => "RowCount",
            Check::Completeness { .. } => "Completeness",
            Check::IsComplete { .. } => "IsComplete",
            Check::Uniqueness { .. } => "Uniqueness",
            Check::IsUnique { .. } => "IsUnique",
            Check::IsPrimaryKey { .. } => "IsPrimaryKey",
            Check::ColumnExists { .. } => "ColumnExists",
            Check::ColumnValues { .. } => "ColumnValues",
            Check::ColumnLength { .. } => "ColumnLength",
            Check::DistinctValuesCount { .. } => "DistinctValuesCount",
            Check::Mean { .. } => "Mean",
            Check::Sum { .. } => "Sum",
            Check::StandardDeviation { .. } => "StandardDeviation",
            Check::CustomSql { .. } => "CustomSql",
        }
    }

    /// The columns the rule names, in order.
    pub fn columns(&self) -> Vec<&str> {
        match &self.check {
            Check::RowCount { .. } | Check::CustomSql { .. } => vec![],
            Check::Uniqueness { columns, .. } | Check::IsUnique { columns } | Check::IsPrimaryKey { columns } => {
                columns.iter().map(String::as_str).collect()
            }
            Check::Completeness { column, .. }
            | Check::IsComplete { column }
            | Check::ColumnExists { column }
            | Check::ColumnValues { column, .. }
            | Check::ColumnLength { column, .. }
            | Check::DistinctValuesCount { column, .. }
            | Check::Mean { column, .. }
            | Check::Sum { column, .. }
            | Check::StandardDeviation { column, .. } => vec![column.as_str()],
        }
    }

    /// The condition on the rule's metric, for the rules that have one.
    pub fn condition(&self) -> Option<&Condition> {
        match &self.check {
            Check::RowCount { condition }
            | Check::Completeness { condition, .. }
            | Check::Uniqueness { condition, .. }
            | Check::ColumnLength { condition, .. }
            | Check::DistinctValuesCount { condition, .. }
            | Check::Mean { condition, .. }
            | Check::Sum { condition, .. }
            | Check::StandardDeviation { condition, .. } => Some(condition),
            Check::ColumnValues { values: Values::Number(condition), .. } => Some(condition),
            Check::CustomSql { condition, .. } => condition.as_ref(),
            Check::IsComplete { .. }
            | Check::IsUnique { .. }
            | Check::IsPrimaryKey { .. }
            | Check::ColumnExists { .. }
            | Check::ColumnValues { .. } => None,
        }
    }
}
