//! S3 event notifications, as the catalog and routing queues deliver them.
//!
//! # Message bodies accepted by [`parse_body`]
//!
//! - An S3 notification, `{"Records": [...]}`, event version 2.x: what S3 sends to the catalog
//!   queue. Only the fields the lake uses are read; unknown fields are ignored, as AWS asks of
//!   consumers so that minor versions can add fields.
//! - The test message S3 sends when a notification configuration is set,
//!   `{"Service": "Amazon S3", "Event": "s3:TestEvent", ...}`: recognized as
//!   [`Notification::Test`], to be acknowledged and otherwise ignored.
//! - **The routing queue's message**, written by the catalog function with [`routing_body`]:
//!   `{"Records": [<one record, exactly as S3 sent it>]}`, i.e. an S3 notification holding a
//!   single record, so one parser serves both queues. A bare record object (`{"eventName",
//!   "s3", ...}` at the top level) is accepted too.
//!
//! Records of events other than `ObjectCreated:*` and `ObjectRemoved:*` (restores,
//! replication, lifecycle transitions...) are not errors: they are listed in
//! [`Notification::Records::ignored`] for the log.

use serde::Deserialize;

use crate::key::{self, KeyError};
use crate::sequencer::{Sequencer, SequencerError};
use crate::timestamp::{self, TimestampError};

/// What happened to the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `ObjectCreated:*` (Put, Post, Copy, CompleteMultipartUpload).
    Created,
    /// `ObjectRemoved:*` (Delete, DeleteMarkerCreated).
    Removed,
}

/// One object event of an S3 notification, decoded and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectEvent {
    pub kind: EventKind,
    /// The event name without the `s3:` prefix, e.g. `ObjectCreated:Put`.
    pub event_name: String,
    pub bucket: String,
    /// The key, URL-decoded (see [`crate::key`]).
    pub key: String,
    /// Bytes; S3 sends no size for removals.
    pub size: Option<u64>,
    /// Without surrounding quotes; none for removals.
    pub etag: Option<String>,
    /// Present when the bucket is versioned (the lake's data buckets are). For a removal,
    /// the version deleted or the delete marker created.
    pub version_id: Option<String>,
    /// Absent only from some emulators' events; S3 always sends it for PUTs and DELETEs.
    pub sequencer: Option<Sequencer>,
    /// ISO-8601 UTC with milliseconds (see [`crate::timestamp`]).
    pub event_time: String,
}

impl ObjectEvent {
    /// `s3://{bucket}/{key}`: the catalog row's key.
    pub fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    /// Whether the event removes one specific version only (`ObjectRemoved:Delete` with a
    /// version id, i.e. a permanent delete of that version), which leaves the object itself
    /// in place when that version was not the current one. A plain delete of a versioned
    /// object is `ObjectRemoved:DeleteMarkerCreated`.
    pub fn deletes_one_version(&self) -> bool {
        self.kind == EventKind::Removed && self.event_name == "ObjectRemoved:Delete" && self.version_id.is_some()
    }
}

/// A record: the decoded event, and the record's JSON as received (the catalog function
/// forwards it unchanged to the routing queue, see [`routing_body`]).
#[derive(Debug, Clone, PartialEq)]
pub struct S3Record {
    pub event: ObjectEvent,
    pub raw: serde_json::Value,
}

/// A parsed message body.
#[derive(Debug, Clone, PartialEq)]
pub enum Notification {
    /// `s3:TestEvent`: acknowledge it, nothing to do.
    Test,
    Records {
        records: Vec<S3Record>,
        /// Event names of the records that are neither created nor removed events.
        ignored: Vec<String>,
    },
}

/// A body that is not an S3 notification the lake understands. Retrying cannot help: the
/// runtime should let the message go to the dead-letter queue (report it as a batch item
/// failure) so that someone looks at it.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("message body is not JSON ({0}); the catalog and routing queues receive S3 event notifications only")]
    NotJson(#[source] serde_json::Error),
    #[error(
        "message body is JSON but neither an S3 notification (`Records`), a single S3 record nor an \
         `s3:TestEvent`; check what sends to this queue"
    )]
    Unrecognized,
    #[error("record {index} of the S3 notification is malformed: {problem}")]
    BadRecord { index: usize, problem: String },
    #[error(
        "record {index} has event version `{version}`; this code reads major version 2 and must be updated \
         for another"
    )]
    UnsupportedVersion { index: usize, version: String },
    #[error("record {index}: {source}")]
    Key {
        index: usize,
        #[source]
        source: KeyError,
    },
    #[error("record {index}: {source}")]
    Sequencer {
        index: usize,
        #[source]
        source: SequencerError,
    },
    #[error("record {index}: {source}")]
    Timestamp {
        index: usize,
        #[source]
        source: TimestampError,
    },
}

