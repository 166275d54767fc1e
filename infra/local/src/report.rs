//! What `sdlf local` reports, computed from what it read (pure: no AWS here).

use std::collections::BTreeMap;
use std::fmt::Write;

use sdlf_aws::{Execution, Object, Row};
use sdlf_lambda_core::catalog;
use sdlf_lambda_core::contract::layout::CATALOG_TABLE;
use sdlf_lambda_core::contract::status::CatalogStatus;
use serde_json::{Value, json};

/// The row's status, when it is one the functions write.
fn status(row: &Row) -> Option<CatalogStatus> {
    row.get(catalog::STATUS)?.parse().ok()
}

/// The raw objects of this run (`s3://{raw}/{key}`) whose catalog row does not yet show a
/// finished stage A for an event at or after `since` (ISO-8601, as the rows'
/// `last_modified`). Empty once the run's objects are all settled.
pub fn stage_a_pending<'a>(rows: &[Row], uploaded: &'a [String], since: &str) -> Vec<&'a str> {
    let by_id: BTreeMap<&str, &Row> =
        rows.iter().filter_map(|r| Some((r.get(CATALOG_TABLE.partition_key)?.as_str(), r))).collect();
    uploaded
        .iter()
        .filter(|uri| {
            let Some(row) = by_id.get(uri.as_str()) else { return true };
            let fresh = row.get(catalog::LAST_MODIFIED).is_some_and(|t| t.as_str() >= since);
            let done = status(row).is_some_and(CatalogStatus::is_past_stage_a);
            !(fresh && done)
        })
        .map(String::as_str)
        .collect()
}

/// A stage B batch this run started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// `{team}/{dataset}`.
    pub dataset: String,
    pub pipeline: String,
    /// `None` when the dataset had fewer objects queued than its minimum.
    pub execution: Option<String>,
    pub messages: u64,
    /// The execution's final status, once known.
    pub status: Option<String>,
}

/// Everything the report shows.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub catalog_table: String,
    pub rows: Vec<Row>,
    pub stage_bucket: String,
    pub stage_objects: Vec<Object>,
    /// Stage A executions started by this run, per pipeline (`{team}/{pipeline}`).
    pub stage_a: BTreeMap<String, Vec<Execution>>,
    pub batches: Vec<Batch>,
}

impl Report {
    /// Objects per layer and status, from the catalog.
    pub fn counts(&self) -> BTreeMap<(String, String), usize> {
        let mut counts = BTreeMap::new();
        for row in &self.rows {
            let layer = row.get("stage").cloned().unwrap_or_else(|| "-".to_owned());
            let status = row.get(catalog::STATUS).cloned().unwrap_or_else(|| "-".to_owned());
            *counts.entry((layer, status)).or_insert(0) += 1;
        }
        counts
    }

