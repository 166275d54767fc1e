//! One query per rule, and the rule's verdict on its answer.

use sdlf_lambda_core::quality::{Check, Condition, Rule};

use super::{Data, Finding, PRIMARY, nothing_to_measure};
use crate::sql;

/// A number the query returns where an aggregate cannot be NULL.
fn n(value: Option<f64>) -> f64 {
    value.unwrap_or(0.0)
}

impl Data<'_> {
    /// What `rule` finds: metrics and a failure, or `Err` when it cannot be evaluated.
    pub(super) async fn measure(&self, rule: &Rule) -> Result<Finding, String> {
        match &rule.check {
            Check::RowCount { condition } => {
                let row = self.row(&format!("SELECT COUNT(*) {}", Data::scope(rule, None))).await?;
                Ok(Finding::new().check("Dataset.*.RowCount".into(), n(row[0]), condition))
            }
            Check::Completeness { column, condition } => self.completeness(rule, column, condition).await,
            Check::IsComplete { column } => self.completeness(rule, column, &Condition::Equals(1.0)).await,
            Check::Uniqueness { columns, condition } => self.uniqueness(rule, columns, condition).await,
            Check::IsUnique { columns } => self.uniqueness(rule, columns, &Condition::Equals(1.0)).await,
            Check::IsPrimaryKey { columns } => self.primary_key(rule, columns).await,
            Check::ColumnExists { column } => Ok(match self.column(column) {
                Ok(_) => Finding::new(),
                Err(why) => Finding::new().fail(why),
            }),
            Check::ColumnValues { column, values } => self.column_values(rule, column, values).await,
            Check::ColumnLength { column, condition } => self.column_length(rule, column, condition).await,
            Check::DistinctValuesCount { column, condition } => {
                let c = self.column(column)?;
                let query = format!("SELECT COUNT(*) FROM (SELECT 1 {} GROUP BY {c}) AS g", Data::scope(rule, None));
                let row = self.row(&query).await?;
                Ok(Finding::new().check(format!("Column.{column}.DistinctValuesCount"), n(row[0]), condition))
            }
            Check::Mean { column, condition } => self.statistic(rule, column, "AVG", "Mean", condition).await,
            Check::Sum { column, condition } => self.statistic(rule, column, "SUM", "Sum", condition).await,
            Check::StandardDeviation { column, condition } => {
                self.statistic(rule, column, "STDDEV_POP", "StandardDeviation", condition).await
            }
            Check::CustomSql { sql, condition: Some(condition) } => {
                let row = self.row(sql).await?;
                match row.as_slice() {
                    [Some(value)] => Ok(Finding::new().check("Dataset.*.CustomSQL".into(), *value, condition)),
                    [None] => Err("the query returned NULL, not a number".into()),
                    _ => Err(format!("the query returned {} columns, not exactly 1", row.len())),
                }
            }
            Check::CustomSql { sql, condition: None } => self.custom_sql_rows(rule, sql).await,
        }
    }

    async fn completeness(&self, rule: &Rule, column: &str, condition: &Condition) -> Result<Finding, String> {
        let c = self.column(column)?;
        let row = self.row(&format!("SELECT COUNT({c}), COUNT(*) {}", Data::scope(rule, None))).await?;
        let (present, rows) = (n(row[0]), n(row[1]));
        if rows == 0.0 {
            return Ok(nothing_to_measure(rule, "the data has no rows"));
        }
        Ok(Finding::new().check(format!("Column.{column}.Completeness"), present / rows, condition))
    }

    /// The uniqueness metric's name: Glue's `Column.c.Uniqueness` or `Multicolumn.a,b.Uniqueness`.
    fn uniqueness_metric(columns: &[String]) -> String {
        match columns {
            [one] => format!("Column.{one}.Uniqueness"),
            many => format!("Multicolumn.{}.Uniqueness", many.join(",")),
        }
    }

    async fn uniqueness(&self, rule: &Rule, columns: &[String], condition: &Condition) -> Result<Finding, String> {
        let quoted = columns.iter().map(|c| self.column(c)).collect::<Result<Vec<_>, _>>()?;
        let any_present = quoted.iter().map(|c| format!("{c} IS NOT NULL")).collect::<Vec<_>>().join(" OR ");
        let query = format!(
            "SELECT SUM(CASE WHEN n = 1 THEN 1 ELSE 0 END), SUM(n) FROM (SELECT COUNT(*) AS n {} GROUP BY {}) AS g",
            Data::scope(rule, Some(&any_present)),
            quoted.join(", ")
        );
        let row = self.row(&query).await?;
        let (once, rows) = (n(row[0]), n(row[1]));
        if rows == 0.0 {
            return Ok(nothing_to_measure(rule, "no row has a value"));
        }
        Ok(Finding::new().check(Data::uniqueness_metric(columns), once / rows, condition))
    }

    async fn primary_key(&self, rule: &Rule, columns: &[String]) -> Result<Finding, String> {
        let mut finding = self.uniqueness(rule, columns, &Condition::Equals(1.0)).await?;
        for column in columns {
            let complete = self.completeness(rule, column, &Condition::Equals(1.0)).await?;
            finding.metrics.extend(complete.metrics);
            if let Some(why) = complete.failure {
                finding = finding.fail(why);
            }
        }
        Ok(finding)
    }

    /// Glue's `ColumnLength`: lengths with NULL as 0; `>`/`>=` on the shortest, `<`/`<=` on the
    /// longest, `=`/`!=`/`between` on both, the others on every value.
    async fn column_length(&self, rule: &Rule, column: &str, condition: &Condition) -> Result<Finding, String> {
        let c = self.column(column)?;
        let length = format!("COALESCE(CHARACTER_LENGTH(CAST({c} AS VARCHAR)), 0)");
        let compliant = sql::satisfies(&length, condition);
        let query = format!(
            "SELECT MIN({length}), MAX({length}), SUM(CASE WHEN {compliant} THEN 1 ELSE 0 END), COUNT(*) {}",
            Data::scope(rule, None)
        );
        let row = self.row(&query).await?;
        if n(row[3]) == 0.0 {
            return Ok(nothing_to_measure(rule, "the data has no rows"));
        }
        let (min, max) = (n(row[0]), n(row[1]));
        let (shortest, longest) = (format!("Column.{column}.MinimumLength"), format!("Column.{column}.MaximumLength"));
        Ok(match condition {
            Condition::GreaterThan(_) | Condition::AtLeast(_) => Finding::new().check(shortest, min, condition),
            Condition::LessThan(_) | Condition::AtMost(_) => Finding::new().check(longest, max, condition),
            Condition::Equals(_) | Condition::NotEquals(_) | Condition::Between(..) => {
                Finding::new().check(shortest, min, condition).check(longest, max, condition)
            }
            Condition::In(_) | Condition::NotIn(_) | Condition::NotBetween(..) => Finding::new().check(
                format!("Column.{column}.LengthCompliance"),
                n(row[2]) / n(row[3]),
                &Condition::Equals(1.0),
            ),
        })
    }

    /// `Mean`, `Sum`, `StandardDeviation`: `function` over the non-NULL values as doubles.
    async fn statistic(
        &self,
        rule: &Rule,
        column: &str,
        function: &str,
        metric: &str,
        condition: &Condition,
    ) -> Result<Finding, String> {
        let c = self.column(column)?;
        let x = format!("TRY_CAST({c} AS DOUBLE)");
        let row = self.row(&format!("SELECT {function}({x}), COUNT({x}) {}", Data::scope(rule, None))).await?;
        match row[0] {
            Some(value) if n(row[1]) > 0.0 => {
                Ok(Finding::new().check(format!("Column.{column}.{metric}"), value, condition))
            }
            _ => Ok(nothing_to_measure(rule, &format!("column `{column}` has no numeric value"))),
        }
    }

    /// A row-level `CustomSql`: the rows of `primary` the query returns, matched on every
    /// column it returns (NULL matching NULL), over all rows.
    async fn custom_sql_rows(&self, rule: &Rule, query: &str) -> Result<Finding, String> {
        let frame = self.ctx.sql(query).await.map_err(|e| e.to_string())?;
        let returned: Vec<String> = frame.schema().fields().iter().map(|f| f.name().clone()).collect();
        let mut on = Vec::new();
        for name in &returned {
            let c = self.column(name).map_err(|_| {
                format!("the query returns column `{name}`, which `{PRIMARY}` does not have: return columns of it")
            })?;
            on.push(format!("p.{c} IS NOT DISTINCT FROM r.{}", sql::ident(name)));
        }
        let matched = format!(
            "SELECT COUNT(*) FROM {PRIMARY} AS p JOIN (SELECT DISTINCT * FROM ({query}) AS q) AS r ON {}",
            on.join(" AND ")
        );
        let (matched, rows) =
            (n(self.row(&matched).await?[0]), n(self.row(&format!("SELECT COUNT(*) FROM {PRIMARY}")).await?[0]));
        if rows == 0.0 {
            return Ok(Finding::new().fail("the data has no rows".into()));
        }
        let threshold = rule.threshold.clone().unwrap_or(Condition::Equals(1.0));
        Ok(Finding::new().check("Dataset.*.CustomSQL.Compliance".into(), matched / rows, &threshold))
    }
}