/// Parses an SQS message body of the catalog or routing queue (see the module documentation).
pub fn parse_body(body: &str) -> Result<Notification, EventError> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(EventError::NotJson)?;
    let serde_json::Value::Object(object) = &value else {
        return Err(EventError::Unrecognized);
    };
    if object.get("Event").and_then(|e| e.as_str()) == Some("s3:TestEvent") {
        return Ok(Notification::Test);
    }
    let raw_records = match object.get("Records") {
        Some(serde_json::Value::Array(records)) => records.clone(),
        Some(_) => return Err(EventError::BadRecord { index: 0, problem: "`Records` is not a list".into() }),
        None if object.contains_key("eventName") && object.contains_key("s3") => vec![value.clone()],
        None => return Err(EventError::Unrecognized),
    };
    let mut records = Vec::new();
    let mut ignored = Vec::new();
    for (index, raw) in raw_records.into_iter().enumerate() {
        match parse_record(index, &raw)? {
            Some(event) => records.push(S3Record { event, raw }),
            None => ignored.push(event_name_of(&raw)),
        }
    }
    Ok(Notification::Records { records, ignored })
}

/// The routing queue's message for a raw object: an S3 notification holding only `record`.
pub fn routing_body(record: &S3Record) -> String {
    serde_json::json!({ "Records": [record.raw] }).to_string()
}

