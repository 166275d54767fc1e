//! The builder's JSON, pinned: trust policy, TLS-only bucket policy, least-privilege role
//! policy; and the documents IAM would refuse.

use sdlf_cfn::{Expr, Pseudo};
use sdlf_policy::{Condition, Operator, PolicyDocument, Principal, Problem, Statement};

#[test]
fn trust_policy() {
    insta::assert_json_snapshot!(PolicyDocument::assume_role("lambda.amazonaws.com").build());
}

#[test]
fn tls_only_bucket_policy() {
    let doc = PolicyDocument::new()
        .statement(Statement::deny_insecure_transport([
            Expr::get_att("RawBucket", "Arn"),
            Expr::sub("${RawBucket.Arn}/*"),
        ]))
        .build();
    insta::assert_json_snapshot!(doc);
}

#[test]
fn least_privilege_role_policy() {
    let raw = Expr::get_att("RawBucket", "Arn");
    let doc = PolicyDocument::new()
        .statement(
            Statement::allow()
                .sid("ReadRaw")
                .actions(["s3:GetObject", "s3:ListBucket"])
                .resources([raw.clone(), Expr::sub("${RawBucket.Arn}/engineering/*")])
                .condition(Condition::string_equals("aws:SourceAccount", Pseudo::AccountId.expr())),
        )
        .statement(
            Statement::allow()
                .sid("WriteStage")
                .action("s3:PutObject")
                .resource(Expr::sub("${StageBucket.Arn}/engineering/*"))
                .condition(Condition::string_like("s3:x-amz-server-side-encryption-aws-kms-key-id", ["arn:*"]))
                .condition(Condition::new(Operator::StringEquals, "aws:RequestedRegion", Pseudo::Region)),
        )
        .statement(
            Statement::allow()
                .sid("UseKey")
                .actions(["kms:Decrypt", "kms:GenerateDataKey*", "kms:Decrypt"])
                .resource(Expr::get_att("LakeKey", "Arn"))
                .condition(Condition::string_equals("kms:ViaService", ["s3.amazonaws.com", "sqs.amazonaws.com"]))
                .condition(Condition::string_like("kms:EncryptionContext:aws:s3:arn", "arn:*").if_exists())
                .condition(Condition::string_like("aws:TagKeys", ["team*", "dataset*"]).for_any_value()),
        )
        .statement(
            Statement::allow()
                .sid("Catalog")
                .actions(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"])
                .resource(Expr::get_att("ObjectMetadata", "Arn"))
                .condition(
                    Condition::string_equals("dynamodb:LeadingKeys", ["engineering", "marketing"]).for_all_values(),
                ),
        )
        .build();
    insta::assert_json_snapshot!(doc);
}

#[test]
fn principals_render_in_canonical_kind_order_and_any_wins() {
    let doc = PolicyDocument::new()
        .id("Principals")
        .statement(
            Statement::allow()
                .principal(Principal::service("sns.amazonaws.com"))
                .principal(Principal::aws(Expr::get_att("Role", "Arn")))
                .principal(Principal::service(Expr::sub("logs.${AWS::Region}.amazonaws.com")))
                .principal(Principal::service("sns.amazonaws.com"))
                .action("sqs:SendMessage")
                .resource(Expr::get_att("Queue", "Arn")),
        )
        .statement(
            Statement::allow()
                .sid("Everyone")
                .principal(Principal::aws("arn:aws:iam::111122223333:root"))
                .principal(Principal::any())
                .action("sqs:SendMessage")
                .resource(Expr::get_att("Queue", "Arn"))
                .condition(Condition::arn_like("aws:SourceArn", Expr::reference("Topic"))),
        )
        .build();
    insta::assert_json_snapshot!(doc);
}

#[test]
fn a_document_converts_into_an_expr() {
    let doc = PolicyDocument::assume_role("glue.amazonaws.com");
    let expr: Expr = doc.clone().into();
    assert_eq!(expr, doc.build());
}

fn problems(doc: &PolicyDocument) -> Vec<(usize, Problem)> {
    doc.validate().unwrap_err().0.into_iter().map(|e| (e.statement, e.problem)).collect()
}

#[test]
fn malformed_documents_are_refused_with_the_statement_they_are_in() {
    assert_eq!(problems(&PolicyDocument::new()), [(0, Problem::NoStatement)]);

    let doc = PolicyDocument::new()
        .statement(Statement::allow().sid("Ok").action("s3:GetObject").resource("*"))
        .statement(Statement::allow().sid("Ok").resource("*"))
        .statement(Statement::allow().sid("Not-Alnum").action("a:b").not_actions(["a:c"]))
        .statement(
            Statement::deny()
                .action("s3:*")
                .resource("*")
                .not_resources(["arn:aws:s3:::x"])
                .principal(Principal::any())
                .not_principal(Principal::aws("arn:aws:iam::111122223333:root"))
                .condition(Condition::bool("aws:SecureTransport", false))
                .condition(Condition::bool("aws:SecureTransport", true))
                .condition(Condition::new(Operator::StringEquals, "aws:SourceAccount", Vec::<Expr>::new())),
        );
    assert_eq!(
        problems(&doc),
        [
            (1, Problem::NoAction),
            (1, Problem::DuplicateSid),
            (2, Problem::InvalidSid("Not-Alnum".into())),
            (2, Problem::Both("Action", "NotAction")),
            (3, Problem::Both("Resource", "NotResource")),
            (3, Problem::Both("Principal", "NotPrincipal")),
            (3, Problem::DuplicateConditionKey { operator: "Bool".into(), key: "aws:SecureTransport".into() }),
            (3, Problem::NoConditionValue { operator: "StringEquals".into(), key: "aws:SourceAccount".into() }),
        ]
    );
    let message = doc.try_build().unwrap_err().to_string();
    assert!(message.contains("statement 1 (Ok): the Sid is used by an earlier statement"), "{message}");
}

#[test]
#[should_panic(expected = "malformed policy document: statement 0: neither Action nor NotAction is set")]
fn build_panics_on_a_malformed_document() {
    PolicyDocument::new().statement(Statement::allow().resource("*")).build();
}

#[test]
fn condition_operators_carry_qualifiers_and_suffixes() {
    assert_eq!(Condition::string_like("k", "v").operator_name(), "StringLike");
    assert_eq!(Condition::string_like("k", "v").if_exists().operator_name(), "StringLikeIfExists");
    assert_eq!(
        Condition::string_like("k", "v").for_all_values().if_exists().operator_name(),
        "ForAllValues:StringLikeIfExists"
    );
    for op in Operator::ALL {
        assert_eq!(Operator::from_name(op.name()), Some(op));
    }
}
