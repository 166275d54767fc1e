//! The data-loss guard over real diffs: a renamed bucket (replacement) and a removed table.

use sdlf_cfn::{DeletionPolicy, ResourceOptions, Template};
use sdlf_cfn_types::{Registry, dynamodb, s3, sqs};
use sdlf_deploy::guard::{AtRisk, check};

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
    let e = check(&d, &[]).unwrap_err();
    assert_eq!(
        e.at_risk,
        [
            AtRisk { logical_id: "Bucket".into(), resource_type: "AWS::S3::Bucket".into(), holds: "objects" },
            AtRisk { logical_id: "Table".into(), resource_type: "AWS::DynamoDB::Table".into(), holds: "items" },
        ]
    );
    let text = e.to_string();
    assert!(text.starts_with("stack `lake-foundations`: the change would delete or replace 2 resource(s)"), "{text}");
    assert!(text.ends_with("deploy again with --allow-replace Bucket --allow-replace Table"), "{text}");

    // Each resource must be allowed by name; allowing one leaves the other refused.
    let e = check(&d, &["Bucket".into()]).unwrap_err();
    assert_eq!(e.at_risk.len(), 1);
    assert!(check(&d, &["Bucket".into(), "Table".into()]).is_ok());
}

#[test]
fn a_retained_table_and_in_place_updates_pass() {
    let old = template("raw", true, true);
    let new = template("raw", false, false);
    // The old template retains the table: removing it from the stack keeps its items.
    assert!(check(&sdlf_diff::diff(Some(&old), &new, &Registry), &[]).is_ok());
    let mut updated = template("raw", true, true);
    updated.add("Other", sqs::Queue::default());
    assert!(check(&sdlf_diff::diff(Some(&old), &updated, &Registry), &[]).is_ok());
}
