//! What `sdlf local` reports, computed from what it read (pure: no AWS here).

use std::collections::BTreeMap;
use std::fmt::Write;

use sdlf_aws::{Execution, Object, Row};
use sdlf_lambda_core::contract::layout::CATALOG_TABLE;
use sdlf_lambda_core::contract::status::CatalogStatus;
use sdlf_lambda_core::quality::{Outcome, QualityReport};
use sdlf_lambda_core::{catalog, history};
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
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// `{team}/{dataset}`.
    pub dataset: String,
    pub pipeline: String,
    /// `None` when the dataset had fewer objects queued than its minimum.
    pub execution: Option<String>,
    pub messages: u64,
    /// The execution's final status, once known.
    pub status: Option<String>,
    /// What the batch did, from its execution-history row (a DataFusion batch).
    pub record: Option<BatchRecord>,
}

/// A stage B batch's execution-history row, as the post-update function writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRecord {
    /// `published` or `quarantined`.
    pub status: String,
    pub rows: u64,
    pub objects: u64,
    /// `{database}.{table}` when published, with its partitions.
    pub glue_table: Option<(String, u64)>,
    pub quality: QualityReport,
}

impl BatchRecord {
    /// The record in `row`, when it is one a DataFusion batch wrote.
    pub fn from_row(row: &Row) -> Option<BatchRecord> {
        use history::stage_b_attribute as a;
        let number = |name: &str| row.get(name).and_then(|n| n.parse().ok()).unwrap_or(0);
        let quality = serde_json::from_str(row.get(a::QUALITY)?).ok()?;
        let glue_table = row.get(a::GLUE_TABLE).map(|t| (t.clone(), number(a::PARTITIONS)));
        Some(BatchRecord {
            status: row.get("status").cloned().unwrap_or_default(),
            rows: number(a::ROWS),
            objects: number(a::OBJECTS),
            glue_table,
            quality,
        })
    }

