//! The data-loss guard over real diffs: a renamed bucket (replacement), a removed table, and
//! renamed or removed queues, empty, holding messages, or of unknown count.

use std::collections::BTreeMap;

use sdlf_cfn::{DeletionPolicy, ResourceOptions, Template};
use sdlf_cfn_types::{Registry, dynamodb, s3, sqs};
use sdlf_deploy::guard::{AtRisk, QueueCount, at_review, check, queues_to_count};

fn none() -> BTreeMap<String, QueueCount> {
    BTreeMap::new()
}

/// A named work queue (renaming it replaces it) and, unless `without_dlq`, a dead-letter queue.
fn queues(name: &str, without_dlq: bool) -> Template {
    let mut t = Template::new("lake-pipeline");
    t.add("Work", sqs::Queue { queue_name: Some(name.into()), ..sqs::Queue::default() });
    if !without_dlq {
        t.add("DeadLetter", sqs::Queue { queue_name: Some("dlq".into()), ..sqs::Queue::default() });
    }
    t
}

fn counts(entries: &[(&str, QueueCount)]) -> BTreeMap<String, QueueCount> {
    entries.iter().map(|(id, c)| ((*id).to_owned(), c.clone())).collect()
}

fn template(bucket_name: &str, with_table: bool, table_retained: bool) -> Template {
    let mut t = Template::new("lake-foundations");
    t.add("Bucket", s3::Bucket { bucket_name: Some(bucket_name.into()), ..s3::Bucket::default() });
    t.add("Queue", sqs::Queue::default());
    if with_table {
        let opts = if table_retained {
            ResourceOptions::new().retain_policy(DeletionPolicy::Retain)
        } else {
            ResourceOptions::new()
        };
        t.add_with(
            "Table",
            dynamodb::Table {
                attribute_definitions: Some(vec![dynamodb::table::AttributeDefinition::new(
                    "id",
                    dynamodb::table::AttributeType::S,
                )]),
                billing_mode: Some(dynamodb::table::BillingMode::PayPerRequest.into()),
                ..dynamodb::Table::new(vec![dynamodb::table::KeySchema::new("id", dynamodb::table::KeyType::Hash)])
            },
            opts,
        );
    }
    t
}

#[test]
fn replacing_a_bucket_and_deleting_a_table_are_refused_naming_each_and_the_flag() {
    let old = template("raw-v1", true, false);
    let new = template("raw-v2", false, false);
    let d = sdlf_diff::diff(Some(&old), &new, &Registry);
    let e = check(&d, &[], &none()).unwrap_err();
    assert_eq!(
        e.at_risk,
        [
            AtRisk {
                logical_id: "Bucket".into(),
                resource_type: "AWS::S3::Bucket".into(),
                holds: "objects",
                detail: None
            },
            AtRisk {
                logical_id: "Table".into(),
                resource_type: "AWS::DynamoDB::Table".into(),
                holds: "items",
                detail: None
            },
        ]
    );
    let text = e.to_string();
    assert!(text.starts_with("stack `lake-foundations`: the change would delete or replace 2 resource(s)"), "{text}");
    assert!(text.ends_with("deploy again with --allow-replace Bucket --allow-replace Table"), "{text}");

    // Each resource must be allowed by name; allowing one leaves the other refused.
    assert!(
        text.contains("\n  - Bucket (AWS::S3::Bucket): objects\n  - Table (AWS::DynamoDB::Table): items\n"),
        "{text}"
    );
    assert_eq!(queues_to_count(&d, &[]).count(), 0, "no queue is at risk");

    let e = check(&d, &["Bucket".into()], &none()).unwrap_err();
    assert_eq!(e.at_risk.len(), 1);
    assert!(check(&d, &["Bucket".into(), "Table".into()], &none()).is_ok());
}

#[test]
fn a_retained_table_and_in_place_updates_pass() {
    let old = template("raw", true, true);
    let new = template("raw", false, false);
    // The old template retains the table: removing it from the stack keeps its items.
    assert!(check(&sdlf_diff::diff(Some(&old), &new, &Registry), &[], &none()).is_ok());
    let mut updated = template("raw", true, true);
    updated.add("Other", sqs::Queue::default());
    assert!(check(&sdlf_diff::diff(Some(&old), &updated, &Registry), &[], &none()).is_ok());
}

