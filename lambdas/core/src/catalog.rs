//! The catalog table: one row per object of the raw, stage and analytics buckets.
//!
//! # Row (key `id` = `s3://{bucket}/{key}`)
//!
//! `bucket`, `key`, `stage` (`raw` | `stage` | `analytics`), `dataset` = `{team}/{dataset}` and
//! `team` (only for objects under a dataset prefix, see [`crate::contract::layout::dataset_of`]), `size`
//! (N), `etag`, `version_id`, `sequencer` (as S3 sent it), `sequencer_sort` (see below),
//! `last_modified` (the event time), `status`. Later steps add `pipeline`, `execution_id`,
//! `output_keys` (a JSON string), `reason`, `failed_stage`.
//!
//! # Order and duplicates
//!
//! S3 delivers events at least once and in no particular order. Every write is conditional:
//! "no row yet, or the stored event is older than this one". DynamoDB compares strings byte
//! by byte and S3's sequencers may differ in length, so the comparison uses
//! `sequencer_sort`, the sequencer right-padded to a fixed width
//! ([`crate::sequencer::Sequencer::sort_key`]), never `sequencer` itself.
//!
//! # Removals leave a tombstone
//!
//! `ObjectRemoved` does not delete the row: it replaces it with a tombstone (`status` =
//! `deleted`, the removal's sequencer, no `stage` and no `dataset`, so the `by-stage` and
//! `by-dataset` indexes list live objects only). Deleting the row would forget the removal's
//! sequencer, and a `Created` event delivered after it would bring the deleted object back.

use std::collections::BTreeMap;

use crate::contract::env::Stage;
use crate::contract::layout::{CATALOG_TABLE, LakeLayout, Layer, dataset_of};
use crate::contract::status::{CatalogStatus, FailedStage};
use crate::item::{AttrValue, AttrValueExt, ConditionalPut, ConditionalUpdate, Item, names};
use crate::quality::QualityReport;
use crate::s3_event::{EventKind, ObjectEvent};
use crate::sequencer::unsequenced_sort_key;

/// The attribute holding a row's [`CatalogStatus`].
pub const STATUS: &str = "status";
/// The attribute holding the time of the row's latest event (ISO-8601, UTC, milliseconds).
pub const LAST_MODIFIED: &str = "last_modified";

/// An event the catalog cannot place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error(
        "S3 event of bucket `{bucket}`, which is none of the lake's data buckets (raw `{raw}`, stage `{stage}`, \
         analytics `{analytics}`); check the bucket notifications and the function's environment"
    )]
    UnknownBucket { bucket: String, raw: String, stage: String, analytics: String },
}

/// The catalog row's key for `s3://{bucket}/{key}`.
pub fn row_key(uri: &str) -> Item {
    Item::from([(CATALOG_TABLE.partition_key.to_owned(), AttrValue::s(uri))])
}

