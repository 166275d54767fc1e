//! The running lake's reads ([`sdlf_aws::Lake`]) against MiniStack: a listing longer than one
//! page comes back whole, in one call per page, and a catalog scan turns each item into a row
//! of its string and number attributes (numbers as DynamoDB's text, all digits kept), the rest
//! left out.

use sdlf_aws::{Connection, Object, Row, Target};
use sdlf_testkit::Emulator;
use serde_json::json;

async fn connect(emulator: &Emulator) -> Connection {
    sdlf_aws::connect(&Target::emulator(&emulator.url)).await
}

#[tokio::test]
async fn listings_and_scans_read_every_page() {
    let emulator = Emulator::start();
    let conn = connect(&emulator).await;

    // One more than ListObjectsV2's page of 1000, under the prefix; one object outside it.
    let bucket = "sdlf-aws-lake-test";
    emulator.call("s3", "create_bucket", json!({"Bucket": bucket}));
    for i in 0..1001 {
        conn.lake.put_object(bucket, &format!("in/{i:04}.csv"), vec![b'x'; i % 3]).await.unwrap();
    }
    conn.lake.put_object(bucket, "out/other.csv", b"y".to_vec()).await.unwrap();
    let before = conn.calls.get();
    let objects = conn.lake.list_objects(bucket, "in/").await.unwrap();
    assert_eq!(conn.calls.get() - before, 2, "two pages, one call each");
    let expected: Vec<Object> =
        (0..1001).map(|i| Object { key: format!("in/{i:04}.csv"), size: (i % 3) as u64 }).collect();
    assert_eq!(objects, expected);

    let table = "sdlf-aws-lake-test-catalog";
    emulator.call(
        "dynamodb",
        "create_table",
        json!({
            "TableName": table,
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        }),
    );
    emulator.call(
        "dynamodb",
        "put_item",
        json!({
            "TableName": table,
            "Item": {
                "id": {"S": "s3://raw/a.csv"},
                "size": {"N": "1.5"},
                "sequencer_n": {"N": "12345678901234567890123"},
                "status": {"S": "processed"},
                "done": {"BOOL": true},
                "output_keys": {"L": [{"S": "x"}]},
                "meta": {"M": {"k": {"S": "v"}}},
                "gone": {"NULL": true},
            },
        }),
    );
    let rows = conn.lake.scan(table).await.unwrap();
    let expected: Row = [
        ("id", "s3://raw/a.csv"),
        ("sequencer_n", "12345678901234567890123"),
        ("size", "1.5"),
        ("status", "processed"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(rows, vec![expected]);
}
