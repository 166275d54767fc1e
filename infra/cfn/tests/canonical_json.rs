//! The JSON form of every section and every intrinsic, pinned: canonical key order,
//! the shape of each function, and byte-for-byte determinism.

mod common;

use common::{Queue, SPECS};
use indexmap::IndexMap;
use sdlf_cfn::{
    Assertion, DeletionPolicy, Expr, Output, Parameter, ParameterType, Pseudo, ResourceOptions, Rule, Template,
    dynamic, synth,
};

fn every_section() -> Template {
    let mut t = Template::new("kitchen-sink").with_description("Every section and intrinsic of the model");
    t.metadata.insert("Owner".into(), Expr::string("data-platform"));
    let env = t.add_parameter(
        "Env",
        Parameter::string()
            .description("Deployment environment")
            .default("dev")
            .allowed_values(["dev", "test", "prod"])
            .constraint_description("one of dev, test, prod"),
    );
    let retention = t.add_parameter("RetentionDays", Parameter::number().default(14).value_range(Some(1), Some(3653)));
    t.add_parameter(
        "KeyArn",
        Parameter::ssm_string().default("/sdlf/storage/KmsKeyArn").description("Resolved from SSM at deploy time"),
    );
    t.add_parameter("Prefixes", Parameter::new(ParameterType::CommaDelimitedList).default("raw,stage"));
    t.add_parameter("Token", Parameter::string().no_echo().allowed_pattern("[a-z0-9]+").length(Some(8), Some(64)));
    t.add_rule(
        "ProdNeedsRetention",
        Rule {
            rule_condition: Some(Expr::equals(env.reference(), "prod")),
            assertions: vec![Assertion {
                assert: Expr::Function {
                    name: "Fn::Contains".into(),
                    args: Box::new(Expr::list([Expr::list(["30", "90"]), retention.reference()])),
                },
                description: Some("prod keeps logs 30 or 90 days".into()),
            }],
        },
    );
    let mut region_map = IndexMap::new();
    region_map.insert("us-east-1".to_owned(), IndexMap::from([("Suffix".to_owned(), Expr::string("use1"))]));
    t.add_mapping("Regions", region_map);
    let is_prod = t.add_condition("IsProd", Expr::equals(env.reference(), "prod"));
    let not_prod = t.add_condition("NotProd", Expr::not(is_prod.expr()));
    t.add_condition("ProdOrTest", Expr::or([is_prod.expr(), Expr::equals(env.reference(), "test")]));
    t.add_condition("ProdInUsEast1", Expr::and([is_prod.expr(), Expr::equals(Pseudo::Region, "us-east-1")]));
    t.transform = Some(Expr::string("AWS::LanguageExtensions"));

    let dlq = t.add_with(
        "DeadLetters",
        Queue { queue_name: Some(Expr::sub("${AWS::StackName}-dlq").into()), ..Queue::default() },
        ResourceOptions::new().retain_policy(DeletionPolicy::Retain),
    );
    let queue = t.add_with(
        "Queue",
        Queue {
            queue_name: Some(
                Expr::join(
                    "-",
                    [
                        env.reference(),
                        Expr::find_in_map("Regions", Pseudo::Region, "Suffix"),
                        Expr::select(0, Expr::split(",", Expr::reference("Prefixes"))),
                    ],
                )
                .into(),
            ),
            visibility_timeout: Some(is_prod.if_(300, Expr::no_value()).into()),
            redrive_policy: Some(Expr::map([("deadLetterTargetArn", dlq.arn()), ("maxReceiveCount", Expr::int(3))])),
        },
        ResourceOptions::new().depends_on(&dlq).condition(&not_prod).metadata(Expr::map([("Purpose", "demo")])),
    );
    t.add_output(
        "QueueUrl",
        Output::new(queue.reference())
            .description("The queue")
            .export(Expr::sub_with("${Stack}-QueueUrl", [("Stack", Pseudo::StackName)])),
    );
    t.add_output(
        "Everything",
        Output::new(Expr::list([
            Expr::import_value("shared-VpcId"),
            Expr::base64("#!/bin/sh"),
            Expr::select(0, Expr::get_azs()),
            Expr::cidr("10.0.0.0/16", 4, 8),
            dynamic::ssm("/sdlf/storage/RawBucket", None),
            dynamic::secrets_manager("sdlf/token", Some("value"), None, None),
            Pseudo::AccountId.expr(),
            Pseudo::Partition.expr(),
            Pseudo::UrlSuffix.expr(),
            Pseudo::StackId.expr(),
            Pseudo::NotificationArns.expr(),
            Expr::float(0.5),
            Expr::Bool(true),
            Expr::Null,
        ])),
    );
    t.outputs.get_mut("QueueUrl").unwrap().condition = Some("NotProd".into());
    t
}

#[test]
fn every_section_and_intrinsic_in_canonical_order() {
    let s = synth(&every_section(), SPECS).unwrap();
    insta::assert_snapshot!(s.body);
}

#[test]
fn the_same_template_gives_the_same_bytes() {
    let a = synth(&every_section(), SPECS).unwrap();
    let b = synth(&every_section(), SPECS).unwrap();
    assert_eq!(a.body, b.body);
}

#[test]
fn attribute_order_is_canonical_whatever_the_build_order() {
    // The model has fixed slots, so the order in which options are set cannot leak into bytes.
    let mut t = Template::new("order");
    t.add_condition("C", Expr::equals("a", "a"));
    let mut opts = ResourceOptions::new().retain_policy(DeletionPolicy::Snapshot);
    opts.condition = Some("C".into());
    t.add_with("Q", Queue::default(), opts);
    let body = synth(&t, SPECS).unwrap().body;
    let keys: Vec<&str> = ["\"Type\"", "\"Condition\"", "\"DeletionPolicy\"", "\"UpdateReplacePolicy\""]
        .into_iter()
        .filter(|k| body.contains(k))
        .collect();
    let positions: Vec<usize> = keys.iter().map(|k| body.rfind(k).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{body}");
}