/// The conditional `PutItem` recording `event`: the object's row for a creation, a tombstone
/// for a removal (see the module documentation). A failed condition means the table already
/// holds this event or a later one.
pub fn record_event(event: &ObjectEvent, layout: &LakeLayout) -> Result<ConditionalPut, CatalogError> {
    let layer = layout.layer_of(&event.bucket).ok_or_else(|| CatalogError::UnknownBucket {
        bucket: event.bucket.clone(),
        raw: layout.raw_bucket.clone(),
        stage: layout.stage_bucket.clone(),
        analytics: layout.analytics_bucket.clone(),
    })?;
    let sort_key = sort_key(event);
    let mut item = Item::new();
    let mut put = |name: &str, value: AttrValue| {
        item.insert(name.to_owned(), value);
    };
    put(CATALOG_TABLE.partition_key, AttrValue::s(event.uri()));
    put("bucket", AttrValue::s(&event.bucket));
    put("key", AttrValue::s(&event.key));
    put(LAST_MODIFIED, AttrValue::s(&event.event_time));
    put("sequencer_sort", AttrValue::s(&sort_key));
    if let Some(sequencer) = &event.sequencer {
        put("sequencer", AttrValue::s(sequencer.as_str()));
    }
    if let Some(version) = &event.version_id {
        put("version_id", AttrValue::s(version));
    }
    let dataset = dataset_of(layer, &event.key);
    if let Some(dataset) = &dataset {
        put("team", AttrValue::s(&dataset.team));
    }
    match event.kind {
        EventKind::Created => {
            put(STATUS, AttrValue::s(CatalogStatus::Created.as_str()));
            put("stage", AttrValue::s(layer.as_str()));
            if let Some(dataset) = &dataset {
                put("dataset", AttrValue::s(dataset.id()));
            }
            if let Some(size) = event.size {
                put("size", AttrValue::n(size));
            }
            if let Some(etag) = &event.etag {
                put("etag", AttrValue::s(etag));
            }
        }
        EventKind::Removed => put(STATUS, AttrValue::s(CatalogStatus::Deleted.as_str())),
    }

    // Events without a sequencer (emulators only) share the all-zero sort key: `<=` lets the
    // last of them win among themselves while any sequenced event still beats them.
    let comparison = if event.sequencer.is_some() { "<" } else { "<=" };
    let mut newer = format!("attribute_not_exists(#sequencer_sort) OR #sequencer_sort {comparison} :sequencer_sort");
    let mut attributes = vec!["id", "sequencer_sort"];
    let mut values = std::collections::BTreeMap::from([(":sequencer_sort".to_owned(), AttrValue::s(&sort_key))]);
    if event.deletes_one_version()
        && let Some(version) = &event.version_id
    {
        // Deleting one version removes the object only if it is the version the row describes.
        newer = format!("({newer}) AND (attribute_not_exists(#version_id) OR #version_id = :version_id)");
        attributes.push("version_id");
        values.insert(":version_id".to_owned(), AttrValue::s(version));
    }
    Ok(ConditionalPut {
        item,
        condition: format!("attribute_not_exists(#id) OR ({newer})"),
        names: names(&attributes),
        values,
    })
}

/// How the runtime's [`record_event`] write went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome<'a> {
    Written,
    /// The condition failed; `stored` is the row DynamoDB returned with
    /// `ReturnValuesOnConditionCheckFailure = ALL_OLD` (`None` if it returned none).
    Rejected {
        stored: Option<&'a Item>,
    },
}

/// Whether the catalog function must send `event`'s record to the routing queue
/// ([`crate::s3_event::routing_body`]): a raw object's creation that the catalog accepted,
/// or a redelivery of the very event the row holds that nothing has picked up yet (the first
/// delivery may have failed between the write and the send, and must not be lost). A
/// duplicate may therefore reach routing twice; the pipeline tolerates that (at least once).
pub fn forward_to_routing(event: &ObjectEvent, layout: &LakeLayout, outcome: WriteOutcome<'_>) -> bool {
    if event.kind != EventKind::Created || layout.layer_of(&event.bucket) != Some(Layer::Raw) {
        return false;
    }
    match outcome {
        WriteOutcome::Written => true,
        WriteOutcome::Rejected { stored: None } => false,
        WriteOutcome::Rejected { stored: Some(row) } => {
            let text = |name: &str| row.get(name).and_then(AttrValue::as_s);
            text("sequencer_sort") == Some(sort_key(event).as_str())
                && text(STATUS) == Some(CatalogStatus::Created.as_str())
        }
    }
}

fn sort_key(event: &ObjectEvent) -> String {
    event.sequencer.as_ref().map_or_else(unsequenced_sort_key, |s| s.sort_key())
}

/// Marks the row of `event`'s object `unrouted` with `reason`, if the row still describes
/// that very event (a newer version of the object is routed on its own).
pub fn mark_unrouted(event: &ObjectEvent, reason: &str) -> ConditionalUpdate {
    mark_ended(event, CatalogStatus::Unrouted, reason)
}

