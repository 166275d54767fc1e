//! The diff engine and its renderers on a small lake built from generated types.

mod common;

use common::{allow, lake, policy_document, set};
use sdlf_cfn::{DeletionPolicy, Expr, Output, Resource, ResourceSpec, SpecLookup, Template};
use sdlf_cfn_types::Registry;
use sdlf_diff::{
    Cause, ChangeSetAction, ChangeSetChange, IamChangeKind, Impact, Origin, Plan, Replacement, ResourceChangeKind,
    Style, TemplateDiff, diff, render_json, render_text, summary_line,
};

fn text(d: &TemplateDiff) -> String {
    render_text(std::slice::from_ref(d), &Style::PLAIN)
}

fn impact(d: &TemplateDiff, id: &str) -> Impact {
    d.resource(id).unwrap_or_else(|| panic!("{id} should change:\n{}", text(d))).impact
}

fn plan(add: usize, change: usize, replace: usize, may_replace: usize, destroy: usize) -> Plan {
    Plan { add, change, replace, may_replace, destroy }
}

#[test]
fn a_stack_not_deployed_yet_adds_everything() {
    let new = lake();
    let d = diff(None, &new, &Registry);
    assert!(!d.deployed);
    assert_eq!(d.resources.len(), new.resources.len());
    assert!(d.resources.iter().all(|r| r.impact == Impact::Add && r.kind == ResourceChangeKind::Added));
    assert_eq!(d.plan(), plan(9, 0, 0, 0, 0));
    assert!(d.template.is_empty(), "a new stack lists no top-level values");
    assert_eq!(d.data_losses().count(), 0);
    insta::assert_snapshot!(text(&d));
}

#[test]
fn identical_templates_have_no_changes() {
    let d = diff(Some(&lake()), &lake(), &Registry);
    assert!(d.is_empty());
    assert_eq!(text(&d), "Stack lake: no changes\n");
    assert_eq!(
        render_json(&[d])["total"],
        serde_json::json!({"add": 0, "change": 0, "replace": 0, "may_replace": 0, "destroy": 0})
    );
}

#[test]
fn depends_on_order_is_no_change() {
    let mut old = lake();
    old.resources["Function"].depends_on = vec!["Queue".into(), "Table".into()];
    let mut new = lake();
    new.resources["Function"].depends_on = vec!["Table".into(), "Queue".into()];
    assert!(diff(Some(&old), &new, &Registry).is_empty());
}

#[test]
fn changes_in_place_are_updates() {
    let old = lake();
    let mut new = lake();
    set(&mut new, "Queue", "VisibilityTimeout", 300);
    set(&mut new, "Table", "BillingMode", "PROVISIONED");
    // A long, multi-line string is shown as a line diff of its own text.
    let code = |greeting: &str| {
        Expr::map([(
            "ZipFile",
            Expr::string(format!(
                "import json\n\ndef handler(event, context):\n    records = event['Records']\n    print('{greeting}', len(records))\n    return {{'ok': True}}\n"
            )),
        )])
    };
    set(&mut new, "Function", "Code", code("hello"));
    let mut old_with_code = old.clone();
    set(&mut old_with_code, "Function", "Code", code("hi"));
    new.resources["Function"].depends_on.push("Table".into());
    new.parameters["Env"].default = Some(Expr::string("prod"));
    new.add_output("QueueArn", Output::new(Expr::get_att("Queue", "Arn")));
    new.description = Some("The test lake".into());

    let d = diff(Some(&old_with_code), &new, &Registry);
    for id in ["Queue", "Table", "Function"] {
        assert_eq!(impact(&d, id), Impact::Update, "{id}");
    }
    assert_eq!(d.plan(), plan(0, 3, 0, 0, 0));
    assert_eq!(d.data_losses().count(), 0);
    let queue = d.resource("Queue").expect("the queue changes");
    assert_eq!(queue.changes.len(), 1);
    assert_eq!(queue.changes[0].path.to_string(), "Properties.VisibilityTimeout");
    assert_eq!(
        (queue.changes[0].old.clone(), queue.changes[0].new.clone()),
        (Some(Expr::int(120)), Some(Expr::int(300)))
    );
    insta::assert_snapshot!(text(&d));
}

