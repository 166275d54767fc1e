//! The local data-quality evaluator on a small table with NULLs, empty and blank strings,
//! duplicates and bounds: each rule's metric and verdict, computed by hand below, as Glue
//! Data Quality (its DQDL parser and Deequ) defines them.

use std::sync::Arc;

use datafusion::arrow::array::{Float64Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use sdlf_heavy::quality::evaluate;
use sdlf_lambda_core::quality::{Condition::*, Member, Outcome, Rule, RuleResult, Values};

/// | id | name | amount | country |
/// | 1 | "a" | 10 | DE |
/// | 2 | "" | 20 | DE |
/// | 3 | "  " | 30 | FR |
/// | 4 | NULL | NULL | US |
/// | 4 | "bob" | 40 | DE |
/// | NULL | "Eve" | 0 | NULL |
fn people(rows: bool) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, true),
        Field::new("name", DataType::Utf8, true),
        Field::new("amount", DataType::Float64, true),
        Field::new("country", DataType::Utf8, true),
    ]));
    let n = if rows { 6 } else { 0 };
    let id = Int64Array::from(vec![Some(1), Some(2), Some(3), Some(4), Some(4), None]);
    let name = StringArray::from(vec![Some("a"), Some(""), Some("  "), None, Some("bob"), Some("Eve")]);
    let amount = Float64Array::from(vec![Some(10.0), Some(20.0), Some(30.0), None, Some(40.0), Some(0.0)]);
    let country = StringArray::from(vec![Some("DE"), Some("DE"), Some("FR"), Some("US"), Some("DE"), None]);
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(id.slice(0, n)),
            Arc::new(name.slice(0, n)),
            Arc::new(amount.slice(0, n)),
            Arc::new(country.slice(0, n)),
        ],
    )
    .unwrap()
}

async fn results(rows: bool, rules: &[Rule]) -> Vec<RuleResult> {
    let ctx = SessionContext::new();
    let batch = people(rows);
    ctx.register_table("people", Arc::new(MemTable::try_new(batch.schema(), vec![vec![batch]]).unwrap())).unwrap();
    evaluate(&ctx, "people", rules).await.unwrap().results
}

/// The rule's outcome and its one metric.
async fn one(rule: Rule) -> (Outcome, f64) {
    let r = results(true, &[rule]).await.remove(0);
    assert_eq!(r.metrics.len(), 1, "{r:?}");
    (r.outcome, *r.metrics.values().next().unwrap())
}

async fn outcome(rule: Rule) -> Outcome {
    results(true, &[rule]).await.remove(0).outcome
}

const PASS: Outcome = Outcome::Pass;
const FAIL: Outcome = Outcome::Fail;

#[tokio::test]
async fn row_count_and_between_excluding_its_bounds() {
    assert_eq!(one(Rule::row_count(GreaterThan(0.0))).await, (PASS, 6.0));
    assert_eq!(one(Rule::row_count(Between(0.0, 6.0))).await, (FAIL, 6.0));
    assert_eq!(one(Rule::row_count(Between(5.0, 7.0))).await, (PASS, 6.0));
    assert_eq!(one(Rule::row_count(Equals(3.0)).filter("country = 'DE'")).await, (PASS, 3.0));
}

#[tokio::test]
async fn completeness_counts_an_empty_string_as_present() {
    assert_eq!(one(Rule::completeness("name", Equals(5.0 / 6.0))).await, (PASS, 5.0 / 6.0));
    assert_eq!(one(Rule::is_complete("name")).await.0, FAIL);
    assert_eq!(one(Rule::is_complete("name").filter("country = 'DE'")).await, (PASS, 1.0));
    let r = results(true, &[Rule::is_complete("amount")]).await.remove(0);
    assert_eq!(r.message, format!("Column.amount.Completeness is {}, which is not = 1", 5.0 / 6.0));
}

#[tokio::test]
async fn uniqueness_is_values_seen_once_over_rows_with_a_value() {
    // ids 1, 2, 3 once, 4 twice, one NULL: 3 of 5.
    assert_eq!(one(Rule::uniqueness(&["id"], Equals(0.6))).await, (PASS, 0.6));
    assert_eq!(one(Rule::uniqueness(&["country"], Equals(0.4))).await, (PASS, 0.4));
    assert_eq!(one(Rule::is_unique(&["id"])).await.0, FAIL);
    assert_eq!(one(Rule::is_unique(&["id"]).filter("amount > 0")).await, (PASS, 1.0));
    let r = results(true, &[Rule::is_unique(&["id", "country"])]).await.remove(0);
    // (1,DE) (2,DE) (3,FR) (4,US) (4,DE) (NULL,NULL excluded): all five once.
    assert_eq!((r.outcome, r.metrics["Multicolumn.id,country.Uniqueness"]), (PASS, 1.0));
}

