//! Diff + text render of large templates with about 10% of the resources changed, some of
//! them replaced (so replacement propagation runs). Targets: 500 resources < 5 ms, 6,000 < 60 ms.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use sdlf_cfn::{Expr, Resource, Template};
use sdlf_cfn_types::Registry;
use sdlf_diff::{Style, diff, render_json, render_text};

fn props(entries: Vec<(&str, Expr)>) -> indexmap::IndexMap<String, Expr> {
    entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// Groups of five resources: bucket, queue, queue policy, role, function. `changed` alters
/// one resource in ten: tags (update) mostly, a queue name (replace) in every fifth change.
fn lake(groups: usize, changed: bool) -> Template {
    let mut t = Template::new("bench");
    for g in 0..groups {
        let change = changed && g % 2 == 0;
        let tag = if change { "v2" } else { "v1" };
        let tags = Expr::list([Expr::map([("Key", "version"), ("Value", tag)])]);
        let bucket = format!("Bucket{g}");
        let queue = format!("Queue{g}");
        let role = format!("Role{g}");
        let encryption = Expr::map([(
            "ServerSideEncryptionConfiguration",
            Expr::list([Expr::map([("ServerSideEncryptionByDefault", Expr::map([("SSEAlgorithm", "aws:kms")]))])]),
        )]);
        t.add_resource(
            &bucket,
            Resource::new("AWS::S3::Bucket", props(vec![("BucketEncryption", encryption), ("Tags", tags)])),
        );
        let queue_name = if change && g % 10 == 0 { format!("queue-{g}-v2") } else { format!("queue-{g}") };
        t.add_resource(&queue, Resource::new("AWS::SQS::Queue", props(vec![("QueueName", Expr::string(queue_name))])));
        let statement = |action: &str, resource: Expr| {
            Expr::map([("Effect", Expr::string("Allow")), ("Action", Expr::string(action)), ("Resource", resource)])
        };
        let document = |statements: Vec<Expr>| {
            Expr::map([("Version", Expr::string("2012-10-17")), ("Statement", Expr::List(statements))])
        };
        t.add_resource(
            format!("QueuePolicy{g}"),
            Resource::new(
                "AWS::SQS::QueuePolicy",
                props(vec![
                    ("Queues", Expr::list([Expr::reference(&queue)])),
                    ("PolicyDocument", document(vec![statement("sqs:SendMessage", Expr::get_att(&queue, "Arn"))])),
                ]),
            ),
        );
        let trust = document(vec![Expr::map([
            ("Effect", Expr::string("Allow")),
            ("Principal", Expr::map([("Service", "lambda.amazonaws.com")])),
            ("Action", Expr::string("sts:AssumeRole")),
        ])]);
        let policy = Expr::map([
            ("PolicyName", Expr::string("read")),
            (
                "PolicyDocument",
                document(vec![
                    statement("s3:GetObject", Expr::sub(format!("${{{bucket}.Arn}}/*"))),
                    statement("sqs:ReceiveMessage", Expr::get_att(&queue, "Arn")),
                ]),
            ),
        ]);
        t.add_resource(
            &role,
            Resource::new(
                "AWS::IAM::Role",
                props(vec![("AssumeRolePolicyDocument", trust), ("Policies", Expr::list([policy]))]),
            ),
        );
        let code = Expr::map([("S3Bucket", Expr::string("artifacts")), ("S3Key", Expr::string(format!("f{g}.zip")))]);
        t.add_resource(
            format!("Function{g}"),
            Resource::new(
                "AWS::Lambda::Function",
                props(vec![
                    ("Code", code),
                    ("Role", Expr::get_att(&role, "Arn")),
                    ("Runtime", Expr::string("provided.al2023")),
                    ("Environment", Expr::map([("Variables", Expr::map([("QUEUE", Expr::reference(&queue))]))])),
                ]),
            ),
        );
    }
    t
}

fn bench(c: &mut Criterion) {
    for resources in [500, 6_000] {
        let old = lake(resources / 5, false);
        let new = lake(resources / 5, true);
        let d = diff(Some(&old), &new, &Registry);
        eprintln!("{resources} resources: {}", d.plan());
        c.bench_function(&format!("diff+render_text {resources} resources"), |b| {
            b.iter(|| {
                let d = diff(Some(black_box(&old)), black_box(&new), &Registry);
                render_text(std::slice::from_ref(&d), &Style::PLAIN)
            })
        });
        c.bench_function(&format!("diff+render_json {resources} resources"), |b| {
            b.iter(|| render_json(&[diff(Some(black_box(&old)), black_box(&new), &Registry)]))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
