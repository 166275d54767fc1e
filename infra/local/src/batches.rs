//! The stage B batches of a lake's execution history, newest first, with what each published
//! and its data-quality results: what `sdlf status --batches` shows (pure: rows in, text or
//! JSON out).

use std::fmt::Write;

use sdlf_aws::Row;
use serde_json::{Value, json};

use crate::report::BatchRecord;

/// A stage B batch with a recorded outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryBatch {
    pub execution: String,
    /// `{team}/{dataset}`.
    pub dataset: String,
    pub last_updated: String,
    pub record: BatchRecord,
}

/// The `limit` latest stage B batches of `rows` (the execution-history table) whose outcome
/// was recorded, newest first.
pub fn latest(rows: &[Row], limit: usize) -> Vec<HistoryBatch> {
    let mut batches: Vec<HistoryBatch> = rows
        .iter()
        .filter(|r| r.get("stage").is_some_and(|s| s == "b"))
        .filter_map(|r| {
            Some(HistoryBatch {
                execution: r.get("id")?.clone(),
                dataset: r.get("dataset").cloned().unwrap_or_default(),
                last_updated: r.get("last_updated").cloned().unwrap_or_default(),
                record: BatchRecord::from_row(r)?,
            })
        })
        .collect();
    batches.sort_by(|a, b| b.last_updated.cmp(&a.last_updated).then_with(|| a.execution.cmp(&b.execution)));
    batches.truncate(limit);
    batches
}

pub fn render_text(batches: &[HistoryBatch]) -> String {
    let mut s = String::new();
    if batches.is_empty() {
        let _ = writeln!(s, "No stage B batch has recorded an outcome yet.");
        return s;
    }
    for b in batches {
        let _ = writeln!(s, "{} {} (execution {})", b.last_updated, b.dataset, b.execution);
        b.record.render(&mut s);
    }
    s
}

pub fn to_json(batches: &[HistoryBatch]) -> Value {
    batches
        .iter()
        .map(|b| {
            json!({"execution": b.execution, "dataset": b.dataset, "lastUpdated": b.last_updated, "batch": b.record.to_json()})
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> Row {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    const PASSED: &str =
        r#"{"Results":[{"Rule":"RowCount > 0","Outcome":"PASS","Metrics":{"Dataset.*.RowCount":7.0}}]}"#;
    const FAILED: &str = r#"{"Results":[{"Rule":"ColumnValues \"spend\" >= 0","Outcome":"FAIL","Metrics":{}}]}"#;

    #[test]
    fn the_latest_recorded_batches_come_first_and_others_are_left_out() {
        let rows = vec![
            row(&[
                ("id", "a"),
                ("stage", "b"),
                ("dataset", "t/d"),
                ("last_updated", "2026-12-01T10:00:00.000Z"),
                ("status", "published"),
                ("rows", "7"),
                ("objects", "2"),
                ("quality", PASSED),
                ("glue_table", "db.d"),
                ("partitions", "2"),
            ]),
            row(&[
                ("id", "b"),
                ("stage", "b"),
                ("dataset", "t/e"),
                ("last_updated", "2026-12-02T10:00:00.000Z"),
                ("status", "quarantined"),
                ("rows", "3"),
                ("objects", "1"),
                ("quality", FAILED),
            ]),
            // Stage A, and a stage B batch still running: no outcome to show.
            row(&[("id", "c"), ("stage", "a"), ("quality", PASSED)]),
            row(&[("id", "d"), ("stage", "b"), ("status", "started")]),
        ];
        let batches = latest(&rows, 10);
        assert_eq!(batches.iter().map(|b| b.execution.as_str()).collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(latest(&rows, 1).len(), 1);
        let text = render_text(&batches);
        assert!(
            text.starts_with("2026-12-02T10:00:00.000Z t/e (execution b)\n    quarantined: 3 rows in 1 objects\n"),
            "{text}"
        );
        assert!(text.contains("    Glue table db.d (2 partitions)\n    data quality: 1 of 1 rules passed\n"), "{text}");
        assert_eq!(to_json(&batches)[1]["batch"]["glue_table"]["name"], "db.d");
        assert_eq!(render_text(&[]), "No stage B batch has recorded an outcome yet.\n");
    }
}
