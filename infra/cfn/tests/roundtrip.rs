//! `parse(synth(t)) == t` for arbitrary templates, and synthesis is deterministic.

use indexmap::IndexMap;
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use sdlf_cfn::{
    Assertion, DeletionPolicy, Expr, Output, Parameter, ParameterType, Resource, Rule, Template, parse,
    template_to_json,
};

/// Names that are valid logical IDs.
fn name() -> impl Strategy<Value = String> {
    "[A-Z][A-Za-z0-9]{0,12}"
}

/// Keys of literal maps. They start lowercase so a one-key map never reads as an intrinsic
/// (`Ref`, `Condition`, `Fn::...`), which is the only ambiguity the JSON form has.
fn key() -> impl Strategy<Value = String> {
    "[a-z][A-Za-z0-9:]{0,10}"
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![".{0,20}", "\\PC{0,10}", Just("${AWS::Region}-${Res.Arn}".to_owned())]
}

fn number() -> impl Strategy<Value = Expr> {
    prop_oneof![
        any::<i64>().prop_map(Expr::int),
        any::<u64>().prop_map(|n| Expr::Number(n.into())),
        (-1e12f64..1e12).prop_map(Expr::float),
    ]
}

fn literal() -> impl Strategy<Value = Expr> {
    prop_oneof![Just(Expr::Null), any::<bool>().prop_map(Expr::Bool), number(), text().prop_map(Expr::String)]
}

fn boxed(e: impl Strategy<Value = Expr>) -> impl Strategy<Value = Box<Expr>> {
    e.prop_map(Box::new)
}

fn expr() -> impl Strategy<Value = Expr> {
    literal().prop_recursive(4, 48, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Expr::List),
            btree_map(key(), inner.clone(), 0..4).prop_map(|m| Expr::Map(m.into_iter().collect())),
            name().prop_map(Expr::Ref),
            (name(), "[A-Z][A-Za-z.]{0,10}").prop_map(|(r, a)| Expr::get_att(r, a)),
            (text(), option::of(btree_map(key(), inner.clone(), 0..3)))
                .prop_map(|(t, v)| Expr::Sub { template: t, vars: v.map(|m| m.into_iter().collect()) }),
            (text(), boxed(inner.clone())).prop_map(|(d, v)| Expr::Join { delimiter: d, values: v }),
            (boxed(inner.clone()), boxed(inner.clone())).prop_map(|(i, l)| Expr::Select { index: i, list: l }),
            (text(), boxed(inner.clone())).prop_map(|(d, s)| Expr::Split { delimiter: d, source: s }),
            (name(), boxed(inner.clone()), boxed(inner.clone())).prop_map(|(c, a, b)| Expr::If {
                condition: c,
                then: a,
                otherwise: b
            }),
            (boxed(inner.clone()), boxed(inner.clone())).prop_map(|(a, b)| Expr::Equals(a, b)),
            boxed(inner.clone()).prop_map(Expr::Not),
            vec(inner.clone(), 0..3).prop_map(Expr::And),
            vec(inner.clone(), 0..3).prop_map(Expr::Or),
            name().prop_map(Expr::Condition),
            boxed(inner.clone()).prop_map(Expr::ImportValue),
            (boxed(inner.clone()), boxed(inner.clone()), boxed(inner.clone())).prop_map(|(m, a, b)| Expr::FindInMap {
                map: m,
                top_key: a,
                second_key: b
            }),
            boxed(inner.clone()).prop_map(Expr::Base64),
            boxed(inner.clone()).prop_map(Expr::GetAzs),
            (boxed(inner.clone()), boxed(inner.clone()), boxed(inner.clone())).prop_map(|(i, c, b)| Expr::Cidr {
                ip_block: i,
                count: c,
                cidr_bits: b
            }),
            (prop_oneof![Just("Fn::Contains"), Just("Fn::ValueOf"), Just("Fn::Length")], boxed(inner))
                .prop_map(|(n, a)| Expr::Function { name: n.to_owned(), args: a }),
        ]
    })
}

fn parameter_type() -> impl Strategy<Value = ParameterType> {
    prop_oneof![
        Just(ParameterType::String),
        Just(ParameterType::Number),
        Just(ParameterType::NumberList),
        Just(ParameterType::CommaDelimitedList),
        Just(ParameterType::Aws("AWS::EC2::VPC::Id".into())),
        Just(ParameterType::AwsList("AWS::EC2::Subnet::Id".into())),
        Just(ParameterType::SsmParameterName),
        Just(ParameterType::Ssm(Box::new(ParameterType::String))),
        Just(ParameterType::Ssm(Box::new(ParameterType::AwsList("AWS::EC2::Image::Id".into())))),
    ]
}