/// Marks the row of `event`'s object `status` (`unrouted`, or `empty` for an object with
/// nothing in it) with `reason`, if the row still describes this version of the object.
pub fn mark_ended(event: &ObjectEvent, status: CatalogStatus, reason: &str) -> ConditionalUpdate {
    ConditionalUpdate {
        key: row_key(&event.uri()),
        update: "SET #status = :status, #reason = :reason".into(),
        condition: "attribute_exists(#id) AND #sequencer_sort = :sequencer_sort".into(),
        names: names(&["id", "status", "reason", "sequencer_sort"]),
        values: [
            (":status", AttrValue::s(status.as_str())),
            (":reason", AttrValue::s(reason)),
            (":sequencer_sort", AttrValue::s(sort_key(event))),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    }
}

/// A pipeline's progress on a raw object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageStatus {
    ProcessingA,
    ProcessedA,
    ProcessedB,
}

impl StageStatus {
    pub fn status(self) -> CatalogStatus {
        match self {
            StageStatus::ProcessingA => CatalogStatus::ProcessingA,
            StageStatus::ProcessedA => CatalogStatus::ProcessedA,
            StageStatus::ProcessedB => CatalogStatus::ProcessedB,
        }
    }
}

/// The parts of an `UpdateItem` that sets a live row's status and `attributes`, with values
/// of type `V`: the functions' [`AttrValue`]s, or the stage A state machine's parameters
/// (JSON paths into its input). `literal` makes a `V` of a fixed string.
///
/// Conditional on a live row: an update must neither create a partial row (the catalog
/// function writes the row before anything routes the object) nor bring back an object
/// removed meanwhile (its tombstone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate<V> {
    pub update: String,
    pub condition: String,
    pub names: BTreeMap<String, String>,
    pub values: BTreeMap<String, V>,
}

impl<V> StatusUpdate<V> {
    pub fn new(status: CatalogStatus, attributes: Vec<(&str, V)>, literal: impl Fn(&str) -> V) -> StatusUpdate<V> {
        let mut set = vec![format!("#{STATUS} = :{STATUS}")];
        let mut names = vec![CATALOG_TABLE.partition_key, STATUS];
        let mut values = BTreeMap::from([
            (format!(":{STATUS}"), literal(status.as_str())),
            (":deleted".to_owned(), literal(CatalogStatus::Deleted.as_str())),
        ]);
        for (attribute, value) in attributes {
            set.push(format!("#{attribute} = :{attribute}"));
            names.push(attribute);
            values.insert(format!(":{attribute}"), value);
        }
        StatusUpdate {
            update: format!("SET {}", set.join(", ")),
            condition: format!("attribute_exists(#{}) AND #{STATUS} <> :deleted", CATALOG_TABLE.partition_key),
            names: crate::item::names(&names),
            values,
        }
    }
}

impl StatusUpdate<AttrValue> {
    /// The update of the row `uri` (`s3://{bucket}/{key}`).
    fn of_row(self, uri: &str) -> ConditionalUpdate {
        ConditionalUpdate {
            key: row_key(uri),
            update: self.update,
            condition: self.condition,
            names: self.names,
            values: self.values,
        }
    }
}

/// Sets `status`, `pipeline`, `execution_id` and, when given, `output_keys` (as a JSON
/// string, the form the stage A state machine writes) on the row `uri`
/// (`s3://{bucket}/{key}`). Never on a tombstone, never creating a row.
pub fn mark_status(
    uri: &str,
    status: StageStatus,
    pipeline: &str,
    execution_id: &str,
    output_keys: Option<&[String]>,
) -> ConditionalUpdate {
    let mut attributes = vec![("pipeline", AttrValue::s(pipeline)), ("execution_id", AttrValue::s(execution_id))];
    if let Some(keys) = output_keys {
        let json = serde_json::to_string(keys).unwrap_or_else(|_| "[]".into());
        attributes.push(("output_keys", AttrValue::S(json)));
    }
    StatusUpdate::new(status.status(), attributes, |s| AttrValue::s(s)).of_row(uri)
}

/// Quality attributes of a raw object's row after its batch's rules ran.
pub mod quality_attribute {
    /// `PASS` or `FAIL`: every rule of the batch passed, or not.
    pub const OUTCOME: &str = "quality";
    /// The failed rules with what was observed (see [`crate::quality::QualityReport::failure_lines`]).
    pub const FAILURES: &str = "quality_failures";
}

