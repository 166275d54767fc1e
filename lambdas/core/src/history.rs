//! The execution-history table: one row per execution, key `id` (a UUID), deleted by
//! DynamoDB after `ttl`.
//!
//! Row: `id`, `team`, `pipeline` = `{team}/{pipeline}`, `dataset` = `{team}/{dataset}`,
//! `stage` (`routing`, `a`, `b`), `status`, `object` (the raw object's `s3://` URI, when the
//! execution is about one), `started`, `last_updated`, `history` (list of `{status,
//! timestamp}`), `ttl` (N, epoch seconds).

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::contract::layout::EXECUTION_HISTORY_TTL_ATTRIBUTE;
use crate::item::{AttrValue, AttrValueExt, ConditionalPut, ConditionalUpdate, Item, names};
use crate::messages::HeavyOutput;
use crate::quality::QualityReport;
use crate::timestamp;

/// How long a row stays, as in the original framework.
pub const RETENTION_DAYS: i64 = 120;

/// `status` values.
pub mod status {
    /// `routing` sent the object to its pipeline's stage A queue.
    pub const ROUTED: &str = "routed";
    pub const STARTED: &str = "started";
    pub const SUCCEEDED: &str = "succeeded";
    pub const FAILED: &str = "failed";
    /// A stage B batch whose output reached the analytics layer.
    pub const PUBLISHED: &str = "published";
    /// A stage B batch kept in quarantine: a quality rule failed and its dataset fails on that.
    pub const QUARANTINED: &str = "quarantined";
}

/// A new row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExecution<'a> {
    pub id: &'a str,
    pub team: &'a str,
    /// The pipeline's name (without the team).
    pub pipeline: &'a str,
    /// The dataset's name (without the team).
    pub dataset: &'a str,
    pub stage: &'a str,
    pub status: &'a str,
    pub object: Option<&'a str>,
}