fn parameter() -> impl Strategy<Value = Parameter> {
    (
        parameter_type(),
        option::of(text()),
        option::of(literal()),
        vec(literal(), 0..3),
        option::of(text()),
        option::of(text()),
        (option::of(0u64..100), option::of(0u64..100)),
        (option::of(any::<i64>()), option::of(any::<i64>()), option::of(any::<bool>())),
    )
        .prop_map(|(ty, desc, default, allowed, pattern, constraint, (min_len, max_len), (min_v, max_v, echo))| {
            Parameter {
                param_type: ty,
                description: desc,
                default,
                allowed_values: allowed,
                allowed_pattern: pattern,
                constraint_description: constraint,
                min_length: min_len,
                max_length: max_len,
                min_value: min_v.map(Into::into),
                max_value: max_v.map(Into::into),
                no_echo: echo,
            }
        })
}

fn policy() -> impl Strategy<Value = DeletionPolicy> {
    proptest::sample::select(DeletionPolicy::ALL.to_vec())
}

fn resource() -> impl Strategy<Value = Resource> {
    (
        prop_oneof![Just("AWS::SQS::Queue"), Just("AWS::S3::Bucket"), Just("Custom::Thing")],
        option::of(name()),
        vec(name(), 0..3),
        option::of(expr()),
        btree_map("[A-Z][A-Za-z]{0,10}", expr(), 0..5),
        (option::of(policy()), option::of(policy()), option::of(expr()), option::of(expr())),
    )
        .prop_map(|(ty, condition, depends_on, metadata, props, (del, upd, up_pol, cr_pol))| Resource {
            type_name: ty.to_owned(),
            condition,
            depends_on,
            metadata,
            properties: props.into_iter().collect(),
            deletion_policy: del,
            update_replace_policy: upd,
            update_policy: up_pol,
            creation_policy: cr_pol,
        })
}

fn output() -> impl Strategy<Value = Output> {
    (option::of(text()), option::of(name()), expr(), option::of(expr())).prop_map(|(d, c, v, e)| Output {
        description: d,
        condition: c,
        value: v,
        export_name: e,
    })
}

fn rule() -> impl Strategy<Value = Rule> {
    (option::of(expr()), vec((expr(), option::of(text())), 0..3)).prop_map(|(c, a)| Rule {
        rule_condition: c,
        assertions: a.into_iter().map(|(assert, description)| Assertion { assert, description }).collect(),
    })
}

fn index_map<V: std::fmt::Debug>(
    keys: impl Strategy<Value = String>,
    values: impl Strategy<Value = V>,
    size: std::ops::Range<usize>,
) -> impl Strategy<Value = IndexMap<String, V>> {
    btree_map(keys, values, size).prop_map(|m| m.into_iter().collect())
}

fn template() -> impl Strategy<Value = Template> {
    (
        (option::of(Just("2010-09-09".to_owned())), option::of(text()), index_map(name(), expr(), 0..3)),
        index_map(name(), parameter(), 0..4),
        index_map(name(), rule(), 0..2),
        index_map(name(), index_map(name(), index_map(name(), literal(), 1..3), 1..3), 0..2),
        index_map(name(), expr(), 0..3),
        option::of(prop_oneof![
            Just(Expr::string("AWS::Serverless-2016-10-31")),
            Just(Expr::list(["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"])),
        ]),
        index_map(name(), resource(), 0..6),
        index_map(name(), output(), 0..4),
    )
        .prop_map(
            |(
                (version, description, metadata),
                parameters,
                rules,
                mappings,
                conditions,
                transform,
                resources,
                outputs,
            )| {
                let mut t = Template::default();
                t.format_version = version;
                t.description = description;
                t.metadata = metadata;
                t.parameters = parameters;
                t.rules = rules;
                t.mappings = mappings;
                t.conditions = conditions;
                t.transform = transform;
                t.resources = resources;
                t.outputs = outputs;
                t
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_of_synth_is_identity(t in template()) {
        let body = template_to_json(&t);
        let parsed = parse(&body).map_err(|e| TestCaseError::fail(format!("{e}\n{body}")))?;
        prop_assert_eq!(&parsed, &t);
        // Same model, same bytes: the canonical form is a fixed point.
        prop_assert_eq!(template_to_json(&parsed), body);
    }

    /// The JSON is written directly, not through serde; the bytes are serde_json's all the same.
    #[test]
    fn synth_writes_serde_jsons_pretty_form(t in template()) {
        prop_assert_eq!(template_to_json(&t), serde_json::to_string_pretty(&t).unwrap() + "\n");
    }
}
