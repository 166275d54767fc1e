//! Statement extraction: the flat form a diff of two templates' IAM statements works on.

use sdlf_cfn::{Expr, Pseudo, Resource, Template};
use sdlf_policy::{
    Condition, DocumentKind, Effect, FlatPrincipal, PolicyDocument, PolicyValue, Principal, Statement, render_value,
    scan, statements_of,
};

fn resource(type_name: &str, props: impl IntoIterator<Item = (&'static str, Expr)>) -> Resource {
    Resource::new(type_name, props.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn lake() -> Template {
    let mut t = Template::new("sdlf-team-engineering");
    t.add_resource(
        "StageARole",
        resource(
            "AWS::IAM::Role",
            [
                ("AssumeRolePolicyDocument", PolicyDocument::assume_role("lambda.amazonaws.com").build()),
                (
                    "Policies",
                    Expr::list([Expr::map([
                        ("PolicyName", Expr::string("stage-a")),
                        (
                            "PolicyDocument",
                            PolicyDocument::new()
                                .statement(
                                    Statement::allow()
                                        .sid("ReadRaw")
                                        .actions(["s3:GetObject", "s3:ListBucket"])
                                        .resources([
                                            Expr::get_att("RawBucket", "Arn"),
                                            Expr::sub("${RawBucket.Arn}/engineering/*"),
                                        ])
                                        .condition(Condition::string_equals("aws:SourceAccount", Pseudo::AccountId)),
                                )
                                .statement(
                                    Statement::allow()
                                        .action("sqs:SendMessage")
                                        .resource(Expr::get_att("StageBQueue", "Arn")),
                                )
                                .build(),
                        ),
                    ])]),
                ),
            ],
        ),
    );
    t.add_resource(
        "StageBQueuePolicy",
        resource(
            "AWS::SQS::QueuePolicy",
            [
                ("Queues", Expr::list([Expr::reference("StageBQueue")])),
                (
                    "PolicyDocument",
                    PolicyDocument::new()
                        .statement(Statement::deny_insecure_transport([Expr::get_att("StageBQueue", "Arn")]))
                        .statement(
                            Statement::allow()
                                .sid("FromRule")
                                .principal(Principal::service("events.amazonaws.com"))
                                .action("sqs:SendMessage")
                                .resource(Expr::get_att("StageBQueue", "Arn"))
                                .condition(Condition::arn_equals("aws:SourceArn", Expr::get_att("Rule", "Arn"))),
                        )
                        .build(),
                ),
            ],
        ),
    );
    t
}

#[test]
fn statements_are_listed_in_template_order_with_their_location() {
    let rows: Vec<String> = statements_of(&lake())
        .iter()
        .map(|s| format!("{} {} [{}] {}", s.template, s.path, s.document.as_str(), s.statement))
        .collect();
    insta::assert_snapshot!(rows.join("\n"));
}

#[test]
fn flat_statements_hold_typed_values() {
    let statements = statements_of(&lake());
    let read = &statements[1];
    assert_eq!((read.resource.as_str(), read.resource_type.as_str()), ("StageARole", "AWS::IAM::Role"));
    assert_eq!(read.document, DocumentKind::Identity);
    let s = &read.statement;
    assert_eq!(s.sid.as_deref(), Some("ReadRaw"));
    assert_eq!(s.effect, Effect::Allow);
    assert_eq!(s.actions, [PolicyValue::Literal("s3:GetObject".into()), PolicyValue::Literal("s3:ListBucket".into())]);
    assert_eq!(
        s.resources,
        [
            PolicyValue::Opaque("!GetAtt RawBucket.Arn".into()),
            PolicyValue::Opaque("!Sub ${RawBucket.Arn}/engineering/*".into())
        ]
    );
    assert_eq!(s.conditions[0].to_string(), "StringEquals aws:SourceAccount = !Ref AWS::AccountId");

    let trust = &statements[0];
    assert_eq!(trust.document, DocumentKind::Trust);
    assert_eq!(
        trust.statement.principals,
        [FlatPrincipal { kind: Some("Service".into()), value: PolicyValue::Literal("lambda.amazonaws.com".into()) }]
    );
    let tls = &statements[3];
    assert_eq!(tls.statement.principals[0].to_string(), "*");
    assert!(tls.statement.principals[0].is_everyone());
}

#[test]
fn a_single_value_and_a_one_element_list_read_the_same() {
    let as_list = Expr::map([
        ("Effect", Expr::string("Allow")),
        ("Action", Expr::list(["s3:GetObject"])),
        ("Resource", Expr::list([Expr::string("arn:aws:s3:::b/*")])),
        ("Principal", Expr::map([("AWS", Expr::list(["arn:aws:iam::111122223333:root"]))])),
    ]);
    let as_string = Expr::map([
        ("Effect", Expr::string("Allow")),
        ("Action", Expr::string("s3:GetObject")),
        ("Resource", Expr::string("arn:aws:s3:::b/*")),
        ("Principal", Expr::map([("AWS", Expr::string("arn:aws:iam::111122223333:root"))])),
    ]);
    assert_eq!(sdlf_policy::flatten_statement(&as_list), sdlf_policy::flatten_statement(&as_string));
}

#[test]
fn built_statements_read_back_to_what_was_built() {
    let statement = Statement::allow()
        .sid("Everything")
        .principal(Principal::aws(Expr::get_att("Role", "Arn")))
        .principal(Principal::service("glue.amazonaws.com"))
        .actions(["glue:StartJobRun", "glue:GetJobRun"])
        .resource(Expr::sub("arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:job/sdlf-*"))
        .condition(Condition::string_like("aws:TagKeys", ["team*"]).for_any_value())
        .condition(Condition::bool("aws:SecureTransport", true));
    let flat = sdlf_policy::flatten_statement(&statement.to_expr()).unwrap();
    assert_eq!(
        flat.to_string(),
        "Allow (Everything) glue:StartJobRun, glue:GetJobRun \
         on !Sub arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:job/sdlf-* \
         to AWS:!GetAtt Role.Arn, Service:glue.amazonaws.com \
         when ForAnyValue:StringLike aws:TagKeys = team* and Bool aws:SecureTransport = true"
    );
}

#[test]
fn intrinsics_render_in_the_yaml_short_form() {
    assert_eq!(render_value(&Expr::reference("Env")), "!Ref Env");
    assert_eq!(
        render_value(&Expr::join("", [Expr::reference("A"), Expr::string("/b")])),
        r#"!Join ["", [!Ref A, "/b"]]"#
    );
    assert_eq!(
        render_value(&Expr::sub_with("${B}/x", [("B", Expr::get_att("Bucket", "Arn"))])),
        r#"!Sub ["${B}/x", {B: !GetAtt Bucket.Arn}]"#
    );
    assert_eq!(
        render_value(&Expr::if_("IsProd", Expr::string("a"), Expr::no_value())),
        r#"!If [IsProd, "a", !Ref AWS::NoValue]"#
    );
    assert_eq!(render_value(&Expr::import_value("sdlf-RawBucketArn")), r#"!ImportValue "sdlf-RawBucketArn""#);
}

#[test]
fn unreadable_parts_are_reported_separately() {
    let mut t = Template::new("t");
    t.add_resource(
        "Policy",
        resource(
            "AWS::IAM::ManagedPolicy",
            [(
                "PolicyDocument",
                Expr::map([
                    ("Version", Expr::string("2012-10-17")),
                    (
                        "Statement",
                        Expr::list([
                            Statement::allow().action("s3:GetObject").resource("arn:aws:s3:::b/*").to_expr(),
                            Expr::map([("Effect", Expr::reference("EffectParam")), ("Action", Expr::string("s3:*"))]),
                        ]),
                    ),
                ]),
            )],
        ),
    );
    let scanned = scan(&t);
    assert_eq!(scanned.statements.len(), 1);
    assert_eq!(scanned.unreadable.len(), 1);
    assert_eq!(scanned.unreadable[0].path, "Resources.Policy.Properties.PolicyDocument.Statement[1]");
    assert_eq!(scanned.unreadable[0].reason, "Effect is not a literal: !Ref EffectParam");
}