#[test]
fn an_empty_queue_may_be_replaced_or_deleted_without_allow_replace() {
    let d = sdlf_diff::diff(Some(&queues("work-v1", false)), &queues("work-v2", true), &Registry);
    let mut to_count: Vec<&str> = queues_to_count(&d, &[]).collect();
    to_count.sort_unstable();
    assert_eq!(to_count, ["DeadLetter", "Work"], "the replaced and the deleted queue are counted");
    let empty = counts(&[("Work", QueueCount::Messages(0)), ("DeadLetter", QueueCount::Messages(0))]);
    assert!(check(&d, &[], &empty).is_ok());
}

#[test]
fn a_queue_with_messages_is_refused_with_their_count() {
    let d = sdlf_diff::diff(Some(&queues("work-v1", false)), &queues("work-v2", true), &Registry);
    let e = check(&d, &[], &counts(&[("Work", QueueCount::Messages(3)), ("DeadLetter", QueueCount::Messages(0))]))
        .unwrap_err();
    assert_eq!(
        e.at_risk,
        [AtRisk {
            logical_id: "Work".into(),
            resource_type: "AWS::SQS::Queue".into(),
            holds: "messages",
            detail: Some("3 waiting".into()),
        }]
    );
    let text = e.to_string();
    assert!(text.contains("1 resource(s) holding data"), "{text}");
    assert!(text.contains("\n  - Work (AWS::SQS::Queue): messages (3 waiting)\n"), "{text}");
    assert!(text.ends_with("deploy again with --allow-replace Work"), "{text}");
}

#[test]
fn a_queue_of_unknown_count_is_refused_with_the_reason_and_allow_replace_still_works() {
    let d = sdlf_diff::diff(Some(&queues("work-v1", false)), &queues("work-v2", false), &Registry);
    let unknown = counts(&[("Work", QueueCount::Unknown("GetQueueAttributes: access denied".into()))]);
    let e = check(&d, &[], &unknown).unwrap_err();
    assert_eq!(e.at_risk.len(), 1);
    assert_eq!(e.at_risk[0].reason(), "messages (count unknown: GetQueueAttributes: access denied)");

    // A queue the caller did not count is refused too: the guard errs safe.
    let e = check(&d, &[], &none()).unwrap_err();
    assert_eq!(e.at_risk[0].reason(), "messages (count unknown: not read)");

    // Allowed by name, a queue passes whatever it holds, and is not counted.
    let allowed = ["Work".to_owned()];
    assert_eq!(queues_to_count(&d, &allowed).count(), 0);
    assert!(check(&d, &allowed, &none()).is_ok());
    assert!(check(&d, &allowed, &counts(&[("Work", QueueCount::Messages(5))])).is_ok());
}

#[test]
fn a_queue_count_does_not_change_other_resources() {
    let old = template("raw-v1", true, false);
    let new = template("raw-v2", false, false);
    let d = sdlf_diff::diff(Some(&old), &new, &Registry);
    // An unchanged queue's count is irrelevant, and a bucket or table is refused whatever the map says.
    let e = check(&d, &[], &counts(&[("Queue", QueueCount::Messages(7)), ("Bucket", QueueCount::Messages(0))]))
        .unwrap_err();
    let ids: Vec<&str> = e.at_risk.iter().map(|r| r.logical_id.as_str()).collect();
    assert_eq!(ids, ["Bucket", "Table"]);
    assert!(e.at_risk.iter().all(|r| r.detail.is_none()));
}

#[test]
fn at_review_a_renamed_bucket_is_refused_outright_and_a_renamed_queue_unless_empty() {
    let bucket = sdlf_diff::diff(Some(&template("raw-v1", false, false)), &template("raw-v2", false, false), &Registry);
    assert_eq!(at_review(&bucket), BTreeMap::from([("Bucket".to_owned(), String::new())]));
    let queue = sdlf_diff::diff(Some(&queues("work-v1", true)), &queues("work-v2", true), &Registry);
    let condition = "unless the queue is empty when deployed".to_owned();
    assert_eq!(at_review(&queue), BTreeMap::from([("Work".to_owned(), condition)]));
    let same = sdlf_diff::diff(Some(&queues("work", true)), &queues("work", true), &Registry);
    assert!(at_review(&same).is_empty());
}