#[tokio::test]
async fn a_primary_key_is_unique_and_complete() {
    let r = results(true, &[Rule::is_primary_key(&["id"]), Rule::is_primary_key(&["id"]).filter("id < 4")]).await;
    assert_eq!(r[0].outcome, FAIL);
    assert_eq!(r[0].metrics["Column.id.Uniqueness"], 0.6);
    assert_eq!(r[0].metrics["Column.id.Completeness"], 5.0 / 6.0);
    assert_eq!(r[1].outcome, PASS, "{:?}", r[1]);
    let r = results(true, &[Rule::is_primary_key(&["name"])]).await.remove(0);
    assert_eq!((r.outcome, r.metrics["Column.name.Uniqueness"]), (FAIL, 1.0), "unique but not complete");
}

#[tokio::test]
async fn column_exists_matches_names_as_spark_does() {
    assert_eq!(outcome(Rule::column_exists("name")).await, PASS);
    assert_eq!(outcome(Rule::column_exists("NAME")).await, PASS);
    let r = results(true, &[Rule::column_exists("email")]).await.remove(0);
    assert_eq!(
        (r.outcome, r.message.as_str()),
        (FAIL, "column `email` is not in the data (its columns: id, name, amount, country)")
    );
}

#[tokio::test]
async fn numeric_column_values_fail_nulls_except_for_not_equal_and_not_in() {
    // 10 20 30 NULL 40 0: NULL fails, 0 is a bound and excluded.
    let between = || Rule::column_values("amount", Values::Number(Between(0.0, 100.0)));
    assert_eq!(one(between()).await, (FAIL, 4.0 / 6.0));
    assert_eq!(one(between().with_threshold(GreaterThan(0.6))).await, (PASS, 4.0 / 6.0));
    assert_eq!(one(between().with_threshold(GreaterThan(0.7))).await.0, FAIL);
    assert_eq!(one(Rule::column_values("amount", Values::Number(NotEquals(0.0)))).await, (FAIL, 5.0 / 6.0));
    assert_eq!(one(Rule::column_values("amount", Values::Number(NotIn(vec![0.0, 10.0])))).await.1, 4.0 / 6.0);
    assert_eq!(one(Rule::column_values("amount", Values::Number(AtLeast(0.0)))).await.1, 5.0 / 6.0);
    assert_eq!(one(Rule::column_values("amount", Values::Number(NotBetween(5.0, 35.0)))).await.1, 2.0 / 6.0);
    assert_eq!(
        one(Rule::column_values("amount", Values::Number(AtLeast(0.0))).filter("amount IS NOT NULL")).await,
        (PASS, 1.0)
    );
    let r = results(true, &[between()]).await.remove(0);
    assert_eq!(r.message, format!("2 of 6 rows are not between 0 and 100: compliance {} is not = 1", 4.0 / 6.0));
}

#[tokio::test]
async fn string_column_values_with_the_null_empty_and_blank_keywords() {
    let values = |members: Vec<Member>| Rule::column_values("name", Values::In(members));
    assert_eq!(one(values(vec![Member::text("a"), Member::Empty])).await.1, 2.0 / 6.0);
    assert_eq!(one(values(vec![Member::text("a"), Member::Null])).await.1, 2.0 / 6.0);
    assert_eq!(one(values(vec![Member::WhitespacesOnly])).await.1, 1.0 / 6.0);
    assert_eq!(one(values(vec![Member::text("eve")])).await.1, 0.0, "case-sensitive");
    let not_in = |members: Vec<Member>| Rule::column_values("name", Values::NotIn(members));
    // a, NULL, bob, Eve comply; "" and "  " do not.
    assert_eq!(one(not_in(vec![Member::Empty, Member::WhitespacesOnly])).await.1, 4.0 / 6.0);
    assert_eq!(one(not_in(vec![Member::Empty, Member::Null])).await.1, 4.0 / 6.0);
    assert_eq!(one(not_in(vec![Member::text("bob")])).await.1, 5.0 / 6.0);
}

#[tokio::test]
async fn patterns_match_the_whole_value_and_null_does_not_match() {
    let matches = |p: &str| Rule::column_values("name", Values::Matches(p.into()));
    // a and bob; not "", "  ", NULL, Eve.
    assert_eq!(one(matches("[a-z]+")).await, (FAIL, 2.0 / 6.0));
    assert_eq!(one(matches("b")).await.1, 0.0);
    assert_eq!(one(matches("(a|bob)")).await.1, 2.0 / 6.0);
    assert_eq!(one(matches(".*").filter("name IS NOT NULL")).await, (PASS, 1.0));
    let r = results(true, &[matches("(")]).await.remove(0);
    assert_eq!(r.outcome, Outcome::Error, "{r:?}");
}

