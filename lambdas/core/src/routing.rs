//! Routing a new raw object to its dataset's pipeline.
//!
//! The `routing` function, for each record of the routing queue
//! ([`crate::s3_event::parse_body`]; the catalog forwards raw creations only):
//!
//! 1. [`claim`] the object for a dataset, from its key alone;
//! 2. `GetItem` the dataset-config row `{team}/{dataset}` ([`DatasetConfig::from_item`]);
//! 3. [`route`]: the queue A message, or why the object stays unrouted;
//! 4. routed: `PutItem` [`routed_history`] (a failed condition is a redelivery: carry on),
//!    then `SendMessage` to [`Route::queue_url`];
//!    unrouted: `UpdateItem` [`crate::catalog::mark_ended`] with [`Unrouted::status`] and
//!    [`Unrouted`]'s text. Either way the message is done: an unrouted object is not retried,
//!    it waits in the catalog with its reason (after a config fix, copy the object again to
//!    route it).
//!
//! # What stays unrouted
//!
//! - a key not under `{team}/{dataset}/` with valid names (team 2–12, dataset 2–14
//!   lowercase letters or digits), e.g. `readme.txt`, `Team/x/a.csv`;
//! - a folder marker: a key ending in `/` (what the console's "Create folder" writes);
//! - a dataset without a config row (not deployed, or a typo in the prefix);
//! - a config row that names another dataset than its key (a corrupt row).
//!
//! An empty object (0 bytes, e.g. an extract of a day without data, or a `_SUCCESS` marker)
//! of a dataset is not sent either: there is nothing to transform. It ends `empty`, with its
//! reason, not `unrouted` — its dataset claims it, and it is not a problem to alarm on.

use crate::contract::config::DatasetConfig;
use crate::contract::layout::{DatasetRef, Layer, dataset_of};
use crate::history::{self, NewExecution};
use crate::item::ConditionalPut;
use crate::messages::{LightTransform, QueueAMessage};
use crate::s3_event::ObjectEvent;

/// Why a raw object is not sent to any pipeline. `Display` is the catalog's `reason`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unrouted {
    #[error(
        "key is not under `{{team}}/{{dataset}}/` (team: 2-12, dataset: 2-14 lowercase letters or digits), so no \
         dataset claims it"
    )]
    NotUnderDataset,
    #[error("key ends in `/`: a folder marker, not data")]
    FolderMarker,
    /// Ends `empty`, not `unrouted` (see [`Unrouted::status`]).
    #[error("object is empty (0 bytes): nothing to transform")]
    EmptyObject,
    #[error(
        "no dataset-config row for `{0}`: deploy the dataset, or move the object under a deployed dataset's prefix"
    )]
    NoConfig(DatasetRef),
    #[error("the dataset-config row of `{claimed}` names `{row}`; redeploy the dataset stack to rewrite it")]
    ConfigMismatch { claimed: DatasetRef, row: DatasetRef },
}

impl Unrouted {
    /// The status the object's catalog row ends with.
    pub fn status(&self) -> crate::contract::status::CatalogStatus {
        match self {
            Unrouted::EmptyObject => crate::contract::status::CatalogStatus::Empty,
            _ => crate::contract::status::CatalogStatus::Unrouted,
        }
    }
}

/// The dataset whose prefix holds the raw object, or why none does.
pub fn claim(event: &ObjectEvent) -> Result<DatasetRef, Unrouted> {
    if event.key.ends_with('/') {
        return Err(Unrouted::FolderMarker);
    }
    let dataset = dataset_of(Layer::Raw, &event.key).ok_or(Unrouted::NotUnderDataset)?;
    if event.size == Some(0) {
        return Err(Unrouted::EmptyObject);
    }
    Ok(dataset)
}

/// Where and what to send for a routed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The pipeline's stage A queue.
    pub queue_url: String,
    pub message: QueueAMessage,
}

/// The queue A message for the object claimed by `dataset`, given its config row (`None`
/// when `GetItem` found none).
pub fn route(event: &ObjectEvent, dataset: &DatasetRef, config: Option<&DatasetConfig>) -> Result<Route, Unrouted> {
    let config = config.ok_or_else(|| Unrouted::NoConfig(dataset.clone()))?;
    if config.dataset_ref() != *dataset {
        return Err(Unrouted::ConfigMismatch { claimed: dataset.clone(), row: config.dataset_ref() });
    }
    Ok(Route {
        queue_url: config.stage_a_queue_url.clone(),
        message: QueueAMessage {
            bucket: event.bucket.clone(),
            key: event.key.clone(),
            size: event.size.unwrap_or(0),
            team: config.team.clone(),
            dataset: config.dataset.clone(),
            pipeline: config.pipeline.clone(),
            stage_b_queue_url: config.stage_b_queue_url.clone(),
            transform: LightTransform::of(config),
        },
    })
}