#[test]
fn renaming_a_bucket_replaces_it_and_loses_its_objects() {
    let old = lake();
    let mut new = lake();
    set(&mut new, "RawBucket", "BucketName", "sdlf-raw-data");
    let d = diff(Some(&old), &new, &Registry);

    let bucket = d.resource("RawBucket").expect("the bucket changes");
    assert_eq!(bucket.impact, Impact::Replace);
    assert_eq!(bucket.loses_data(), Some("objects"));
    assert_eq!(d.data_losses().collect::<Vec<_>>(), [("RawBucket", "objects")]);
    // The role's policy reads `${RawBucket.Arn}/*`: its value changes, the role is updated.
    let role = d.resource("FunctionRole").expect("the role's policy references the bucket");
    assert_eq!(role.impact, Impact::Update);
    assert_eq!(role.changes[0].cause, Cause::Replacement { of: "RawBucket".into(), certain: true });
    assert_eq!(role.changes[0].path.to_string(), "Properties.Policies[0].PolicyDocument.Statement[0].Resource");
    assert_eq!(d.plan(), plan(0, 2, 1, 0, 0));
    insta::assert_snapshot!(text(&d));

    // Kept by its UpdateReplacePolicy, the old bucket loses nothing.
    new.resources["RawBucket"].update_replace_policy = Some(DeletionPolicy::Retain);
    let d = diff(Some(&old), &new, &Registry);
    assert_eq!(impact(&d, "RawBucket"), Impact::Replace);
    assert_eq!(d.data_losses().count(), 0);
    assert!(text(&d).contains("(replace, old one kept by UpdateReplacePolicy Retain)"), "{}", text(&d));
}

#[test]
fn a_replaced_queue_propagates_to_everything_that_references_it() {
    let old = lake();
    let mut new = lake();
    set(&mut new, "Queue", "QueueName", "sdlf-raw-v2");
    let d = diff(Some(&old), &new, &Registry);

    assert_eq!(impact(&d, "Queue"), Impact::Replace);
    assert_eq!(d.resource("Queue").and_then(|r| r.loses_data()), Some("messages"));
    // The policy's queue URL and ARN change: updated in place (it has no create-only property).
    let policy = d.resource("QueuePolicy").expect("the policy references the queue");
    assert_eq!(policy.impact, Impact::Update);
    let paths: Vec<String> = policy.changes.iter().map(|c| c.path.to_string()).collect();
    assert_eq!(paths, ["Properties.PolicyDocument.Statement[0].Resource", "Properties.Queues[0]"]);
    // Endpoint and EventSourceArn are create-only: both are replaced with the queue.
    assert_eq!(impact(&d, "Subscription"), Impact::Replace);
    assert_eq!(impact(&d, "QueueTrigger"), Impact::Replace);
    assert_eq!(d.plan(), plan(0, 4, 3, 0, 0));
    insta::assert_snapshot!(text(&d));
    insta::assert_json_snapshot!(render_json(&[d]));
}

#[test]
fn a_function_referencing_a_replaced_role_is_updated() {
    let old = lake();
    let mut new = lake();
    set(&mut new, "FunctionRole", "Path", "/sdlf/");
    let d = diff(Some(&old), &new, &Registry);
    assert_eq!(impact(&d, "FunctionRole"), Impact::Replace);
    let function = d.resource("Function").expect("the function uses the role's ARN");
    assert_eq!(function.impact, Impact::Update);
    assert_eq!(function.changes.len(), 1);
    assert_eq!(function.changes[0].path.to_string(), "Properties.Role");
    assert_eq!(function.changes[0].old, Some(Expr::get_att("FunctionRole", "Arn")));
    assert!(
        text(&d).contains(" └─ [~] Properties.Role: !GetAtt FunctionRole.Arn (may change: FunctionRole is replaced)")
    );
}