    /// Rows that failed or were not routed, with the reason.
    pub fn problems(&self) -> Vec<(&str, &str, &str)> {
        self.rows
            .iter()
            .filter(|r| status(r).is_some_and(CatalogStatus::has_reason))
            .map(|r| {
                let get = |k: &str| r.get(k).map_or("", String::as_str);
                (get(CATALOG_TABLE.partition_key), get(catalog::STATUS), get("reason"))
            })
            .collect()
    }

    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "Catalog ({}): objects per layer and status", self.catalog_table);
        let _ = writeln!(s, "  {:<10} {:<12} {:>7}", "LAYER", "STATUS", "OBJECTS");
        for ((layer, status), n) in self.counts() {
            let _ = writeln!(s, "  {layer:<10} {status:<12} {n:>7}");
        }
        let problems = self.problems();
        if !problems.is_empty() {
            let _ = writeln!(s, "\nNot processed:");
            for (id, status, reason) in problems {
                let _ = writeln!(s, "  {id}\n    {status}: {reason}");
            }
        }
        let parquet: Vec<&Object> = self.stage_objects.iter().filter(|o| o.key.ends_with(".parquet")).collect();
        let _ = writeln!(s, "\nParquet files in {} ({}):", self.stage_bucket, parquet.len());
        for o in parquet {
            let _ = writeln!(s, "  {:>9} bytes  {}", o.size, o.key);
        }
        let _ = writeln!(s, "\nStage A executions of this run:");
        for (pipeline, executions) in &self.stage_a {
            let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
            for e in executions {
                *by_status.entry(e.status.as_str()).or_insert(0) += 1;
            }
            let summary: Vec<String> = by_status.iter().map(|(st, n)| format!("{n} {st}")).collect();
            let _ =
                writeln!(s, "  {pipeline}: {}", if summary.is_empty() { "none".into() } else { summary.join(", ") });
        }
        let _ = writeln!(s, "\nStage B batches of this run:");
        for b in &self.batches {
            match &b.execution {
                Some(id) => {
                    let status = b.status.as_deref().unwrap_or("RUNNING");
                    let _ = writeln!(
                        s,
                        "  {} ({}): {} objects, execution {id}: {status}",
                        b.dataset, b.pipeline, b.messages
                    );
                }
                None => {
                    let _ = writeln!(
                        s,
                        "  {} ({}): not started (fewer objects queued than the batch minimum)",
                        b.dataset, b.pipeline
                    );
                }
            }
        }
        s
    }

    pub fn to_json(&self) -> Value {
        json!({
            "catalog": {
                "table": self.catalog_table,
                "counts": self.counts().into_iter().map(|((layer, status), n)| json!({"layer": layer, "status": status, "objects": n})).collect::<Vec<_>>(),
                "not_processed": self.problems().into_iter().map(|(id, status, reason)| json!({"id": id, "status": status, "reason": reason})).collect::<Vec<_>>(),
            },
            "parquet": self.stage_objects.iter().filter(|o| o.key.ends_with(".parquet")).map(|o| json!({"bucket": self.stage_bucket, "key": o.key, "size": o.size})).collect::<Vec<_>>(),
            "stage_a": self.stage_a.iter().map(|(p, ex)| (p.clone(), ex.iter().map(|e| json!({"name": e.name, "status": e.status})).collect::<Value>())).collect::<serde_json::Map<_, _>>(),
            "stage_b": self.batches.iter().map(|b| json!({"dataset": b.dataset, "pipeline": b.pipeline, "execution": b.execution, "messages": b.messages, "status": b.status})).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> Row {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn an_object_is_pending_until_its_row_shows_this_runs_event_finished() {
        let uploaded = vec!["s3://raw/a".to_owned(), "s3://raw/b".to_owned(), "s3://raw/c".to_owned()];
        let since = "2026-11-28T17:00:00.000Z";
        let rows = vec![
            // This run's event, done.
            row(&[("id", "s3://raw/a"), ("status", "processed-a"), ("last_modified", "2026-11-28T17:00:01.000Z")]),
            // Done, but from an earlier run: this run's event is not in yet.
            row(&[("id", "s3://raw/b"), ("status", "failed"), ("last_modified", "2026-11-28T16:00:00.000Z")]),
            // This run's event, still in stage A.
            row(&[("id", "s3://raw/c"), ("status", "processing-a"), ("last_modified", "2026-11-28T17:00:02.000Z")]),
        ];
        assert_eq!(stage_a_pending(&rows, &uploaded, since), ["s3://raw/b", "s3://raw/c"]);
        assert_eq!(stage_a_pending(&[], &uploaded, since).len(), 3, "no row yet");
    }

    #[test]
    fn the_report_counts_per_layer_and_status_and_lists_what_failed() {
        let report = Report {
            catalog_table: "sdlf-local-catalog".into(),
            rows: vec![
                row(&[("id", "s3://raw/a"), ("stage", "raw"), ("status", "processed-b")]),
                row(&[
                    ("id", "s3://raw/b"),
                    ("stage", "raw"),
                    ("status", "failed"),
                    ("reason", "line 2: invalid JSON"),
                ]),
                row(&[("id", "s3://stage/a"), ("stage", "stage"), ("status", "created")]),
            ],
            stage_bucket: "stage".into(),
            stage_objects: vec![Object { key: "pre-stage/t/d/a.parquet".into(), size: 1234 }],
            stage_a: BTreeMap::from([(
                "t/main".to_owned(),
                vec![
                    Execution { name: "1".into(), status: "SUCCEEDED".into(), started_millis: 0 },
                    Execution { name: "2".into(), status: "FAILED".into(), started_millis: 0 },
                ],
            )]),
            batches: vec![Batch {
                dataset: "t/d".into(),
                pipeline: "main".into(),
                execution: Some("e-1".into()),
                messages: 1,
                status: Some("SUCCEEDED".into()),
            }],
        };
        let text = report.render_text();
        assert!(text.contains("  raw        failed             1\n"), "{text}");
        assert!(text.contains("  s3://raw/b\n    failed: line 2: invalid JSON\n"), "{text}");
        assert!(text.contains("       1234 bytes  pre-stage/t/d/a.parquet"), "{text}");
        assert!(text.contains("  t/main: 1 FAILED, 1 SUCCEEDED\n"), "{text}");
        assert!(text.contains("  t/d (main): 1 objects, execution e-1: SUCCEEDED\n"), "{text}");
        let json = report.to_json();
        assert_eq!(json["catalog"]["not_processed"][0]["reason"], "line 2: invalid JSON");
        assert_eq!(json["stage_b"][0]["status"], "SUCCEEDED");
    }
}
