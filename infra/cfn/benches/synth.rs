//! Synthesis (validation included) of a 500-resource template: CloudFormation's maximum.
//! Target: under 5 ms on one core of the project machine.

use criterion::{Criterion, criterion_group, criterion_main};
use indexmap::IndexMap;
use sdlf_cfn::{Expr, Pseudo, Resource, ResourceSpec, Template, synth};

const SPECS: &[ResourceSpec] = &[
    ResourceSpec {
        type_name: "AWS::SQS::Queue",
        attributes: &["Arn", "QueueName", "QueueUrl"],
        primary_identifier: &["QueueUrl"],
        replace_always: &["/FifoQueue", "/QueueName"],
        replace_conditional: &[],
        holds_data: Some("messages"),
    },
    ResourceSpec {
        type_name: "AWS::IAM::Role",
        attributes: &["Arn", "RoleId"],
        primary_identifier: &["RoleName"],
        replace_always: &["/Path", "/RoleName"],
        replace_conditional: &[],
        holds_data: None,
    },
];

/// 250 queues and 250 roles that read them: references, Fn::Sub, nested policy documents,
/// a shape close to the lake's own stacks.
fn large_template() -> Template {
    let mut t = Template::new("bench");
    for i in 0..250 {
        let queue = format!("Queue{i}");
        let mut props = IndexMap::new();
        props.insert("QueueName".to_owned(), Expr::sub(format!("sdlf-${{AWS::StackName}}-{i}")));
        props.insert("VisibilityTimeout".to_owned(), Expr::int(60));
        props.insert("KmsMasterKeyId".to_owned(), Expr::string("alias/sdlf"));
        if i > 0 {
            props.insert(
                "RedrivePolicy".to_owned(),
                Expr::map([
                    ("deadLetterTargetArn", Expr::get_att(format!("Queue{}", i - 1), "Arn")),
                    ("maxReceiveCount", Expr::int(3)),
                ]),
            );
        }
        t.add_resource(queue.clone(), Resource::new("AWS::SQS::Queue", props));

        let statement = Expr::map([
            ("Effect", Expr::string("Allow")),
            ("Action", Expr::list(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"])),
            ("Resource", Expr::get_att(queue.clone(), "Arn")),
        ]);
        let mut role = IndexMap::new();
        role.insert(
            "AssumeRolePolicyDocument".to_owned(),
            Expr::map([
                ("Version", Expr::string("2012-10-17")),
                (
                    "Statement",
                    Expr::list([Expr::map([
                        ("Effect", Expr::string("Allow")),
                        ("Principal", Expr::map([("Service", "lambda.amazonaws.com")])),
                        ("Action", Expr::string("sts:AssumeRole")),
                    ])]),
                ),
            ]),
        );
        role.insert(
            "Policies".to_owned(),
            Expr::list([Expr::map([
                ("PolicyName", Expr::string("read-queue")),
                (
                    "PolicyDocument",
                    Expr::map([("Version", Expr::string("2012-10-17")), ("Statement", Expr::list([statement]))]),
                ),
            ])]),
        );
        role.insert("Path".to_owned(), Expr::join("/", ["", "sdlf", ""]));
        role.insert(
            "Description".to_owned(),
            Expr::join(" ", [Expr::string("reads"), Expr::reference(queue), Pseudo::Region.expr()]),
        );
        t.add_resource(format!("Role{i}"), Resource::new("AWS::IAM::Role", role));
    }
    t
}

fn bench(c: &mut Criterion) {
    let t = large_template();
    assert_eq!(t.resources.len(), 500);
    let bytes = synth(&t, SPECS).expect("valid").bytes();
    eprintln!("500-resource template: {bytes} bytes");
    c.bench_function("synth_500_resources", |b| b.iter(|| synth(std::hint::black_box(&t), SPECS).unwrap()));
}

criterion_group!(benches, bench);
criterion_main!(benches);
