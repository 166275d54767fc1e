//! Data-quality rules in DQDL: every rule type, its `where` clause and threshold, quoting,
//! and the rules DQDL would refuse, refused here with the fix.

use sdlf_lambda_core::quality::{Condition, Member, Rule, Values, check_ruleset, render_ruleset};

fn every_rule() -> Vec<Rule> {
    vec![
        Rule::row_count(Condition::GreaterThan(0.0)),
        Rule::row_count(Condition::Between(10.0, 1_000_000.0)).filter("country = 'DE'"),
        Rule::completeness("birth_date", Condition::AtLeast(0.95)),
        Rule::is_complete("id"),
        Rule::uniqueness(&["email"], Condition::GreaterThan(0.99)),
        Rule::is_unique(&["id"]),
        Rule::is_primary_key(&["team", "id"]),
        Rule::column_exists("name"),
        Rule::column_values("age", Values::Number(Condition::Between(0.0, 150.0))),
        Rule::column_values("score", Values::Number(Condition::NotIn(vec![-1.0, 99.5]))),
        Rule::column_values("gender", Values::In(vec![Member::text("male"), Member::text("female"), Member::Null]))
            .with_threshold(Condition::GreaterThan(0.9)),
        Rule::column_values("code", Values::NotIn(vec![Member::Empty, Member::WhitespacesOnly])),
        Rule::column_values("email", Values::Matches(r#"[^@\s]+@[^@\s]+\.[a-z]+"#.into())).filter("email <> ''"),
        Rule::column_length("country", Condition::Equals(2.0)),
        Rule::distinct_values_count("state", Condition::AtMost(60.0)),
        Rule::mean("amount", Condition::NotBetween(-1.0, 0.0)),
        Rule::sum("amount", Condition::LessThan(1e9)),
        Rule::standard_deviation("amount", Condition::In(vec![0.0])),
        Rule::custom_sql("select count(*) from primary where amount < 0", Some(Condition::Equals(0.0))),
        Rule::custom_sql("select id from primary where \"name\" is not null", None)
            .with_threshold(Condition::AtLeast(0.5)),
    ]
}

#[test]
fn every_rule_type_renders_to_dqdl() {
    insta::assert_snapshot!(render_ruleset(&every_rule()).unwrap());
}

#[test]
fn the_rules_survive_the_config_row() {
    let rules = every_rule();
    let text = serde_json::to_string(&rules).unwrap();
    let back: Vec<Rule> = serde_json::from_str(&text).unwrap();
    assert_eq!(back, rules);
}

#[test]
fn quotes_and_backslashes_are_escaped() {
    assert_eq!(
        Rule::column_values("a\"b", Values::Matches(r"\d+".into())).render(),
        r#"ColumnValues "a\"b" matches "\\d+""#
    );
}

fn problem(rule: Rule) -> String {
    check_ruleset(&[Rule::is_complete("ok"), rule]).unwrap_err().to_string()
}

#[test]
fn what_dqdl_refuses_is_refused_with_the_fix() {
    assert_eq!(
        problem(Rule::column_values("age", Values::Number(Condition::Between(10.0, 1.0)))),
        "data-quality rule 2 (ColumnValues): between 10 and 1 is empty: its bounds are excluded, so the first must \
         be below the second"
    );
    assert!(problem(Rule::completeness("x", Condition::AtLeast(95.0))).ends_with("is a share between 0.0 and 1.0"));
    assert!(problem(Rule::column_exists("x").filter("y > 1")).contains("ColumnExists takes no where clause"));
    assert!(
        problem(Rule::custom_sql("select 1 from primary", Some(Condition::Equals(1.0))).filter("a"))
            .contains("CustomSql takes no where clause")
    );
    assert!(problem(Rule::is_complete("x").with_threshold(Condition::AtLeast(0.5))).contains("takes no threshold"));
    assert!(
        problem(
            Rule::custom_sql("select count(*) from primary", Some(Condition::AtLeast(1.0)))
                .with_threshold(Condition::AtLeast(0.5))
        )
        .contains("takes no threshold")
    );
    assert!(
        problem(Rule::column_values("c", Values::In(vec![Member::Null])).with_threshold(Condition::AtLeast(2.0)))
            .contains("a threshold is a share")
    );
    assert!(problem(Rule::is_unique(&[])).ends_with("name at least one column"));
    assert!(problem(Rule::is_complete("")).contains("must be non-empty"));
    assert!(problem(Rule::row_count(Condition::AtLeast(-1.0))).ends_with("a RowCount is never negative"));
    assert!(problem(Rule::column_values("c", Values::In(vec![]))).ends_with("give at least one allowed value"));
    assert!(problem(Rule::custom_sql("select count(*) from t", Some(Condition::AtLeast(1.0)))).contains("`primary`"));
    assert!(problem(Rule::mean("m", Condition::Equals(f64::INFINITY))).contains("not a number DQDL can write"));
}
