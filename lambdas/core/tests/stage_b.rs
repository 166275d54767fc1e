//! What stage B's post-update writes after a batch (on either engine): the raw objects' catalog rows
//! (processed, or failed with the rules that failed when the batch was quarantined) and the
//! execution's history row with every rule's result.

use sdlf_lambda_core::catalog::mark_stage_b;
use sdlf_lambda_core::history::record_stage_b;
use sdlf_lambda_core::item::{AttrValue, ConditionalUpdate};
use sdlf_lambda_core::messages::{HeavyOutput, OutputObject};
use sdlf_lambda_core::quality::{Outcome, QualityReport, RuleResult};

const URI: &str = "s3://raw/marketing/campaigns/c.csv";

fn output(passed: bool, quarantined: bool) -> HeavyOutput {
    let outcome = if passed { Outcome::Pass } else { Outcome::Fail };
    let metrics = [("Column.spend.ColumnValues.Compliance".to_owned(), if passed { 1.0 } else { 0.5 })].into();
    let rule = RuleResult { rule: "ColumnValues \"spend\" >= 0".into(), outcome, message: String::new(), metrics };
    let quality = QualityReport { results: vec![rule] };
    let object = OutputObject { key: "marketing/campaigns/x-00000.parquet".into(), partition: String::new(), rows: 4 };
    HeavyOutput::new(vec![object], quarantined, quality)
}

fn value<'a>(update: &'a ConditionalUpdate, attribute: &str) -> Option<&'a AttrValue> {
    update.values.get(&format!(":{attribute}"))
}

fn text(update: &ConditionalUpdate, attribute: &str) -> String {
    match value(update, attribute) {
        Some(AttrValue::S(s)) => s.clone(),
        other => panic!("{attribute}: {other:?}"),
    }
}

#[test]
fn a_passing_batch_marks_its_objects_processed_with_the_outcome() {
    let update = {
        let o = output(true, false);
        mark_stage_b(URI, "main", "exec-1", &o.quality, o.quarantined)
    };
    assert_eq!(text(&update, "status"), "processed-b");
    assert_eq!((text(&update, "quality"), text(&update, "execution_id")), ("PASS".into(), "exec-1".into()));
    assert!(value(&update, "quality_failures").is_none() && value(&update, "reason").is_none());
}

#[test]
fn a_warned_batch_is_processed_and_its_rows_say_what_failed() {
    let update = {
        let o = output(false, false);
        mark_stage_b(URI, "main", "exec-1", &o.quality, o.quarantined)
    };
    assert_eq!((text(&update, "status"), text(&update, "quality")), ("processed-b".into(), "FAIL".into()));
    assert_eq!(
        text(&update, "quality_failures"),
        "FAIL ColumnValues \"spend\" >= 0 (Column.spend.ColumnValues.Compliance = 0.5)"
    );
}

#[test]
fn a_quarantined_batch_fails_its_objects_with_the_rule_and_the_observed_value() {
    let update = {
        let o = output(false, true);
        mark_stage_b(URI, "main", "exec-1", &o.quality, o.quarantined)
    };
    assert_eq!((text(&update, "status"), text(&update, "failed_stage")), ("failed".into(), "b".into()));
    let reason = text(&update, "reason");
    assert!(reason.starts_with("data quality: the batch was quarantined; FAIL ColumnValues"), "{reason}");
    assert!(reason.contains("Compliance = 0.5"), "{reason}");
    // Never on a removed object's tombstone, never creating a row.
    assert!(update.condition.contains("attribute_exists"), "{}", update.condition);
}

#[test]
fn the_history_row_records_every_rule_result_and_the_score() {
    let row = record_stage_b("exec-1", &output(false, true), "db.campaigns", 0);
    assert_eq!(text(&row, "status"), "quarantined");
    assert_eq!(value(&row, "rows"), Some(&AttrValue::N("4".into())));
    assert_eq!(value(&row, "score"), Some(&AttrValue::N("0".into())));
    assert_eq!(value(&row, "passed"), Some(&AttrValue::Bool(false)));
    let quality: QualityReport = serde_json::from_str(&text(&row, "quality")).unwrap();
    assert_eq!(quality.results[0].metrics["Column.spend.ColumnValues.Compliance"], 0.5);
    assert!(value(&row, "glue_table").is_none(), "a quarantined batch is in no table");
    let mut published = output(true, false);
    published.table =
        Some(sdlf_lambda_core::glue_table::TableInput::parquet("campaigns", vec![], vec![], "s3://a/".into()));
    let row = record_stage_b("exec-2", &published, "db.campaigns", 0);
    assert_eq!((text(&row, "status"), text(&row, "glue_table")), ("published".into(), "db.campaigns".into()));
    assert_eq!(value(&row, "partitions"), Some(&AttrValue::N("0".into())));
}

#[test]
fn glue_data_quality_results_read_as_the_local_evaluator_reports_them() {
    // The shape of GetDataQualityResult's RuleResults, as the state machine keeps them.
    let glue: sdlf_lambda_core::messages::GlueQuality = serde_json::from_value(serde_json::json!({
        "score": 0.5,
        "rules": [
            {"Name": "Rule_1", "Description": "IsComplete \"id\"", "Result": "PASS",
             "EvaluatedMetrics": {"Column.id.Completeness": 1.0}},
            {"Name": "Rule_2", "Description": "ColumnValues \"spend\" >= 0", "Result": "FAIL",
             "EvaluationMessage": "Value: -120.0 does not meet the constraint requirement!",
             "EvaluatedMetrics": {"Column.spend.Minimum": -120.0}, "EvaluatedRule": "ColumnValues \"spend\" >= 0"}
        ]
    }))
    .unwrap();
    let report = glue.report();
    assert_eq!(report.score(), 0.5);
    assert_eq!(report.results[0].rule, "IsComplete \"id\"");
    assert_eq!(
        report.failure_lines(),
        "FAIL ColumnValues \"spend\" >= 0: Value: -120.0 does not meet the constraint requirement! (Column.spend.Minimum = -120)"
    );
    // Published by the publish step (the dataset only warns): recorded as a DataFusion batch is.
    let object = OutputObject { key: "marketing/campaigns/e-00000.parquet".into(), partition: String::new(), rows: 4 };
    let row = record_stage_b("exec-3", &HeavyOutput::new(vec![object], false, report), "db.campaigns", 0);
    assert_eq!((text(&row, "status"), text(&row, "glue_table")), ("published".into(), "db.campaigns".into()));
    assert_eq!(value(&row, "score"), Some(&AttrValue::N("0.5".into())));
    assert_eq!(value(&row, "rows"), Some(&AttrValue::N("4".into())));
    assert!(value(&row, "partitions").is_none(), "the crawler registers a Glue batch's partitions");
}