#[tokio::test]
async fn column_length_counts_null_as_zero() {
    // Lengths 1, 0, 2, 0 (NULL), 3, 3.
    let r = results(true, &[Rule::column_length("name", AtMost(3.0))]).await.remove(0);
    assert_eq!((r.outcome, r.metrics["Column.name.MaximumLength"]), (PASS, 3.0));
    let r = results(true, &[Rule::column_length("name", GreaterThan(0.0))]).await.remove(0);
    assert_eq!((r.outcome, r.metrics["Column.name.MinimumLength"]), (FAIL, 0.0));
    let r = results(true, &[Rule::column_length("name", Between(0.0, 4.0))]).await.remove(0);
    assert_eq!((r.outcome, r.metrics.len()), (FAIL, 2), "the shortest is a bound");
    let r = results(true, &[Rule::column_length("name", In(vec![0.0, 1.0, 2.0]))]).await.remove(0);
    assert_eq!((r.outcome, r.metrics["Column.name.LengthCompliance"]), (FAIL, 4.0 / 6.0));
    let r = results(true, &[Rule::column_length("country", Equals(2.0)).filter("country IS NOT NULL")]).await;
    assert_eq!(r[0].outcome, PASS, "{:?}", r[0]);
}

#[tokio::test]
async fn distinct_values_count_null_as_one_value() {
    assert_eq!(one(Rule::distinct_values_count("country", Equals(4.0))).await, (PASS, 4.0));
    assert_eq!(one(Rule::distinct_values_count("id", Equals(5.0))).await, (PASS, 5.0));
}

#[tokio::test]
async fn statistics_over_the_values_present() {
    // 10 20 30 40 0, NULL left out.
    assert_eq!(one(Rule::mean("amount", Equals(20.0))).await, (PASS, 20.0));
    assert_eq!(one(Rule::sum("amount", Equals(100.0))).await, (PASS, 100.0));
    let (outcome, deviation) = one(Rule::standard_deviation("amount", Between(14.14, 14.15))).await;
    assert_eq!((outcome, deviation), (PASS, 200.0_f64.sqrt()), "population, not sample (15.81)");
    assert_eq!(one(Rule::mean("amount", Equals(25.0)).filter("amount > 0")).await, (PASS, 25.0));
}

#[tokio::test]
async fn a_metric_of_nothing_fails_unless_a_where_clause_left_nothing() {
    let r =
        results(true, &[Rule::mean("amount", AtLeast(0.0)).filter("id > 100"), Rule::sum("name", AtLeast(0.0))]).await;
    assert_eq!(r[0].outcome, PASS, "{:?}", r[0]);
    assert_eq!(r[1].outcome, FAIL);
    assert_eq!(r[1].message, "column `name` has no numeric value: nothing to measure");
}

#[tokio::test]
async fn custom_sql_aggregates_and_row_level_queries() {
    let sum = |q: &str, c| Rule::custom_sql(q, Some(c));
    assert_eq!(one(sum("select count(*) from primary where amount > 15", Equals(3.0))).await, (PASS, 3.0));
    let r = results(
        true,
        &[sum("select id, name from primary", AtLeast(0.0)), sum("select nope from primary", AtLeast(0.0))],
    )
    .await;
    assert_eq!(r[0].outcome, Outcome::Error);
    assert!(r[0].message.contains("6 rows, not exactly 1"), "{}", r[0].message);
    assert_eq!(r[1].outcome, Outcome::Error);
    // ids 1 2 3 4 returned: five of the six rows (4 twice) match.
    let rows = || Rule::custom_sql("select id from primary where amount >= 10", None);
    assert_eq!(one(rows()).await, (FAIL, 5.0 / 6.0));
    assert_eq!(one(rows().with_threshold(GreaterThan(0.8))).await, (PASS, 5.0 / 6.0));
    // NULL matches NULL.
    assert_eq!(one(Rule::custom_sql("select country from primary where id is null", None)).await.1, 1.0 / 6.0);
    let r = results(true, &[Rule::custom_sql("select 1 as one from primary", None)]).await.remove(0);
    assert_eq!(r.outcome, Outcome::Error);
    assert!(r.message.contains("returns column `one`, which `primary` does not have"), "{}", r.message);
}

#[tokio::test]
async fn an_empty_batch() {
    let r = results(
        false,
        &[
            Rule::row_count(GreaterThan(0.0)),
            Rule::is_complete("id"),
            Rule::distinct_values_count("id", Equals(0.0)),
            Rule::column_values("amount", Values::Number(AtLeast(0.0))),
            Rule::mean("amount", AtLeast(0.0)),
            Rule::column_exists("id"),
        ],
    )
    .await;
    let outcomes: Vec<Outcome> = r.iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes, [FAIL, FAIL, PASS, FAIL, FAIL, PASS], "{r:#?}");
    assert_eq!(r[1].message, "the data has no rows: nothing to measure");
}

#[tokio::test]
async fn a_missing_column_is_an_error_and_the_report_scores_the_rules() {
    let ctx = SessionContext::new();
    let batch = people(true);
    ctx.register_table("people", Arc::new(MemTable::try_new(batch.schema(), vec![vec![batch]]).unwrap())).unwrap();
    let report =
        evaluate(&ctx, "people", &[Rule::is_complete("email"), Rule::row_count(GreaterThan(0.0))]).await.unwrap();
    assert_eq!(report.results[0].outcome, Outcome::Error);
    assert!(report.results[0].message.starts_with("column `email` is not in the data"));
    assert!(!report.passed());
    assert_eq!(report.score(), 0.5);
    assert!(evaluate(&ctx, "nobody", &[]).await.is_err());
}