/// The conditional `PutItem` creating the row; it fails (harmlessly) when a redelivered
/// message already created it.
pub fn record_start(execution: &NewExecution<'_>, now_epoch_millis: i64) -> ConditionalPut {
    let now = timestamp::from_epoch_millis(now_epoch_millis);
    let entry = history_entry(execution.status, &now);
    let mut item: Item = [
        ("id", AttrValue::s(execution.id)),
        ("team", AttrValue::s(execution.team)),
        ("pipeline", AttrValue::s(format!("{}/{}", execution.team, execution.pipeline))),
        ("dataset", AttrValue::s(format!("{}/{}", execution.team, execution.dataset))),
        ("stage", AttrValue::s(execution.stage)),
        ("status", AttrValue::s(execution.status)),
        ("started", AttrValue::s(&now)),
        ("last_updated", AttrValue::s(&now)),
        ("history", AttrValue::L(vec![entry])),
        (EXECUTION_HISTORY_TTL_ATTRIBUTE, AttrValue::n(now_epoch_millis.div_euclid(1000) + RETENTION_DAYS * 86_400)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if let Some(object) = execution.object {
        item.insert("object".into(), AttrValue::s(object));
    }
    ConditionalPut {
        item,
        condition: "attribute_not_exists(#id)".into(),
        names: names(&["id"]),
        values: BTreeMap::new(),
    }
}

/// Moves the row `id` to `status`, appending to its history. Conditional on the row
/// existing (it is created first; this never makes a partial row).
pub fn record_status(id: &str, status: &str, now_epoch_millis: i64) -> ConditionalUpdate {
    let now = timestamp::from_epoch_millis(now_epoch_millis);
    ConditionalUpdate {
        key: Item::from([("id".to_owned(), AttrValue::s(id))]),
        update: "SET #status = :status, #last_updated = :now, #history = list_append(#history, :entry)".into(),
        condition: "attribute_exists(#id)".into(),
        names: names(&["id", "status", "last_updated", "history"]),
        values: [
            (":status", AttrValue::s(status)),
            (":now", AttrValue::s(&now)),
            (":entry", AttrValue::L(vec![history_entry(status, &now)])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    }
}

/// The execution-history attributes of a stage B batch.
pub mod stage_b_attribute {
    pub const ROWS: &str = "rows";
    pub const OBJECTS: &str = "objects";
    /// Every rule's result: the JSON of [`crate::quality::QualityReport`].
    pub const QUALITY: &str = "quality";
    pub const SCORE: &str = "score";
    /// `{database}.{table}`, when the batch was published.
    pub const GLUE_TABLE: &str = "glue_table";
    /// The table's partitions the batch wrote into.
    pub const PARTITIONS: &str = "partitions";
}

/// What a stage B batch did, on either engine: status `published` or `quarantined`, the rows
/// and objects written, every quality rule's result with its score, and the Glue table
/// (`{database}.{table}`) it was published to, with the partitions registered when the stage
/// registered them itself (`local`): what `sdlf local` and `sdlf status --batches` show.
pub fn record_stage_b(id: &str, outcome: &HeavyOutput, glue_table: &str, now_epoch_millis: i64) -> ConditionalUpdate {
    use stage_b_attribute as a;
    let status = if outcome.quarantined { status::QUARANTINED } else { status::PUBLISHED };
    let mut row = record_status(id, status, now_epoch_millis);
    if !outcome.quarantined && !outcome.objects.is_empty() {
        row.update.push_str(", #glue_table = :glue_table");
        row.names.extend(names(&[a::GLUE_TABLE]));
        row.values.insert(format!(":{}", a::GLUE_TABLE), AttrValue::s(glue_table));
    }
    if outcome.table.is_some() {
        let partitions: usize = outcome.partition_calls.iter().map(Vec::len).sum();
        row.update.push_str(", #partitions = :partitions");
        row.names.extend(names(&[a::PARTITIONS]));
        row.values.insert(format!(":{}", a::PARTITIONS), AttrValue::n(partitions));
    }
    row.update.push_str(", #rows = :rows, #objects = :objects");
    row.names.extend(names(&[a::ROWS, a::OBJECTS]));
    row.values.insert(":rows".to_owned(), AttrValue::n(outcome.rows));
    row.values.insert(":objects".to_owned(), AttrValue::n(outcome.objects.len()));
    with_quality(row, &outcome.quality)
}

/// `row` also setting the quality attributes of `report`.
fn with_quality(mut row: ConditionalUpdate, report: &QualityReport) -> ConditionalUpdate {
    use stage_b_attribute as a;
    row.update.push_str(", #quality = :quality, #score = :score, #passed = :passed");
    row.names.extend(names(&[a::QUALITY, a::SCORE, "passed"]));
    let quality = serde_json::to_string(report).unwrap_or_else(|_| "{}".into());
    row.values.extend([
        (":quality".to_owned(), AttrValue::S(quality)),
        (":score".to_owned(), AttrValue::N(report.score().to_string())),
        (":passed".to_owned(), AttrValue::Bool(report.passed())),
    ]);
    row
}

fn history_entry(status: &str, now: &str) -> AttrValue {
    AttrValue::M(std::collections::HashMap::from([
        ("status".to_owned(), AttrValue::s(status)),
        ("timestamp".to_owned(), AttrValue::s(now)),
    ]))
}

/// A UUID (version 8, RFC 9562) derived from `parts` with SHA-256: the same parts give the
/// same id, so a redelivered message maps to the same row or execution name.
pub fn deterministic_id(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let mut bytes: [u8; 16] = hasher.finalize()[..16].try_into().expect("SHA-256 has 32 bytes");
    bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAY_FIRST_NOON: i64 = 1_714_564_800_000;

    #[test]
    fn a_new_row() {
        let put = record_start(
            &NewExecution {
                id: "e1",
                team: "eng",
                pipeline: "main",
                dataset: "persons",
                stage: "a",
                status: status::STARTED,
                object: Some("s3://raw/eng/persons/a.csv"),
            },
            MAY_FIRST_NOON,
        );
        let s = |name: &str| put.item[name].as_s().unwrap().to_owned();
        assert_eq!((s("pipeline"), s("dataset"), s("stage")), ("eng/main".into(), "eng/persons".into(), "a".into()));
        assert_eq!(s("started"), "2024-05-01T12:00:00.000Z");
        assert_eq!(put.item["ttl"], AttrValue::n(1_714_564_800 + 120 * 86_400));
        assert_eq!(put.condition, "attribute_not_exists(#id)");
        assert_eq!(s("object"), "s3://raw/eng/persons/a.csv");
    }

    #[test]
    fn a_transition_appends_to_the_history() {
        let update = record_status("e1", status::SUCCEEDED, MAY_FIRST_NOON + 1500);
        assert_eq!(update.values[":now"], AttrValue::s("2024-05-01T12:00:01.500Z"));
        assert!(update.update.contains("list_append(#history, :entry)"));
        assert_eq!(update.condition, "attribute_exists(#id)");
    }

    #[test]
    fn deterministic_ids_are_stable_uuids() {
        let id = deterministic_id(&["s3://raw/a", "0055"]);
        assert_eq!(id, deterministic_id(&["s3://raw/a", "0055"]));
        assert_ne!(id, deterministic_id(&["s3://raw/a0", "055"]));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "8");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
    }
}