    pub(crate) fn render(&self, s: &mut String) {
        let passed = self.quality.results.iter().filter(|r| r.outcome == Outcome::Pass).count();
        let _ = writeln!(s, "    {}: {} rows in {} objects", self.status, self.rows, self.objects);
        if let Some((table, partitions)) = &self.glue_table {
            let _ = writeln!(s, "    Glue table {table} ({partitions} partitions)");
        }
        let _ = writeln!(s, "    data quality: {passed} of {} rules passed", self.quality.results.len());
        for line in self.quality.failure_lines().lines() {
            let _ = writeln!(s, "      {line}");
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        json!({
            "status": self.status,
            "rows": self.rows,
            "objects": self.objects,
            "glue_table": self.glue_table.as_ref().map(|(t, p)| json!({"name": t, "partitions": p})),
            "quality": self.quality,
            "score": self.quality.score(),
        })
    }
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
    pub analytics_bucket: String,
    /// What the heavy transform wrote (published and quarantined).
    pub analytics_objects: Vec<Object>,
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

    /// What this run left unfinished: raw objects still without an outcome of stage A
    /// (created, or still processing: a stage that timed out or an object no step ended), and
    /// stage B executions still running. Empty when everything ended with an outcome.
    pub fn unfinished(&self) -> Vec<String> {
        let raw = self.rows.iter().filter(|r| r.get("stage").is_some_and(|s| s == "raw"));
        let objects = raw.filter(|r| !status(r).is_some_and(CatalogStatus::is_past_stage_a)).map(|r| {
            let get = |k: &str| r.get(k).map_or("", String::as_str);
            format!("{}: {} (no outcome)", get(CATALOG_TABLE.partition_key), get(catalog::STATUS))
        });
        let batches = self.batches.iter().filter(|b| b.execution.is_some() && b.status.is_none()).map(|b| {
            format!(
                "stage B of {} ({}): execution {} still running",
                b.dataset,
                b.pipeline,
                b.execution.as_deref().unwrap_or("")
            )
        });
        objects.chain(batches).collect()
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
        render_parquet(&mut s, &self.stage_bucket, &self.stage_objects);
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
                    if let Some(record) = &b.record {
                        record.render(&mut s);
                    }
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
        render_parquet(&mut s, &self.analytics_bucket, &self.analytics_objects);
        s
    }

    pub fn to_json(&self) -> Value {
        json!({
            "catalog": {
                "table": self.catalog_table,
                "counts": self.counts().into_iter().map(|((layer, status), n)| json!({"layer": layer, "status": status, "objects": n})).collect::<Vec<_>>(),
                "not_processed": self.problems().into_iter().map(|(id, status, reason)| json!({"id": id, "status": status, "reason": reason})).collect::<Vec<_>>(),
            },
            "parquet": parquet_json(&self.stage_bucket, &self.stage_objects),
            "stage_a": self.stage_a.iter().map(|(p, ex)| (p.clone(), ex.iter().map(|e| json!({"name": e.name, "status": e.status})).collect::<Value>())).collect::<serde_json::Map<_, _>>(),
            "stage_b": self.batches.iter().map(|b| json!({"dataset": b.dataset, "pipeline": b.pipeline, "execution": b.execution, "messages": b.messages, "status": b.status, "batch": b.record.as_ref().map(BatchRecord::to_json)})).collect::<Vec<_>>(),
            "analytics": parquet_json(&self.analytics_bucket, &self.analytics_objects),
        })
    }
}

fn parquet(objects: &[Object]) -> impl Iterator<Item = &Object> {
    objects.iter().filter(|o| o.key.ends_with(".parquet"))
}

/// The Parquet files among `objects` of `bucket`, one line each.
fn render_parquet(s: &mut String, bucket: &str, objects: &[Object]) {
    let _ = writeln!(s, "\nParquet files in {bucket} ({}):", parquet(objects).count());
    for o in parquet(objects) {
        let _ = writeln!(s, "  {:>9} bytes  {}", o.size, o.key);
    }
}

fn parquet_json(bucket: &str, objects: &[Object]) -> Vec<Value> {
    parquet(objects).map(|o| json!({"bucket": bucket, "key": o.key, "size": o.size})).collect()
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
    fn what_ended_without_an_outcome_is_unfinished() {
        let batch = |status: Option<&str>| Batch {
            dataset: "t/d".into(),
            pipeline: "main".into(),
            execution: Some("e-1".into()),
            messages: 1,
            status: status.map(str::to_owned),
            record: None,
        };
        let mut report = Report {
            catalog_table: "c".into(),
            rows: vec![
                row(&[("id", "s3://raw/a"), ("stage", "raw"), ("status", "processed-b")]),
                row(&[("id", "s3://raw/b"), ("stage", "raw"), ("status", "empty"), ("reason", "0 bytes")]),
                row(&[("id", "s3://raw/c"), ("stage", "raw"), ("status", "processing-a")]),
                row(&[("id", "s3://stage/c"), ("stage", "stage"), ("status", "created")]),
            ],
            stage_bucket: "stage".into(),
            stage_objects: Vec::new(),
            stage_a: BTreeMap::new(),
            batches: vec![batch(Some("SUCCEEDED")), batch(None)],
            analytics_bucket: "analytics".into(),
            analytics_objects: Vec::new(),
        };
        assert_eq!(
            report.unfinished(),
            ["s3://raw/c: processing-a (no outcome)", "stage B of t/d (main): execution e-1 still running"]
        );
        report.rows.remove(2);
        report.batches.pop();
        assert!(report.unfinished().is_empty());
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
                record: BatchRecord::from_row(&row(&[
                    ("id", "e-1"),
                    ("status", "quarantined"),
                    ("rows", "4"),
                    ("objects", "1"),
                    (
                        "quality",
                        r#"{"Results":[{"Rule":"RowCount > 0","Outcome":"PASS","Metrics":{}},{"Rule":"ColumnValues \"spend\" >= 0","Outcome":"FAIL","Metrics":{"Column.spend.ColumnValues.Compliance":0.75}}]}"#,
                    ),
                ])),
            }],
            analytics_bucket: "analytics".into(),
            analytics_objects: vec![Object { key: "t/_quarantine/d/e-1/e-1-00000.parquet".into(), size: 99 }],
        };
        let text = report.render_text();
        assert!(text.contains("  raw        failed             1\n"), "{text}");
        assert!(text.contains("  s3://raw/b\n    failed: line 2: invalid JSON\n"), "{text}");
        assert!(text.contains("       1234 bytes  pre-stage/t/d/a.parquet"), "{text}");
        assert!(text.contains("  t/main: 1 FAILED, 1 SUCCEEDED\n"), "{text}");
        assert!(text.contains("  t/d (main): 1 objects, execution e-1: SUCCEEDED\n"), "{text}");
        assert!(
            text.contains("    quarantined: 4 rows in 1 objects\n    data quality: 1 of 2 rules passed\n"),
            "{text}"
        );
        assert!(
            text.contains("      FAIL ColumnValues \"spend\" >= 0 (Column.spend.ColumnValues.Compliance = 0.75)\n"),
            "{text}"
        );
        assert!(text.contains("Parquet files in analytics (1):\n         99 bytes  t/_quarantine/d/e-1/"), "{text}");
        let json = report.to_json();
        assert_eq!(json["stage_b"][0]["batch"]["score"], 0.5);
        assert_eq!(json["catalog"]["not_processed"][0]["reason"], "line 2: invalid JSON");
        assert_eq!(json["stage_b"][0]["status"], "SUCCEEDED");
    }
}