#[test]
fn a_conditional_replacement_may_replace() {
    let old = lake();
    let mut new = lake();
    set(&mut new, "Subscription", "Region", "eu-west-1");
    let d = diff(Some(&old), &new, &Registry);
    assert_eq!(impact(&d, "Subscription"), Impact::MayReplace);
    assert_eq!(d.plan(), plan(0, 1, 0, 1, 0));
    insta::assert_snapshot!(text(&d), @r#"
    Stack lake

    Resources
    [~] AWS::SNS::Subscription Subscription (may be replaced)
     └─ [+] Properties.Region: "eu-west-1" (may cause replacement)

    Plan: 0 to add, 1 to change (0 replace, 1 may replace), 0 to destroy
    "#);
}

/// A chain of made-up types where each one's `Parent` is create-only, and a `Peer` that only
/// may replace.
struct Chain;

impl SpecLookup for Chain {
    fn spec(&self, type_name: &str) -> Option<&ResourceSpec> {
        const NODE: ResourceSpec = ResourceSpec {
            type_name: "Test::Node",
            attributes: &["Arn"],
            primary_identifier: &["Name"],
            replace_always: &["/Parent", "/Name"],
            replace_conditional: &["/Peer"],
            holds_data: None,
        };
        (type_name == "Test::Node").then_some(&NODE)
    }
}

fn node(props: &[(&str, Expr)]) -> Resource {
    Resource::new("Test::Node", props.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
}

#[test]
fn replacement_propagates_transitively_and_a_possible_one_only_may_replace() {
    let chain = |root_name: &str| {
        let mut t = Template::new("chain");
        t.add_resource("A", node(&[("Name", Expr::string(root_name))]));
        t.add_resource("B", node(&[("Parent", Expr::reference("A"))]));
        t.add_resource("C", node(&[("Parent", Expr::get_att("B", "Arn"))]));
        t.add_resource("D", node(&[("Parent", Expr::sub("${C}-child"))]));
        t.add_resource("E", node(&[("Peer", Expr::reference("A"))]));
        t.add_resource("Unrelated", node(&[("Name", Expr::string("x"))]));
        t
    };
    let d = diff(Some(&chain("a")), &chain("b"), &Chain);
    let impacts: Vec<(&str, Impact)> = d.resources.iter().map(|r| (r.logical_id.as_str(), r.impact)).collect();
    assert_eq!(
        impacts,
        [
            ("A", Impact::Replace),
            ("B", Impact::Replace),
            ("C", Impact::Replace),
            ("D", Impact::Replace),
            ("E", Impact::MayReplace)
        ]
    );

    // A source that only may be replaced makes its dependents only may-replace.
    let mut old = chain("a");
    old.resources["A"].properties.insert("Peer".into(), Expr::string("x"));
    let mut new = chain("a");
    new.resources["A"].properties.insert("Peer".into(), Expr::string("y"));
    let d = diff(Some(&old), &new, &Chain);
    assert!(d.resources.iter().take(4).all(|r| r.impact == Impact::MayReplace), "{}", text(&d));
    assert!(text(&d).contains("(may change: A may be replaced; may cause replacement)"), "{}", text(&d));
}

#[test]
fn a_type_change_replaces_and_loses_the_old_types_data() {
    let old = lake();
    let mut new = lake();
    new.resources.insert("Table".into(), Resource::new("AWS::S3::Bucket", Default::default()));
    let d = diff(Some(&old), &new, &Registry);
    let table = d.resource("Table").expect("the table changes");
    assert_eq!((table.kind, table.impact), (ResourceChangeKind::TypeChanged, Impact::Replace));
    assert_eq!(table.old_type.as_deref(), Some("AWS::DynamoDB::Table"));
    assert_eq!(table.loses_data(), Some("items"));
    assert!(table.changes.iter().all(|c| c.impact == Impact::Update), "paths of another type do not classify");
    insta::assert_snapshot!(text(&d));
}

#[test]
fn a_removed_table_is_destroyed_with_its_items_unless_retained() {
    let old = lake();
    let mut new = lake();
    new.resources.shift_remove("Table");
    let d = diff(Some(&old), &new, &Registry);
    let table = d.resource("Table").expect("the table is removed");
    assert_eq!((table.kind, table.impact), (ResourceChangeKind::Removed, Impact::Destroy));
    assert_eq!(table.loses_data(), Some("items"));
    assert_eq!(d.plan(), plan(0, 0, 0, 0, 1));
    assert!(text(&d).contains("[-] AWS::DynamoDB::Table Table (destroy, loses items)"), "{}", text(&d));

    let mut retained = lake();
    retained.resources["Table"].deletion_policy = Some(DeletionPolicy::Retain);
    let d = diff(Some(&retained), &new, &Registry);
    assert_eq!(d.resource("Table").map(|t| (t.impact, t.loses_data())), Some((Impact::Destroy, None)));
    assert!(
        text(&d).contains("[-] AWS::DynamoDB::Table Table (removed from the stack, kept by DeletionPolicy Retain)")
    );
}

#[test]
fn iam_statements_added_and_broadened_are_listed() {
    let old = lake();
    let mut new = lake();
    let broadened = sdlf_cfn_types::iam::role::Policy::new(
        policy_document([
            allow(&["s3:*"], Expr::sub("${RawBucket.Arn}/*")),
            allow(&["sqs:ReceiveMessage", "sqs:DeleteMessage"], Expr::get_att("Queue", "Arn")),
        ]),
        "read-raw",
    );
    set(&mut new, "FunctionRole", "Policies", Expr::list([sdlf_cfn::IntoExpr::into_expr(broadened)]));
    let d = diff(Some(&old), &new, &Registry);

    let rows: Vec<(IamChangeKind, &str, Vec<String>)> =
        d.iam.iter().map(|r| (r.kind, r.resource.as_str(), r.actions.clone())).collect();
    assert_eq!(
        rows,
        [
            (IamChangeKind::Removed, "FunctionRole", vec!["s3:GetObject".to_owned()]),
            (IamChangeKind::Added, "FunctionRole", vec!["s3:*".to_owned()]),
            (
                IamChangeKind::Added,
                "FunctionRole",
                vec!["sqs:ReceiveMessage".to_owned(), "sqs:DeleteMessage".to_owned()]
            ),
        ]
    );
    insta::assert_snapshot!(text(&d));
}

#[test]
fn on_a_narrow_terminal_the_iam_table_wraps_its_cells() {
    let old = lake();
    let mut new = lake();
    let crawl = Expr::map([
        ("Effect", Expr::string("Allow")),
        ("Action", Expr::list(["glue:BatchCreatePartition", "glue:GetTableVersions", "s3:ListBucketMultipartUploads"])),
        (
            "Resource",
            Expr::list([
                Expr::sub("arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/${RawBucket}/*"),
                Expr::get_att("RawBucket", "Arn"),
            ]),
        ),
        (
            "Condition",
            Expr::map([("StringEquals", Expr::map([("aws:SourceAccount", Expr::reference("AWS::AccountId"))]))]),
        ),
    ]);
    let policy = sdlf_cfn_types::iam::role::Policy::new(policy_document([crawl]), "crawl-raw");
    set(&mut new, "FunctionRole", "Policies", Expr::list([sdlf_cfn::IntoExpr::into_expr(policy)]));
    let d = diff(Some(&old), &new, &Registry);

    let narrow = render_text(std::slice::from_ref(&d), &Style::PLAIN.with_width(Some(72)));
    let table = narrow.lines().filter(|l| l.starts_with(['┌', '│', '├', '└']));
    assert!(table.clone().all(|l| l.chars().count() <= 72), "{narrow}");
    assert!(table.count() > 10, "{narrow}");
    insta::assert_snapshot!(narrow);
}

#[test]
fn the_change_set_wins_and_adds_what_only_it_knows() {
    let old = lake();
    let mut new = lake();
    set(&mut new, "Queue", "VisibilityTimeout", 300);
    set(&mut new, "Topic", "DisplayName", "Raw data");
    let mut d = diff(Some(&old), &new, &Registry);
    assert_eq!(impact(&d, "Queue"), Impact::Update);

    let change_set = [
        // CloudFormation knows better: say it replaces.
        ChangeSetChange {
            logical_id: "Queue".into(),
            resource_type: "AWS::SQS::Queue".into(),
            action: ChangeSetAction::Modify,
            replacement: Some(Replacement::True),
            details: vec!["VisibilityTimeout".into()],
            physical_id: Some("https://sqs.us-east-1.amazonaws.com/000000000000/raw".into()),
        },
        // An SSM parameter the code key is read from changed: only the change set sees it.
        ChangeSetChange {
            logical_id: "Function".into(),
            resource_type: "AWS::Lambda::Function".into(),
            action: ChangeSetAction::Modify,
            replacement: Some(Replacement::False),
            details: vec!["/Properties/Code/S3Key".into()],
            physical_id: Some("lake-function".into()),
        },
    ];
    d.merge_change_set(&change_set, &Registry);

    assert_eq!(impact(&d, "Queue"), Impact::Replace);
    assert_eq!(d.resource("Queue").and_then(|r| r.loses_data()), Some("messages"));
    let function = d.resource("Function").expect("the change set adds the function");
    assert_eq!((function.origin, function.impact), (Origin::ChangeSet, Impact::Update));
    assert_eq!(function.changes[0].path.to_string(), "Properties.Code.S3Key");
    assert_eq!(function.changes[0].cause, Cause::DeployTime);
    let disagreements: Vec<_> =
        d.disagreements.iter().map(|x| (x.logical_id.as_str(), x.template, x.change_set)).collect();
    assert_eq!(
        disagreements,
        [
            ("Topic", Some(Impact::Update), None),
            ("Queue", Some(Impact::Update), Some(Impact::Replace)),
            ("Function", None, Some(Impact::Update)),
        ]
    );
    // Topic: the template diff said update, CloudFormation lists no change — not counted.
    assert!(d.resource("Topic").is_none(), "the change set wins");
    assert_eq!(d.plan(), plan(0, 2, 1, 0, 0));
    insta::assert_snapshot!(text(&d));
    insta::assert_json_snapshot!(render_json(&[d]));
}

#[test]
fn several_stacks_render_with_a_total_and_colour_only_when_asked() {
    let old = lake();
    let mut new = lake();
    set(&mut new, "Queue", "VisibilityTimeout", 300);
    let mut other = lake();
    other.name = "other".into();
    let diffs = [diff(Some(&old), &new, &Registry), diff(None, &other, &Registry)];

    let plain = render_text(&diffs, &Style::PLAIN);
    assert!(plain.ends_with("\nTotal (2 stacks): 9 to add, 1 to change (0 replace), 0 to destroy\n"), "{plain}");
    assert!(!plain.contains('\x1b'));
    let coloured = render_text(&diffs, &Style::COLOUR);
    assert!(coloured.contains("\x1b[32m[+]\x1b[0m AWS::S3::Bucket RawBucket"), "{coloured}");
    assert_eq!(render_json(&diffs)["total"]["add"], 9);
    // Same inputs, same bytes.
    assert_eq!(plain, render_text(&diffs, &Style::PLAIN));
}

#[test]
fn the_summary_line_counts_the_stacks_that_change() {
    let same = diff(Some(&lake()), &lake(), &Registry);
    assert_eq!(summary_line(std::slice::from_ref(&same)), "no changes (1 stack)");
    let new = diff(None, &lake(), &Registry);
    assert_eq!(summary_line(&[same.clone(), same.clone()]), "no changes (2 stacks)");
    assert_eq!(summary_line(&[same, new]), "1 of 2 stacks changes: 9 to add, 0 to change (0 replace), 0 to destroy");
}