/// Marks the raw object `uri` after its batch's quality rules ran (`report`):
/// `processed-b` with the quality outcome — or, when the batch was `quarantined`, `failed` in
/// stage B, its `reason` naming the failed rules and what was observed. Either way the row
/// names the execution, whose history row holds every rule's result.
pub fn mark_stage_b(
    uri: &str,
    pipeline: &str,
    execution_id: &str,
    report: &QualityReport,
    quarantined: bool,
) -> ConditionalUpdate {
    let failures = report.failure_lines();
    let mut attributes = vec![
        ("pipeline", AttrValue::s(pipeline)),
        ("execution_id", AttrValue::s(execution_id)),
        (quality_attribute::OUTCOME, AttrValue::s(if report.passed() { "PASS" } else { "FAIL" })),
    ];
    if !failures.is_empty() {
        attributes.push((quality_attribute::FAILURES, AttrValue::s(&failures)));
    }
    let status = if quarantined {
        let reason = format!("data quality: the batch was quarantined; {}", failures.replace('\n', "; "));
        attributes.push(("failed_stage", AttrValue::s(FailedStage::Pipeline(Stage::B).as_str())));
        attributes.push(("reason", AttrValue::S(reason)));
        CatalogStatus::Failed
    } else {
        CatalogStatus::ProcessedB
    };
    StatusUpdate::new(status, attributes, |s| AttrValue::s(s)).of_row(uri)
}

