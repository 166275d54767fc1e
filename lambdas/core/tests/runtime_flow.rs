//! The public API as the runtime strings it together: an S3 notification of the catalog queue
//! to a catalog row, the routing queue's message, and the stage A queue message.

use sdlf_lambda_core::catalog::{self, WriteOutcome};
use sdlf_lambda_core::contract::config::DatasetConfig;
use sdlf_lambda_core::contract::layout::LakeLayout;
use sdlf_lambda_core::item::{AttrValue, AttrValueExt};
use sdlf_lambda_core::messages::QueueAMessage;
use sdlf_lambda_core::routing;
use sdlf_lambda_core::s3_event::{self, Notification, S3Record};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn single_record(body: &str) -> S3Record {
    match s3_event::parse_body(body).unwrap() {
        Notification::Records { mut records, ignored } if records.len() == 1 && ignored.is_empty() => records.remove(0),
        other => panic!("expected one record, got {other:?}"),
    }
}

#[test]
fn a_raw_object_from_s3_event_to_queue_a() {
    let bucket = |layer: &str| format!("acme-dl-dev-eu-west-1-111122223333-{layer}");
    let layout =
        LakeLayout { raw_bucket: bucket("raw"), stage_bucket: bucket("stage"), analytics_bucket: bucket("analytics") };

    // catalog: record the object, then forward it.
    let record = single_record(&fixture("s3_put.json"));
    let put = catalog::record_event(&record.event, &layout).unwrap();
    assert_eq!(put.item["status"], AttrValue::s("created"));
    assert_eq!(put.item["dataset"], AttrValue::s("engineering/legislators"));
    assert!(catalog::forward_to_routing(&record.event, &layout, WriteOutcome::Written));
    let routing_message = s3_event::routing_body(&record);

    // routing: the same event back, claimed by its dataset, routed with its config row.
    let forwarded = single_record(&routing_message);
    assert_eq!(forwarded.event, record.event);
    let dataset = routing::claim(&forwarded.event).unwrap();
    let config: DatasetConfig = serde_json::from_str(&fixture("dataset_config.json")).unwrap();
    let route = routing::route(&forwarded.event, &dataset, Some(&config)).unwrap();
    assert_eq!(route.queue_url, config.stage_a_queue_url);
    assert_eq!(route.message.key, "engineering/legislators/persons 2024+é.json");
    let expected: QueueAMessage = serde_json::from_str(&fixture("queue_a_message.json")).unwrap();
    assert_eq!(route.message, QueueAMessage { key: route.message.key.clone(), ..expected });

    // Without a config row the object is marked unrouted, with the reason.
    let unrouted = routing::route(&forwarded.event, &dataset, None).unwrap_err();
    let update = catalog::mark_unrouted(&forwarded.event, &unrouted.to_string());
    assert_eq!(update.values[":reason"].as_s().unwrap(), unrouted.to_string());
}

#[test]
fn the_test_event_needs_no_work() {
    assert!(matches!(s3_event::parse_body(&fixture("s3_test_event.json")).unwrap(), Notification::Test));
}
