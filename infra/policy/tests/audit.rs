//! The baseline audit: one test per finding kind with its exact path, what is not a finding,
//! and the allowlist.

use sdlf_cfn::{Expr, Pseudo, Resource, Template};
use sdlf_policy::{Allowance, Allowlist, Condition, Finding, FindingKind, PolicyDocument, Principal, Statement, audit};

fn resource(type_name: &str, props: impl IntoIterator<Item = (&'static str, Expr)>) -> Resource {
    Resource::new(type_name, props.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn template(resources: impl IntoIterator<Item = (&'static str, Resource)>) -> Template {
    let mut t = Template::new("sdlf-test");
    for (id, r) in resources {
        t.add_resource(id, r);
    }
    t
}

fn managed_policy(statements: impl IntoIterator<Item = Statement>) -> Resource {
    resource("AWS::IAM::ManagedPolicy", [("PolicyDocument", PolicyDocument::new().statements(statements).build())])
}

fn bucket_policy(statements: impl IntoIterator<Item = Statement>) -> Resource {
    resource(
        "AWS::S3::BucketPolicy",
        [
            ("Bucket", Expr::reference("RawBucket")),
            ("PolicyDocument", PolicyDocument::new().statements(statements).build()),
        ],
    )
}

fn kinds_and_paths(findings: &[Finding]) -> Vec<(FindingKind, &str)> {
    findings.iter().map(|f| (f.kind, f.path.as_str())).collect()
}

fn violations(t: &Template) -> Vec<Finding> {
    audit(t, &Allowlist::new()).violations
}

fn read(bucket: &str) -> Statement {
    Statement::allow().actions(["s3:GetObject"]).resource(Expr::sub(format!("${{{bucket}.Arn}}/*")))
}

#[test]
fn wildcard_action_in_an_inline_role_policy() {
    let role = resource(
        "AWS::IAM::Role",
        [
            ("AssumeRolePolicyDocument", PolicyDocument::assume_role("lambda.amazonaws.com").build()),
            (
                "Policies",
                Expr::list([Expr::map([
                    ("PolicyName", Expr::string("lake")),
                    (
                        "PolicyDocument",
                        PolicyDocument::new()
                            .statement(read("RawBucket"))
                            .statement(read("StageBucket"))
                            .statement(Statement::allow().action("s3:*").resource(Expr::get_att("RawBucket", "Arn")))
                            .build(),
                    ),
                ])]),
            ),
        ],
    );
    let found = violations(&template([("Role", role)]));
    assert_eq!(
        kinds_and_paths(&found),
        [(FindingKind::WildcardAction, "Resources.Role.Properties.Policies[0].PolicyDocument.Statement[2]")]
    );
    let f = &found[0];
    assert_eq!(
        (f.template.as_str(), f.resource.as_str(), f.resource_type.as_str()),
        ("sdlf-test", "Role", "AWS::IAM::Role")
    );
    assert_eq!(f.actions, ["s3:*"]);
    assert_eq!(f.statement, "Allow s3:* on !GetAtt RawBucket.Arn");
}

#[test]
fn a_bare_star_action_is_a_wildcard_too() {
    let t =
        template([("Policy", managed_policy([Statement::allow().action("*").resource(Expr::get_att("Q", "Arn"))]))]);
    assert_eq!(
        kinds_and_paths(&violations(&t)),
        [(FindingKind::WildcardAction, "Resources.Policy.Properties.PolicyDocument.Statement[0]")]
    );
}

#[test]
fn wildcard_resource_in_a_managed_policy() {
    let t = template([(
        "Policy",
        managed_policy([read("RawBucket"), Statement::allow().action("sqs:SendMessage").resource("*")]),
    )]);
    let found = violations(&t);
    assert_eq!(
        kinds_and_paths(&found),
        [(FindingKind::WildcardResource, "Resources.Policy.Properties.PolicyDocument.Statement[1]")]
    );
    assert_eq!(found[0].actions, ["sqs:SendMessage"]);
}

#[test]
fn wildcard_principal_in_a_bucket_policy() {
    let t = template([(
        "RawBucketPolicy",
        bucket_policy([
            Statement::deny_insecure_transport([Expr::get_att("RawBucket", "Arn"), Expr::sub("${RawBucket.Arn}/*")]),
            read("RawBucket").principal(Principal::any()),
        ]),
    )]);
    assert_eq!(
        kinds_and_paths(&violations(&t)),
        [(FindingKind::WildcardPrincipal, "Resources.RawBucketPolicy.Properties.PolicyDocument.Statement[1]")]
    );
}

#[test]
fn wildcard_principal_in_a_trust_policy() {
    let trust = PolicyDocument::new()
        .statement(Statement::allow().principal(Principal::aws("*")).action("sts:AssumeRole"))
        .build();
    let t = template([("Role", resource("AWS::IAM::Role", [("AssumeRolePolicyDocument", trust)]))]);
    assert_eq!(
        kinds_and_paths(&violations(&t)),
        [(FindingKind::WildcardPrincipal, "Resources.Role.Properties.AssumeRolePolicyDocument.Statement[0]")]
    );
}

#[test]
fn a_condition_naming_who_restricts_a_star_principal_but_other_conditions_do_not() {
    let with = |c: Condition| {
        let t = template([("P", bucket_policy([read("RawBucket").principal(Principal::any()).condition(c)]))]);
        violations(&t).len()
    };
    assert_eq!(with(Condition::string_equals("aws:SourceAccount", Pseudo::AccountId)), 0);
    assert_eq!(with(Condition::arn_like("aws:SourceArn", Expr::get_att("Topic", "TopicArn"))), 0);
    assert_eq!(with(Condition::string_equals("aws:principalorgid", "o-abc123")), 0, "keys are case-insensitive");
    assert_eq!(with(Condition::bool("aws:SecureTransport", true)), 1, "TLS says nothing about who");
    assert_eq!(with(Condition::string_equals("aws:SourceAccount", Pseudo::AccountId).if_exists()), 1);
    assert_eq!(with(Condition::string_not_equals("aws:SourceAccount", Pseudo::AccountId)), 1);
    assert_eq!(with(Condition::string_like("aws:SourceArn", "*")), 1);
}

#[test]
fn deny_statements_with_wildcards_are_not_findings() {
    let t = template([
        (
            "RawBucketPolicy",
            bucket_policy([Statement::deny_insecure_transport([
                Expr::get_att("RawBucket", "Arn"),
                Expr::sub("${RawBucket.Arn}/*"),
            ])]),
        ),
        (
            "Policy",
            managed_policy([
                read("RawBucket"),
                Statement::deny().action("*").resource("*").principal(Principal::any()),
                Statement::deny().not_actions(["s3:GetObject"]).not_resources(["arn:aws:s3:::x/*"]),
            ]),
        ),
    ]);
    let report = audit(&t, &Allowlist::new());
    assert!(report.is_clean(), "{report}");
    assert!(report.accepted.is_empty());
}

#[test]
fn intrinsic_resources_are_not_wildcards_but_a_literal_star_is() {
    let t = template([(
        "Policy",
        managed_policy([
            Statement::allow().action("s3:GetObject").resources([
                Expr::get_att("RawBucket", "Arn"),
                Expr::sub("${RawBucket.Arn}/*"),
                Expr::sub("arn:${AWS::Partition}:s3:::${Bucket}/*"),
                Expr::join("", [Expr::get_att("RawBucket", "Arn"), Expr::string("/*")]),
                Expr::reference("BucketArnParameter"),
                Expr::sub("*"),
            ]),
            Statement::allow().action("s3:GetObject").resources([Expr::get_att("RawBucket", "Arn"), Expr::string("*")]),
        ]),
    )]);
    assert_eq!(
        kinds_and_paths(&violations(&t)),
        [(FindingKind::WildcardResource, "Resources.Policy.Properties.PolicyDocument.Statement[1]")]
    );
}

#[test]
fn a_prefix_wildcard_action_is_not_a_full_wildcard() {
    let t = template([(
        "Policy",
        managed_policy([Statement::allow()
            .actions(["s3:Get*", "s3:List*", "kms:GenerateDataKey*"])
            .resource(Expr::get_att("RawBucket", "Arn"))]),
    )]);
    assert!(violations(&t).is_empty());
}

#[test]
fn not_action_not_resource_and_not_principal_in_an_allow_are_findings() {
    let t = template([(
        "Policy",
        bucket_policy([Statement::allow()
            .not_principal(Principal::aws("arn:aws:iam::111122223333:root"))
            .not_actions(["s3:DeleteObject"])
            .not_resources(["arn:aws:s3:::private/*"])]),
    )]);
    let found = violations(&t);
    let path = "Resources.Policy.Properties.PolicyDocument.Statement[0]";
    assert_eq!(
        kinds_and_paths(&found),
        [
            (FindingKind::WildcardAction, path),
            (FindingKind::WildcardResource, path),
            (FindingKind::WildcardPrincipal, path)
        ]
    );
    assert!(found.iter().all(|f| f.actions == ["*"]));
}

fn key_policy() -> Expr {
    PolicyDocument::new()
        .statement(
            Statement::allow()
                .sid("KeyAdministration")
                .principal(Principal::aws(Expr::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")))
                .action("kms:*")
                .resource("*"),
        )
        .statement(
            Statement::allow()
                .sid("UseThroughS3")
                .principal(Principal::aws(Expr::get_att("StageARole", "Arn")))
                .actions(["kms:Decrypt", "kms:GenerateDataKey*"])
                .resource("*")
                .condition(Condition::string_equals("kms:ViaService", Expr::sub("s3.${AWS::Region}.amazonaws.com"))),
        )
        .build()
}

#[test]
fn allowlisted_findings_are_accepted_with_their_reason() {
    let t = template([
        ("LakeKey", resource("AWS::KMS::Key", [("KeyPolicy", key_policy())])),
        (
            "StageARole",
            resource(
                "AWS::IAM::Role",
                [
                    ("AssumeRolePolicyDocument", PolicyDocument::assume_role("lambda.amazonaws.com").build()),
                    (
                        "Policies",
                        Expr::list([Expr::map([
                            ("PolicyName", Expr::string("tracing")),
                            (
                                "PolicyDocument",
                                PolicyDocument::new()
                                    .statement(
                                        Statement::allow()
                                            .actions(["xray:PutTraceSegments", "xray:PutTelemetryRecords"])
                                            .resource("*"),
                                    )
                                    .statement(
                                        Statement::allow()
                                            .actions(["xray:PutTraceSegments", "s3:GetObject"])
                                            .resource("*"),
                                    )
                                    .build(),
                            ),
                        ])]),
                    ),
                ],
            ),
        ),
    ]);

    let key_resource = "In a key policy, Resource \"*\" means this key";
    let key_admin = "The account root administers the key; IAM policies then delegate";
    let xray = "X-Ray has no resource-level permissions";
    let allow = Allowlist::new()
        .allow(Allowance::resource_type("AWS::KMS::Key", FindingKind::WildcardResource, key_resource))
        .allow(Allowance::resource_type("AWS::KMS::Key", FindingKind::WildcardAction, key_admin).actions("kms:*"))
        .allow(Allowance::logical_id("Stage*Role", FindingKind::WildcardResource, xray).actions("xray:Put*"));
    let report = audit(&t, &allow);
    println!("{report}");

    let accepted: Vec<(&str, FindingKind, &str)> =
        report.accepted.iter().map(|a| (a.finding.path.as_str(), a.finding.kind, a.reason)).collect();
    assert_eq!(
        accepted,
        [
            ("Resources.LakeKey.Properties.KeyPolicy.Statement[0]", FindingKind::WildcardAction, key_admin),
            ("Resources.LakeKey.Properties.KeyPolicy.Statement[0]", FindingKind::WildcardResource, key_resource),
            ("Resources.LakeKey.Properties.KeyPolicy.Statement[1]", FindingKind::WildcardResource, key_resource),
            (
                "Resources.StageARole.Properties.Policies[0].PolicyDocument.Statement[0]",
                FindingKind::WildcardResource,
                xray
            ),
        ]
    );
    // The entry covers X-Ray actions only: a statement that also reads S3 on "*" still fails.
    assert_eq!(
        kinds_and_paths(&report.violations),
        [(FindingKind::WildcardResource, "Resources.StageARole.Properties.Policies[0].PolicyDocument.Statement[1]")]
    );
    assert!(!report.is_clean());
    let text = report.to_string();
    assert!(text.contains(&format!("accepted: {xray}")), "{text}");
}

#[test]
fn allowlist_entries_match_on_scope_kind_and_every_action() {
    let t = template([("Key", resource("AWS::KMS::Key", [("KeyPolicy", key_policy())]))]);
    // Right type, wrong kind: nothing accepted.
    let wrong_kind =
        Allowlist::new().allow(Allowance::resource_type("AWS::KMS::Key", FindingKind::WildcardPrincipal, "no"));
    assert_eq!(audit(&t, &wrong_kind).violations.len(), 3);
    // Logical id pattern that does not match.
    let other_id = Allowlist::new().allow(Allowance::logical_id("Other*", FindingKind::WildcardResource, "no"));
    assert_eq!(audit(&t, &other_id).accepted.len(), 0);
    // An action pattern must match every action of the statement.
    let decrypt_only = Allowlist::new()
        .allow(Allowance::logical_id("*", FindingKind::WildcardResource, "decrypt").actions("kms:Decrypt"));
    assert_eq!(audit(&t, &decrypt_only).accepted.len(), 0);
    let kms_any =
        Allowlist::new().allow(Allowance::logical_id("Key", FindingKind::WildcardResource, "kms").actions("KMS:*"));
    assert_eq!(audit(&t, &kms_any).accepted.len(), 2, "action patterns ignore case");
}

#[test]
fn lambda_permissions_and_other_resources_are_not_documents() {
    let t = template([
        (
            "InvokePermission",
            resource(
                "AWS::Lambda::Permission",
                [
                    ("Action", Expr::string("lambda:*")),
                    ("FunctionName", Expr::reference("Fn")),
                    ("Principal", Expr::string("*")),
                ],
            ),
        ),
        ("Queue", resource("AWS::SQS::Queue", [("Policy", Expr::string("*"))])),
    ]);
    let report = audit(&t, &Allowlist::new());
    assert_eq!(report, Default::default());
}

#[test]
fn every_document_site_is_audited() {
    let bad = || Statement::allow().action("s3:*").resource(Expr::get_att("B", "Arn"));
    let doc = || PolicyDocument::new().statement(bad()).build();
    let t = template([
        ("Policy", resource("AWS::IAM::Policy", [("PolicyDocument", doc()), ("PolicyName", Expr::string("p"))])),
        ("Managed", resource("AWS::IAM::ManagedPolicy", [("PolicyDocument", doc())])),
        ("Key", resource("AWS::KMS::Key", [("KeyPolicy", doc())])),
        ("BucketPolicy", resource("AWS::S3::BucketPolicy", [("PolicyDocument", doc())])),
        ("QueuePolicy", resource("AWS::SQS::QueuePolicy", [("PolicyDocument", doc())])),
        ("TopicPolicy", resource("AWS::SNS::TopicPolicy", [("PolicyDocument", doc())])),
        (
            "User",
            resource(
                "AWS::IAM::User",
                [("Policies", Expr::list([Expr::map([("PolicyName", Expr::string("u")), ("PolicyDocument", doc())])]))],
            ),
        ),
        ("Table", resource("AWS::DynamoDB::Table", [("ResourcePolicy", Expr::map([("PolicyDocument", doc())]))])),
    ]);
    let paths: Vec<String> = violations(&t).into_iter().map(|f| f.path).collect();
    assert_eq!(
        paths,
        [
            "Resources.Policy.Properties.PolicyDocument.Statement[0]",
            "Resources.Managed.Properties.PolicyDocument.Statement[0]",
            "Resources.Key.Properties.KeyPolicy.Statement[0]",
            "Resources.BucketPolicy.Properties.PolicyDocument.Statement[0]",
            "Resources.QueuePolicy.Properties.PolicyDocument.Statement[0]",
            "Resources.TopicPolicy.Properties.PolicyDocument.Statement[0]",
            "Resources.User.Properties.Policies[0].PolicyDocument.Statement[0]",
            "Resources.Table.Properties.ResourcePolicy.PolicyDocument.Statement[0]",
        ]
    );
}

#[test]
fn both_branches_of_a_conditional_statement_are_audited() {
    let doc = Expr::map([
        ("Version", Expr::string("2012-10-17")),
        (
            "Statement",
            Expr::list([
                Expr::if_("IsProd", read("RawBucket").to_expr(), Expr::no_value()),
                Expr::if_(
                    "IsProd",
                    Statement::allow().action("s3:GetObject").resource(Expr::get_att("B", "Arn")).to_expr(),
                    Statement::allow().action("s3:*").resource("*").to_expr(),
                ),
            ]),
        ),
    ]);
    let t = template([("Policy", resource("AWS::IAM::ManagedPolicy", [("PolicyDocument", doc)]))]);
    let path = "Resources.Policy.Properties.PolicyDocument.Statement[1].Fn::If[2]";
    assert_eq!(
        kinds_and_paths(&violations(&t)),
        [(FindingKind::WildcardAction, path), (FindingKind::WildcardResource, path)]
    );
}

#[test]
fn a_document_the_audit_cannot_read_is_a_finding() {
    let t = template([
        ("FromParameter", resource("AWS::IAM::ManagedPolicy", [("PolicyDocument", Expr::reference("PolicyParam"))])),
        (
            "Typo",
            resource(
                "AWS::IAM::ManagedPolicy",
                [(
                    "PolicyDocument",
                    Expr::map([
                        ("Version", Expr::string("2012-10-17")),
                        (
                            "Statement",
                            Expr::list([Expr::map([
                                ("Effect", Expr::string("Allow")),
                                ("Actions", Expr::string("s3:*")),
                                ("Resource", Expr::string("*")),
                            ])]),
                        ),
                    ]),
                )],
            ),
        ),
    ]);
    let found = violations(&t);
    assert_eq!(
        kinds_and_paths(&found),
        [
            (FindingKind::Unreadable, "Resources.FromParameter.Properties.PolicyDocument"),
            (FindingKind::Unreadable, "Resources.Typo.Properties.PolicyDocument.Statement[0]"),
        ]
    );
    assert_eq!(found[0].detail, "expected a policy document, found !Ref PolicyParam");
    assert_eq!(found[1].detail, "unknown statement element `Actions`");
    // Accepted only by an entry without an action pattern.
    let allow = Allowlist::new()
        .allow(Allowance::logical_id("FromParameter", FindingKind::Unreadable, "reviewed by hand").actions("*"));
    assert_eq!(audit(&t, &allow).accepted.len(), 0);
    let allow = Allowlist::new().allow(Allowance::logical_id("FromParameter", FindingKind::Unreadable, "reviewed"));
    assert_eq!(audit(&t, &allow).accepted.len(), 1);
}

#[test]
fn a_parsed_template_is_audited_like_a_built_one() {
    let body = r#"{
      "Resources": {
        "Role": {
          "Type": "AWS::IAM::Role",
          "Properties": {
            "AssumeRolePolicyDocument": {
              "Version": "2012-10-17",
              "Statement": {"Effect": "Allow", "Principal": {"Service": ["glue.amazonaws.com"]}, "Action": "sts:AssumeRole"}
            },
            "Policies": [{
              "PolicyName": "p",
              "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                  {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": {"Fn::Sub": "${RawBucket.Arn}/*"}},
                  {"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": ["*"]}
                ]
              }
            }]
          }
        }
      }
    }"#;
    let t = sdlf_cfn::parse(body).expect("a valid template");
    let allow = Allowlist::new().allow(
        Allowance::logical_id("*", FindingKind::WildcardResource, "log groups are created on first write")
            .actions("logs:CreateLogGroup"),
    );
    let report = audit(&t, &allow);
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.accepted[0].finding.path, "Resources.Role.Properties.Policies[0].PolicyDocument.Statement[1]");
}