/// Marks the row `uri` `failed` in `stage` with `reason`.
pub fn mark_failed(uri: &str, stage: FailedStage, reason: &str) -> ConditionalUpdate {
    let attributes = vec![("failed_stage", AttrValue::s(stage.as_str())), ("reason", AttrValue::s(reason))];
    StatusUpdate::new(CatalogStatus::Failed, attributes, |s| AttrValue::s(s)).of_row(uri)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::env::Stage;
    use crate::sequencer::Sequencer;

    fn layout() -> LakeLayout {
        LakeLayout { raw_bucket: "raw".into(), stage_bucket: "stage".into(), analytics_bucket: "analytics".into() }
    }

    fn created(bucket: &str, key: &str, sequencer: Option<&str>) -> ObjectEvent {
        ObjectEvent {
            kind: EventKind::Created,
            event_name: "ObjectCreated:Put".into(),
            bucket: bucket.into(),
            key: key.into(),
            size: Some(1024),
            etag: Some("abc".into()),
            version_id: Some("v1".into()),
            sequencer: sequencer.map(|s| Sequencer::parse(s).unwrap()),
            event_time: "2024-05-01T12:00:00.000Z".into(),
        }
    }

    fn removed(event_name: &str, sequencer: &str) -> ObjectEvent {
        ObjectEvent {
            kind: EventKind::Removed,
            event_name: event_name.into(),
            size: None,
            etag: None,
            version_id: Some("v2".into()),
            event_time: "2024-05-01T12:05:00.000Z".into(),
            ..created("raw", "eng/persons/a.csv", Some(sequencer))
        }
    }

    fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
        item.get(name).and_then(AttrValue::as_s)
    }

    /// A tiny DynamoDB stand-in evaluating the conditions these builders produce, to check
    /// the ordering logic end to end without the service.
    fn apply(table: &mut std::collections::BTreeMap<String, Item>, put: &ConditionalPut) -> bool {
        let id = text(&put.item, "id").unwrap().to_owned();
        let new_sort = put.values[":sequencer_sort"].as_s().unwrap();
        let allowed = match table.get(&id) {
            None => true,
            Some(row) => {
                let stored = text(row, "sequencer_sort").unwrap();
                let newer = if put.condition.contains("<=") { stored <= new_sort } else { stored < new_sort };
                let version_ok = match put.values.get(":version_id") {
                    None => true,
                    Some(v) => row.get("version_id").is_none_or(|stored| stored == v),
                };
                newer && version_ok
            }
        };
        if allowed {
            table.insert(id, put.item.clone());
        }
        allowed
    }

    #[test]
    fn a_created_raw_object_row() {
        let put = record_event(&created("raw", "eng/persons/a.csv", Some("0055AED6DCD90281E5")), &layout()).unwrap();
        let expected: Item = [
            ("id", AttrValue::s("s3://raw/eng/persons/a.csv")),
            ("bucket", AttrValue::s("raw")),
            ("key", AttrValue::s("eng/persons/a.csv")),
            ("stage", AttrValue::s("raw")),
            ("dataset", AttrValue::s("eng/persons")),
            ("team", AttrValue::s("eng")),
            ("size", AttrValue::N("1024".into())),
            ("etag", AttrValue::s("abc")),
            ("version_id", AttrValue::s("v1")),
            ("sequencer", AttrValue::s("0055AED6DCD90281E5")),
            ("sequencer_sort", AttrValue::s(format!("0055AED6DCD90281E5{}", "0".repeat(46)))),
            ("last_modified", AttrValue::s("2024-05-01T12:00:00.000Z")),
            ("status", AttrValue::s("created")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        assert_eq!(put.item, expected);
        assert_eq!(
            put.condition,
            "attribute_not_exists(#id) OR (attribute_not_exists(#sequencer_sort) OR #sequencer_sort < :sequencer_sort)"
        );
        assert_eq!(put.names.keys().collect::<Vec<_>>(), ["#id", "#sequencer_sort"]);
    }

    #[test]
    fn stage_and_analytics_rows_and_objects_outside_datasets() {
        let put = record_event(&created("stage", "pre-stage/eng/persons/a.parquet", Some("01")), &layout()).unwrap();
        assert_eq!((text(&put.item, "stage"), text(&put.item, "dataset")), (Some("stage"), Some("eng/persons")));
        let put =
            record_event(&created("stage", "pre-stage/eng/_manifests/main/x.json", Some("01")), &layout()).unwrap();
        assert_eq!(
            (text(&put.item, "stage"), put.item.get("dataset"), put.item.get("team")),
            (Some("stage"), None, None)
        );
        let put = record_event(&created("analytics", "eng/persons/part-0.parquet", Some("01")), &layout()).unwrap();
        assert_eq!(text(&put.item, "stage"), Some("analytics"));
    }

    #[test]
    fn unknown_buckets_are_refused() {
        let err = record_event(&created("elsewhere", "a", None), &layout()).unwrap_err();
        assert!(err.to_string().contains("`elsewhere`"));
    }

    #[test]
    fn removals_write_tombstones_outside_the_indexes() {
        let put = record_event(&removed("ObjectRemoved:DeleteMarkerCreated", "0055AED6DCD90281F0"), &layout()).unwrap();
        assert_eq!(text(&put.item, "status"), Some("deleted"));
        for absent in ["stage", "dataset", "size", "etag"] {
            assert!(!put.item.contains_key(absent), "{absent}");
        }
        assert!(!put.values.contains_key(":version_id"));
    }

    #[test]
    fn duplicates_and_out_of_order_events_converge() {
        let create = record_event(&created("raw", "eng/persons/a.csv", Some("10")), &layout()).unwrap();
        let remove = record_event(&removed("ObjectRemoved:DeleteMarkerCreated", "20"), &layout()).unwrap();
        let recreate = record_event(&created("raw", "eng/persons/a.csv", Some("30")), &layout()).unwrap();
        let orders: [&[&ConditionalPut]; 4] = [
            &[&create, &remove, &recreate],
            &[&recreate, &remove, &create],
            &[&remove, &create, &recreate, &create],
            &[&create, &create, &recreate, &remove, &remove],
        ];
        for order in orders {
            let mut table = Default::default();
            for put in order {
                apply(&mut table, put);
            }
            let row = &table["s3://raw/eng/persons/a.csv"];
            assert_eq!((text(row, "status"), text(row, "sequencer")), (Some("created"), Some("30")));
        }
        // Created after Removed, delivered in reverse: the tombstone keeps the object deleted.
        let mut table = Default::default();
        assert!(apply(&mut table, &remove));
        assert!(!apply(&mut table, &create));
        assert_eq!(text(&table["s3://raw/eng/persons/a.csv"], "status"), Some("deleted"));
    }

    #[test]
    fn deleting_an_old_version_keeps_the_current_row() {
        let current = record_event(&created("raw", "eng/persons/a.csv", Some("10")), &layout()).unwrap();
        let delete_other = ObjectEvent { version_id: Some("v0".into()), ..removed("ObjectRemoved:Delete", "20") };
        let delete_current = ObjectEvent { version_id: Some("v1".into()), ..removed("ObjectRemoved:Delete", "30") };
        let mut table = Default::default();
        apply(&mut table, &current);
        assert!(!apply(&mut table, &record_event(&delete_other, &layout()).unwrap()));
        assert!(apply(&mut table, &record_event(&delete_current, &layout()).unwrap()));
        assert_eq!(text(&table["s3://raw/eng/persons/a.csv"], "status"), Some("deleted"));
    }

    #[test]
    fn unsequenced_events_use_last_writer_wins_among_themselves() {
        let put = record_event(&created("raw", "eng/persons/a.csv", None), &layout()).unwrap();
        assert!(put.condition.contains("#sequencer_sort <= :sequencer_sort"));
        assert!(!put.item.contains_key("sequencer"));
    }

    #[test]
    fn forwarding_to_routing() {
        let event = created("raw", "eng/persons/a.csv", Some("10"));
        let put = record_event(&event, &layout()).unwrap();
        assert!(forward_to_routing(&event, &layout(), WriteOutcome::Written));
        // Redelivery of the same event, not yet picked up: forward again.
        assert!(forward_to_routing(&event, &layout(), WriteOutcome::Rejected { stored: Some(&put.item) }));
        // Already picked up, or superseded by a later event: do not.
        let mut picked = put.item.clone();
        picked.insert(STATUS.into(), AttrValue::s(CatalogStatus::ProcessingA.as_str()));
        assert!(!forward_to_routing(&event, &layout(), WriteOutcome::Rejected { stored: Some(&picked) }));
        let later = record_event(&created("raw", "eng/persons/a.csv", Some("11")), &layout()).unwrap();
        assert!(!forward_to_routing(&event, &layout(), WriteOutcome::Rejected { stored: Some(&later.item) }));
        assert!(!forward_to_routing(&event, &layout(), WriteOutcome::Rejected { stored: None }));
        // Only raw creations.
        let staged = created("stage", "pre-stage/eng/persons/a.parquet", Some("10"));
        assert!(!forward_to_routing(&staged, &layout(), WriteOutcome::Written));
        assert!(!forward_to_routing(
            &removed("ObjectRemoved:DeleteMarkerCreated", "20"),
            &layout(),
            WriteOutcome::Written
        ));
    }

    #[test]
    fn status_updates() {
        let event = created("raw", "eng/persons/a.csv", Some("10"));
        let unrouted = mark_unrouted(&event, "no dataset config for eng/persons");
        assert_eq!(unrouted.key, row_key("s3://raw/eng/persons/a.csv"));
        assert_eq!(unrouted.update, "SET #status = :status, #reason = :reason");
        assert_eq!(unrouted.condition, "attribute_exists(#id) AND #sequencer_sort = :sequencer_sort");

        let keys = vec!["pre-stage/eng/persons/a.parquet".to_owned()];
        let done =
            mark_status("s3://raw/eng/persons/a.csv", StageStatus::ProcessedA, "eng/main", "exec-1", Some(&keys));
        assert_eq!(
            done.update,
            "SET #status = :status, #pipeline = :pipeline, #execution_id = :execution_id, #output_keys = :output_keys"
        );
        assert_eq!(done.condition, "attribute_exists(#id) AND #status <> :deleted");
        assert_eq!(done.values[":output_keys"], AttrValue::s(r#"["pre-stage/eng/persons/a.parquet"]"#));
        assert_eq!(done.values[":status"], AttrValue::s("processed-a"));

        let failed = mark_failed("s3://raw/eng/persons/a.csv", FailedStage::Pipeline(Stage::A), "bad CSV at line 3");
        assert_eq!(failed.update, "SET #status = :status, #failed_stage = :failed_stage, #reason = :reason");
        // Every placeholder used is declared, and every declared one is used.
        for update in [&unrouted, &done, &failed] {
            let text = format!("{} {}", update.update, update.condition);
            for name in update.names.keys().chain(update.values.keys()) {
                assert!(text.contains(name.as_str()), "{name} unused in {text}");
            }
        }
    }
}