fn event_name_of(raw: &serde_json::Value) -> String {
    raw.get("eventName").and_then(|n| n.as_str()).unwrap_or("<no eventName>").to_owned()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRecord {
    #[serde(default)]
    event_version: Option<String>,
    event_name: String,
    event_time: String,
    s3: RawS3,
}

#[derive(Deserialize)]
struct RawS3 {
    bucket: RawBucket,
    object: RawObject,
}

#[derive(Deserialize)]
struct RawBucket {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawObject {
    key: String,
    #[serde(default)]
    size: Option<SizeValue>,
    #[serde(default, rename = "eTag")]
    e_tag: Option<String>,
    #[serde(default)]
    version_id: Option<String>,
    #[serde(default)]
    sequencer: Option<String>,
}

/// S3 sends the size as a number; some emulators as a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum SizeValue {
    Number(u64),
    Text(String),
}

fn parse_record(index: usize, raw: &serde_json::Value) -> Result<Option<ObjectEvent>, EventError> {
    let record = RawRecord::deserialize(raw).map_err(|e| EventError::BadRecord { index, problem: e.to_string() })?;
    if let Some(version) = &record.event_version
        && version.split('.').next() != Some("2")
    {
        return Err(EventError::UnsupportedVersion { index, version: version.clone() });
    }
    let event_name = record.event_name.strip_prefix("s3:").unwrap_or(&record.event_name).to_owned();
    let kind = if event_name.starts_with("ObjectCreated:") {
        EventKind::Created
    } else if event_name.starts_with("ObjectRemoved:") {
        EventKind::Removed
    } else {
        return Ok(None);
    };
    let object = record.s3.object;
    let size = match object.size {
        None => None,
        Some(SizeValue::Number(n)) => Some(n),
        Some(SizeValue::Text(text)) => Some(text.parse().map_err(|_| EventError::BadRecord {
            index,
            problem: format!("object size `{text}` is not a whole number of bytes"),
        })?),
    };
    let sequencer = object
        .sequencer
        .filter(|s| !s.is_empty())
        .map(|s| Sequencer::parse(&s))
        .transpose()
        .map_err(|source| EventError::Sequencer { index, source })?;
    Ok(Some(ObjectEvent {
        kind,
        event_name,
        bucket: record.s3.bucket.name,
        key: key::decode(&object.key).map_err(|source| EventError::Key { index, source })?,
        size,
        etag: object.e_tag.map(|t| t.trim_matches('"').to_owned()).filter(|t| !t.is_empty()),
        version_id: object.version_id.filter(|v| !v.is_empty()),
        sequencer,
        event_time: timestamp::normalize(&record.event_time)
            .map_err(|source| EventError::Timestamp { index, source })?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn records(body: &str) -> (Vec<S3Record>, Vec<String>) {
        match parse_body(body).unwrap() {
            Notification::Records { records, ignored } => (records, ignored),
            Notification::Test => panic!("not a test event"),
        }
    }

    #[test]
    fn object_created_put() {
        let (records, ignored) = records(&fixture("s3_put.json"));
        assert!(ignored.is_empty());
        assert_eq!(
            records[0].event,
            ObjectEvent {
                kind: EventKind::Created,
                event_name: "ObjectCreated:Put".into(),
                bucket: "acme-dl-dev-eu-west-1-111122223333-raw".into(),
                key: "engineering/legislators/persons 2024+é.json".into(),
                size: Some(1024),
                etag: Some("d41d8cd98f00b204e9800998ecf8427e".into()),
                version_id: Some("096fKKXTRTtl3on89fVO.nfljtsv6qko".into()),
                sequencer: Some(Sequencer::parse("0055AED6DCD90281E5").unwrap()),
                event_time: "2024-05-01T12:00:00.000Z".into(),
            }
        );
        assert_eq!(
            records[0].event.uri(),
            "s3://acme-dl-dev-eu-west-1-111122223333-raw/engineering/legislators/persons 2024+é.json"
        );
    }

    #[test]
    fn object_removed_events() {
        let (removals, _) = records(&fixture("s3_delete_marker.json"));
        let event = &removals[0].event;
        assert_eq!(event.kind, EventKind::Removed);
        assert_eq!((event.size, event.etag.as_deref()), (None, None));
        assert!(!event.deletes_one_version());

        let (removals, _) = records(&fixture("s3_delete_version.json"));
        assert!(removals[0].event.deletes_one_version());
    }

    #[test]
    fn the_test_event_is_recognized() {
        assert!(matches!(parse_body(&fixture("s3_test_event.json")).unwrap(), Notification::Test));
    }

    #[test]
    fn emulator_quirks_are_accepted() {
        // `s3:` prefix, `/` as %2F, size as a string, quoted ETag, no millis, no sequencer.
        let (records, _) = records(&fixture("s3_put_emulator.json"));
        let event = &records[0].event;
        assert_eq!(event.event_name, "ObjectCreated:Put");
        assert_eq!(event.key, "engineering/legislators/a b.csv");
        assert_eq!(event.size, Some(42));
        assert_eq!(event.etag.as_deref(), Some("abc"));
        assert_eq!(event.event_time, "2024-05-01T12:00:00.000Z");
        assert_eq!(event.sequencer, None);
    }

    #[test]
    fn other_event_types_are_ignored_not_errors() {
        let body = fixture("s3_put.json").replace("ObjectCreated:Put", "ObjectRestore:Completed");
        let (records, ignored) = records(&body);
        assert!(records.is_empty());
        assert_eq!(ignored, ["ObjectRestore:Completed"]);
    }

    #[test]
    fn the_routing_body_round_trips_as_a_single_record() {
        let (records, _) = records(&fixture("s3_put.json"));
        let body = routing_body(&records[0]);
        let (again, _) = self::records(&body);
        assert_eq!(again, records);
        // A bare record is accepted as well.
        let bare = records[0].raw.to_string();
        assert_eq!(self::records(&bare).0[0].event, records[0].event);
    }

    #[test]
    fn malformed_bodies_say_what_is_wrong() {
        let cases = [
            ("not json", "not JSON"),
            ("[1]", "neither an S3 notification"),
            (r#"{"hello": 1}"#, "neither an S3 notification"),
            (r#"{"Records": [{"eventName": "ObjectCreated:Put"}]}"#, "record 0 of the S3 notification is malformed"),
        ];
        for (body, expected) in cases {
            let err = parse_body(body).unwrap_err().to_string();
            assert!(err.contains(expected), "{body}: {err}");
        }
        let bad_key = fixture("s3_put.json").replace("persons+2024", "persons%2");
        assert!(parse_body(&bad_key).unwrap_err().to_string().contains("bad escape"));
        let v3 = fixture("s3_put.json").replace("\"2.1\"", "\"3.0\"");
        assert!(matches!(parse_body(&v3).unwrap_err(), EventError::UnsupportedVersion { .. }));
        let bad_size = fixture("s3_put_emulator.json").replace("\"42\"", "\"lots\"");
        assert!(parse_body(&bad_size).unwrap_err().to_string().contains("`lots`"));
    }
}
