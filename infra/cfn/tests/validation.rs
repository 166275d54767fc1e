//! Every reason synthesis refuses a template, each with its message.

mod common;

use common::{Queue, QueueAttr, SPECS};
use indexmap::IndexMap;
use sdlf_cfn::{Expr, Limits, Output, Parameter, Pseudo, Resource, ResourceOptions, Template, synth, validate};

fn topic() -> Resource {
    Resource::new("AWS::SNS::Topic", IndexMap::new())
}

/// The messages of all errors, one string each.
fn errors(t: &Template) -> Vec<String> {
    match validate(t, SPECS) {
        Ok(()) => Vec::new(),
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    }
}

fn one_error(t: &Template) -> String {
    let mut e = errors(t);
    assert_eq!(e.len(), 1, "expected exactly one error, got {e:#?}");
    e.remove(0)
}

#[test]
fn a_valid_template_synthesizes_and_reports_its_size() {
    let mut t = Template::new("ok");
    let dlq = t.add("Dlq", Queue::default());
    t.add(
        "Queue",
        Queue {
            redrive_policy: Some(Expr::map([("deadLetterTargetArn", dlq.arn()), ("maxReceiveCount", 3.into())])),
            ..Queue::default()
        },
    );
    let s = synth(&t, SPECS).unwrap();
    assert_eq!(s.resource_count, 2);
    assert_eq!(s.bytes(), s.body.len());
    assert!(!s.needs_upload());
}

#[test]
fn invalid_logical_id() {
    let mut t = Template::new("stack");
    t.add_resource("raw-bucket", topic());
    assert_eq!(
        one_error(&t),
        "template `stack`, Resources.raw-bucket: name `raw-bucket` in Resources must be 1 to 255 letters or digits \
         ([A-Za-z0-9]); rename it"
    );
    let mut t = Template::new("stack");
    t.add_resource("A".repeat(256), topic());
    assert!(one_error(&t).contains("must be 1 to 255 letters or digits"));
    let mut t = Template::new("stack");
    t.add_output("Bad_Output", Output::new("x"));
    assert!(one_error(&t).starts_with("template `stack`, Outputs.Bad_Output: name `Bad_Output` in Outputs"));
}

#[test]
fn duplicate_logical_id() {
    let mut t = Template::new("stack");
    t.add("Queue", Queue::default());
    t.add("Queue", Queue::default());
    assert_eq!(
        one_error(&t),
        "template `stack`, Resources.Queue: `Queue` is defined twice in Resources; give each a distinct name"
    );
}

#[test]
fn parameter_and_resource_sharing_a_name() {
    let mut t = Template::new("stack");
    t.add_parameter("Env", Parameter::string());
    t.add_resource("Env", topic());
    assert_eq!(
        one_error(&t),
        "template `stack`, Resources.Env: `Env` is defined twice in Resources; give each a distinct name"
    );
}

#[test]
fn dangling_ref() {
    let mut t = Template::new("stack");
    t.add("Queue", Queue { queue_name: Some(Expr::reference("Missing").into()), ..Queue::default() });
    assert_eq!(
        one_error(&t),
        "template `stack`, Resources.Queue.Properties.QueueName: Ref to `Missing`, which is not a parameter, \
         resource or pseudo parameter of this template; add it or fix the name"
    );
}

#[test]
fn refs_to_parameters_pseudo_parameters_and_resources_are_fine() {
    let mut t = Template::new("stack");
    let env = t.add_parameter("Env", Parameter::string());
    let other = t.add("Other", Queue::default());
    t.add(
        "Queue",
        Queue {
            queue_name: Some(Expr::join("-", [env.reference(), Pseudo::Region.expr(), other.name()]).into()),
            redrive_policy: Some(Expr::sub("${Other.Arn}:${Env}:${AWS::AccountId}:${!NotAVariable}")),
            ..Queue::default()
        },
    );
    assert_eq!(errors(&t), Vec::<String>::new());
}

