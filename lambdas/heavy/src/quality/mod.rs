//! Data-quality rules evaluated over a table with Glue Data Quality's semantics (the rules'
//! doc comments in `sdlf_lambda_core::quality` say what each measures; this module computes
//! exactly that, one SQL query per rule).

mod measure;
mod values;

use std::collections::BTreeMap;

use datafusion::error::Result;
use datafusion::prelude::SessionContext;
use sdlf_lambda_core::quality::{Condition, Outcome, QualityReport, Rule, RuleResult};

use crate::sql;

/// The name a rule's queries read the data under, as Glue's `CustomSql` names it.
pub const PRIMARY: &str = "primary";

/// Evaluates `rules` over the table `table` of `ctx`, which is also made readable as
/// [`PRIMARY`] for `CustomSql`. A rule that cannot be evaluated is an `ERROR` result, not an
/// error: only a table that is not there is.
pub async fn evaluate(ctx: &SessionContext, table: &str, rules: &[Rule]) -> Result<QualityReport> {
    let provider = ctx.table_provider(table).await?;
    let columns: Vec<String> = provider.schema().fields().iter().map(|f| f.name().clone()).collect();
    if table != PRIMARY {
        ctx.deregister_table(PRIMARY)?;
        ctx.register_table(PRIMARY, provider)?;
    }
    let data = Data { ctx, columns };
    let mut results = Vec::with_capacity(rules.len());
    for rule in rules {
        results.push(data.evaluate(rule).await);
    }
    Ok(QualityReport { results })
}

/// The table being evaluated.
struct Data<'a> {
    ctx: &'a SessionContext,
    columns: Vec<String>,
}

/// What a rule found, before it becomes a [`RuleResult`].
struct Finding {
    metrics: BTreeMap<String, f64>,
    /// `None` on a pass, else why it failed.
    failure: Option<String>,
}

impl Finding {
    fn new() -> Finding {
        Finding { metrics: BTreeMap::new(), failure: None }
    }

    /// Records `metric` = `value` and checks it against `condition`; the first failure stays.
    fn check(mut self, metric: String, value: f64, condition: &Condition) -> Finding {
        if !condition.holds(value) && self.failure.is_none() {
            self.failure = Some(format!("{metric} is {value}, which is not {}", condition.render()));
        }
        self.metrics.insert(metric, value);
        self
    }

    fn fail(mut self, why: String) -> Finding {
        self.failure.get_or_insert(why);
        self
    }
}

impl Data<'_> {
    async fn evaluate(&self, rule: &Rule) -> RuleResult {
        let (outcome, message, metrics) = match self.measure(rule).await {
            Ok(Finding { metrics, failure: None }) => (Outcome::Pass, String::new(), metrics),
            Ok(Finding { metrics, failure: Some(why) }) => (Outcome::Fail, why, metrics),
            Err(why) => (Outcome::Error, why, BTreeMap::new()),
        };
        RuleResult { rule: rule.render(), outcome, message, metrics }
    }

    /// The column of the data `name` refers to, matched without regard to case as Spark
    /// matches identifiers, quoted.
    fn column(&self, name: &str) -> Result<String, String> {
        self.columns
            .iter()
            .find(|c| *c == name)
            .or_else(|| self.columns.iter().find(|c| c.eq_ignore_ascii_case(name)))
            .map(|c| sql::ident(c))
            .ok_or_else(|| format!("column `{name}` is not in the data (its columns: {})", self.columns.join(", ")))
    }

    /// `FROM primary`, with the rule's `where` and `extra` conditions.
    fn scope(rule: &Rule, extra: Option<&str>) -> String {
        let conditions: Vec<String> =
            rule.filter.iter().map(String::as_str).chain(extra).map(|c| format!("({c})")).collect();
        if conditions.is_empty() {
            format!("FROM {PRIMARY}")
        } else {
            format!("FROM {PRIMARY} WHERE {}", conditions.join(" AND "))
        }
    }

    /// The first row of `query`'s answer, as numbers.
    async fn row(&self, query: &str) -> Result<Vec<Option<f64>>, String> {
        let batches =
            self.ctx.sql(query).await.map_err(|e| e.to_string())?.collect().await.map_err(|e| e.to_string())?;
        crate::value::first_row(&batches).map_err(|e| format!("the query {e}"))
    }
}

/// The finding when there is nothing to measure (`what` says what is missing): Deequ fails
/// such a metric, but passes it when the rule's `where` clause filtered every row out.
fn nothing_to_measure(rule: &Rule, what: &str) -> Finding {
    match rule.filter {
        Some(_) => Finding::new(),
        None => Finding::new().fail(format!("{what}: nothing to measure")),
    }
}