/// The execution-history row of a routed object, stage `routing`, status `routed`. Its id
/// derives from the object and its sequencer, so a redelivery finds the row already there.
pub fn routed_history(event: &ObjectEvent, config: &DatasetConfig, now_epoch_millis: i64) -> ConditionalPut {
    let uri = event.uri();
    // The sequencer identifies the event; only an emulator's unsequenced event needs its time.
    let event_identity = event.sequencer.as_ref().map_or_else(|| event.event_time.clone(), |s| s.sort_key());
    let id = history::deterministic_id(&[&uri, &event_identity]);
    history::record_start(
        &NewExecution {
            id: &id,
            team: &config.team,
            pipeline: &config.pipeline,
            dataset: &config.dataset,
            stage: "routing",
            status: history::status::ROUTED,
            object: Some(&uri),
        },
        now_epoch_millis,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::config::tests::config;
    use crate::contract::status::CatalogStatus;
    use crate::item::AttrValueExt;
    use crate::s3_event::EventKind;
    use crate::sequencer::Sequencer;

    fn event(key: &str, size: Option<u64>) -> ObjectEvent {
        ObjectEvent {
            kind: EventKind::Created,
            event_name: "ObjectCreated:Put".into(),
            bucket: "acme-dl-dev-eu-west-1-111122223333-raw".into(),
            key: key.into(),
            size,
            etag: Some("abc".into()),
            version_id: None,
            sequencer: Some(Sequencer::parse("0055AED6DCD90281E5").unwrap()),
            event_time: "2024-05-01T12:00:00.000Z".into(),
        }
    }

    fn legislators() -> DatasetRef {
        DatasetRef { team: "engineering".into(), dataset: "legislators".into() }
    }

    #[test]
    fn a_dataset_object_goes_to_its_pipeline() {
        let e = event("engineering/legislators/persons.csv", Some(1024));
        let dataset = claim(&e).unwrap();
        assert_eq!(dataset, legislators());
        let route = route(&e, &dataset, Some(&config())).unwrap();
        assert_eq!(route.queue_url, config().stage_a_queue_url);
        let expected: QueueAMessage = serde_json::from_str(
            &std::fs::read_to_string(format!("{}/tests/fixtures/queue_a_message.json", env!("CARGO_MANIFEST_DIR")))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(route.message, expected);
    }

    #[test]
    fn unrouted_cases() {
        let cases = [
            (event("readme.txt", Some(5)), Unrouted::NotUnderDataset),
            (event("engineering/legislators", Some(5)), Unrouted::NotUnderDataset),
            (event("Engineering/legislators/a.csv", Some(5)), Unrouted::NotUnderDataset),
            (event("engineering/legislators/2024/", Some(0)), Unrouted::FolderMarker),
            (event("engineering/", Some(0)), Unrouted::FolderMarker),
            (event("engineering/legislators/_SUCCESS", Some(0)), Unrouted::EmptyObject),
        ];
        for (e, expected) in cases {
            let status = if expected == Unrouted::EmptyObject { CatalogStatus::Empty } else { CatalogStatus::Unrouted };
            assert_eq!(expected.status(), status, "an empty object of a dataset is claimed: it ends `empty`");
            assert_eq!(claim(&e), Err(expected), "{}", e.key);
        }
        // Unknown size (an emulator) is not taken for empty.
        assert!(claim(&event("engineering/legislators/a.csv", None)).is_ok());

        let e = event("engineering/legislators/a.csv", Some(5));
        let err = route(&e, &legislators(), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no dataset-config row for `engineering/legislators`: deploy the dataset, or move the object under a deployed dataset's prefix"
        );
        let other = DatasetConfig { dataset: "persons".into(), ..config() };
        assert!(matches!(route(&e, &legislators(), Some(&other)), Err(Unrouted::ConfigMismatch { .. })));
    }

    #[test]
    fn the_history_row_is_the_same_for_a_redelivery() {
        let e = event("engineering/legislators/persons.csv", Some(1024));
        let first = routed_history(&e, &config(), 1_714_564_800_000);
        let again = routed_history(&e, &config(), 1_714_564_900_000);
        assert_eq!(first.item["id"], again.item["id"]);
        assert_eq!(first.item["stage"].as_s(), Some("routing"));
        assert_eq!(first.item["pipeline"].as_s(), Some("engineering/main"));
        let newer = ObjectEvent { sequencer: Some(Sequencer::parse("0055AED6DCD90281F0").unwrap()), ..e };
        assert_ne!(routed_history(&newer, &config(), 0).item["id"], first.item["id"]);
    }
}