#[test]
fn dangling_ref_inside_sub() {
    let mut t = Template::new("stack");
    t.add("Queue", Queue { queue_name: Some(Expr::sub("q-${Nope}").into()), ..Queue::default() });
    assert_eq!(
        one_error(&t),
        "template `stack`, Resources.Queue.Properties.QueueName.Fn::Sub: Ref to `Nope`, which is not a parameter, \
         resource or pseudo parameter of this template; add it or fix the name"
    );
    // A variable of the map form is not a reference.
    let mut t = Template::new("stack");
    t.add(
        "Queue",
        Queue { queue_name: Some(Expr::sub_with("q-${Suffix}", [("Suffix", "x")]).into()), ..Queue::default() },
    );
    assert_eq!(errors(&t), Vec::<String>::new());
}

#[test]
fn dangling_get_att() {
    let mut t = Template::new("stack");
    t.add("Queue", Queue { redrive_policy: Some(Expr::get_att("Dlq", "Arn")), ..Queue::default() });
    assert_eq!(
        one_error(&t),
        "template `stack`, Resources.Queue.Properties.RedrivePolicy: Fn::GetAtt on `Dlq`, which is not a resource \
         of this template; add it or fix the name"
    );
}

#[test]
fn get_att_of_an_attribute_the_type_lacks() {
    let mut t = Template::new("stack");
    t.add("Dlq", Queue::default());
    t.add("Queue", Queue { redrive_policy: Some(Expr::sub("${Dlq.Name}")), ..Queue::default() });
    assert_eq!(
        one_error(&t),
        "template `stack`, Resources.Queue.Properties.RedrivePolicy.Fn::Sub: Fn::GetAtt `Dlq.Name`: AWS::SQS::Queue \
         has no attribute `Name` (it has: Arn, QueueName, QueueUrl)"
    );
}

#[test]
fn typed_handles_only_name_real_attributes() {
    // `QueueAttr` has no `Name` variant, so `dlq.get_att(QueueAttr::Name)` does not compile;
    // the variants it has produce GetAtt expressions validation accepts.
    let mut t = Template::new("stack");
    let dlq = t.add("Dlq", Queue::default());
    assert_eq!(dlq.get_att(QueueAttr::QueueUrl), Expr::get_att("Dlq", "QueueUrl"));
    assert_eq!(dlq.arn(), Expr::get_att("Dlq", "Arn"));
    assert_eq!(dlq.name(), Expr::get_att("Dlq", "QueueName"));
    assert_eq!(dlq.reference(), Expr::reference("Dlq"));
}

#[test]
fn get_att_on_a_type_without_spec() {
    let mut t = Template::new("stack");
    t.add_resource("Thing", Resource::new("AWS::Foo::Bar", IndexMap::new()));
    t.add_output("ThingArn", Output::new(Expr::get_att("Thing", "Arn")));
    assert_eq!(
        one_error(&t),
        "template `stack`, Outputs.ThingArn.Value: Fn::GetAtt on `Thing` cannot be checked: AWS::Foo::Bar is not in \
         the generated resource spec; add it to the generator's type list (infra/cfn-codegen)"
    );
    // Custom resources define their own attributes.
    let mut t = Template::new("stack");
    t.add_resource("Custom", Resource::new("Custom::DatasetConfig", IndexMap::new()));
    t.add_output("Anything", Output::new(Expr::get_att("Custom", "Whatever")));
    assert_eq!(errors(&t), Vec::<String>::new());
}

#[test]
fn dangling_depends_on_and_self_dependency() {
    let mut t = Template::new("stack");
    let mut r = topic();
    r.depends_on = vec!["Ghost".into(), "Topic".into()];
    t.add_resource("Topic", r);
    assert_eq!(
        errors(&t),
        [
            "template `stack`, Resources.Topic.DependsOn[0]: DependsOn `Ghost`, which is not a resource of this \
             template; add it or fix the name",
            "template `stack`, Resources.Topic.DependsOn[1]: a resource cannot depend on itself; remove it from \
             DependsOn",
        ]
    );
}

#[test]
fn dangling_conditions() {
    let mut t = Template::new("stack");
    let mut r = topic();
    r.condition = Some("IsProd".into());
    t.add_resource("Topic", r);
    t.add_output("Maybe", Output::new(Expr::if_("IsDev", "a", Expr::no_value())));
    t.add_condition("Both", Expr::and([Expr::condition("IsProd"), Expr::equals("a", "b")]));
    assert_eq!(
        errors(&t),
        [
            "template `stack`, Conditions.Both.Fn::And[0]: condition `IsProd` is not defined in Conditions; add it \
             or fix the name",
            "template `stack`, Resources.Topic.Condition: condition `IsProd` is not defined in Conditions; add it \
             or fix the name",
            "template `stack`, Outputs.Maybe.Value.Fn::If: condition `IsDev` is not defined in Conditions; add it \
             or fix the name",
        ]
    );
}

#[test]
fn conditions_may_not_refer_to_resources() {
    let mut t = Template::new("stack");
    t.add("Queue", Queue::default());
    t.add_condition("HasQueue", Expr::not(Expr::equals(Expr::reference("Queue"), "")));
    assert_eq!(
        one_error(&t),
        "template `stack`, Conditions.HasQueue.Fn::Not[0].Fn::Equals[0]: condition refers to resource `Queue`; \
         conditions can only use parameters and pseudo parameters"
    );
}

#[test]
fn dangling_mapping() {
    let mut t = Template::new("stack");
    t.add_output("Ami", Output::new(Expr::find_in_map("RegionMap", Pseudo::Region, "Ami")));
    assert_eq!(
        one_error(&t),
        "template `stack`, Outputs.Ami.Value.Fn::FindInMap: Fn::FindInMap on `RegionMap`, which is not defined in \
         Mappings; add it or fix the name"
    );
}

#[test]
fn circular_dependency() {
    let mut t = Template::new("stack");
    t.add("A", Queue { redrive_policy: Some(Expr::get_att("B", "Arn")), ..Queue::default() });
    t.add_with("B", Queue { queue_name: Some(Expr::sub("${C}").into()), ..Queue::default() }, ResourceOptions::new());
    let mut c = Resource::new("AWS::SQS::Queue", IndexMap::new());
    c.depends_on = vec!["A".into()];
    t.add_resource("C", c);
    assert_eq!(
        one_error(&t),
        "template `stack`, Resources.A: circular dependency A → B → C → A; break it by removing one reference or \
         DependsOn"
    );
}

#[test]
fn too_many_resources_parameters_outputs_and_mappings() {
    let mut t = Template::new("big");
    for i in 0..=Limits::RESOURCES {
        t.add_resource(format!("Topic{i}"), topic());
    }
    for i in 0..=Limits::PARAMETERS {
        t.add_parameter(format!("P{i}"), Parameter::string());
    }
    for i in 0..=Limits::OUTPUTS {
        t.add_output(format!("O{i}"), Output::new("x"));
    }
    for i in 0..=Limits::MAPPINGS {
        t.add_mapping(format!("M{i}"), IndexMap::new());
    }
    assert_eq!(
        errors(&t),
        [
            "template `big`, Parameters: 201 parameters exceed CloudFormation's limit of 200 per template; split the \
             stack",
            "template `big`, Mappings: 201 mappings exceed CloudFormation's limit of 200 per template; split the stack",
            "template `big`, Resources: 501 resources exceed CloudFormation's limit of 500 per template; split the \
             stack",
            "template `big`, Outputs: 201 outputs exceed CloudFormation's limit of 200 per template; split the stack",
        ]
    );
}

#[test]
fn body_over_one_megabyte_is_refused_and_over_51200_bytes_needs_upload() {
    let mut t = Template::new("large");
    t.add_resource("Topic", topic());
    t.metadata.insert("Padding".into(), Expr::string("x".repeat(60_000)));
    let s = synth(&t, SPECS).unwrap();
    assert!(s.bytes() > Limits::INLINE_BODY_BYTES);
    assert!(s.needs_upload());

    t.metadata.insert("Padding".into(), Expr::string("x".repeat(Limits::BODY_BYTES)));
    let e = synth(&t, SPECS).unwrap_err().to_string();
    assert!(
        e.starts_with("template `large`: the template body is 1000")
            && e.ends_with("bytes, over CloudFormation's limit of 1000000; split the stack"),
        "{e}"
    );
}

#[test]
fn all_errors_are_reported_at_once() {
    let mut t = Template::new("stack");
    t.add_resource("bad-id", topic());
    t.add_output("X", Output::new(Expr::reference("Nothing")));
    let e = validate(&t, SPECS).unwrap_err();
    assert_eq!(e.0.len(), 2);
    assert_eq!(e.to_string().lines().count(), 2);
}
