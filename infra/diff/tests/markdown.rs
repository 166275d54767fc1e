//! The plan as Markdown for a pull request, on the small lake of `common`.

mod common;

use std::collections::BTreeMap;

use common::{allow, lake, policy_document, set};
use sdlf_cfn::{Expr, Template};
use sdlf_cfn_types::Registry;
use sdlf_diff::{EnvironmentPlan, MarkdownOptions, TemplateDiff, diff, render_markdown};

type Refused = BTreeMap<String, BTreeMap<String, String>>;

fn named(mut t: Template, stack: &str) -> Template {
    t.name = stack.to_owned();
    t
}

fn markdown(plans: &[(&str, Vec<TemplateDiff>, Refused)], options: &MarkdownOptions<'_>) -> String {
    let plans: Vec<EnvironmentPlan<'_>> =
        plans.iter().map(|(environment, diffs, refused)| EnvironmentPlan { environment, diffs, refused }).collect();
    render_markdown(&plans, options)
}

fn whole(plans: &[(&str, Vec<TemplateDiff>, Refused)]) -> String {
    markdown(plans, &MarkdownOptions::default())
}

/// The queue renamed: CloudFormation replaces it and its messages go.
fn queue_replaced() -> TemplateDiff {
    let mut new = lake();
    set(&mut new, "Queue", "QueueName", "sdlf-raw-2");
    diff(Some(&lake()), &new, &Registry)
}

fn iam_broadened() -> TemplateDiff {
    let mut new = lake();
    let policy =
        sdlf_cfn_types::iam::role::Policy::new(policy_document([allow(&["s3:*"], Expr::string("*"))]), "read-raw");
    set(&mut new, "FunctionRole", "Policies", Expr::list([sdlf_cfn::IntoExpr::into_expr(policy)]));
    diff(Some(&lake()), &new, &Registry)
}

fn refused(stack: &str, id: &str, why: &str) -> Refused {
    BTreeMap::from([(stack.to_owned(), BTreeMap::from([(id.to_owned(), why.to_owned())]))])
}

/// Every `<details>` that opens also closes, and never inside another.
fn assert_well_formed(md: &str) {
    let mut open = 0;
    for line in md.lines() {
        open += line.matches("<details>").count();
        assert!(open <= 1, "nested <details>:\n{md}");
        open -= line.matches("</details>").count().min(open);
    }
    assert_eq!(md.matches("<details>").count(), md.matches("</details>").count(), "{md}");
    assert_eq!(open, 0, "{md}");
}

#[test]
fn no_changes_is_the_summary_alone() {
    let same = diff(Some(&lake()), &lake(), &Registry);
    let md = whole(&[("dev", vec![same.clone()], Refused::new()), ("prod", vec![same], Refused::new())]);
    assert!(!md.contains("<details>"));
    insta::assert_snapshot!(md);
}

#[test]
fn a_new_stack_adds_everything() {
    let md = whole(&[("dev", vec![diff(None, &lake(), &Registry)], Refused::new())]);
    assert!(md.contains("(new stack): 9 to add, 0 to change (0 replace), 0 to destroy"), "{md}");
    assert!(md.contains("- `dev` · `lake`: a new stack with 3 IAM statements\n"), "{md}");
    assert_well_formed(&md);
    insta::assert_snapshot!(md);
}

#[test]
fn a_replaced_queue_is_highlighted_with_what_the_guard_does() {
    let refusing =
        whole(&[("prod", vec![queue_replaced()], refused("lake", "Queue", "unless the queue is empty when deployed"))]);
    assert!(
        refusing.contains("`prod` · `lake` · `Queue`: `AWS::SQS::Queue` **replaced**, it holds messages"),
        "{refusing}"
    );
    assert!(
        refusing.contains("the data-loss guard refuses the deploy unless the queue is empty when deployed"),
        "{refusing}"
    );
    assert_well_formed(&refusing);
    insta::assert_snapshot!(refusing);

    let allowed = whole(&[("prod", vec![queue_replaced()], Refused::new())]);
    assert!(allowed.contains("the data-loss guard lets it through"), "{allowed}");
}

#[test]
fn an_iam_broadening_is_highlighted() {
    let md = whole(&[("dev", vec![iam_broadened()], Refused::new())]);
    assert!(md.contains("IAM broadened: `FunctionRole` gains Allow `s3:*` on `*`"), "{md}");
    assert_well_formed(&md);
    insta::assert_snapshot!(md);
}

#[test]
fn several_environments_each_get_a_row_and_their_own_sections() {
    let dev = vec![named_diff("lake-dev-catalog", &lake(), &lake()), queue_replaced()];
    let prod = vec![iam_broadened()];
    let md = whole(&[("dev", dev, Refused::new()), ("prod", prod, Refused::new())]);
    assert!(md.contains("| `dev` | 1 of 2 |") && md.contains("| `prod` | 1 of 1 |"), "{md}");
    assert_eq!(md.matches("<details>").count(), 2);
    insta::assert_snapshot!(md);
}

fn named_diff(stack: &str, old: &Template, new: &Template) -> TemplateDiff {
    diff(Some(&named(old.clone(), stack)), &named(new.clone(), stack), &Registry)
}

/// Twenty stacks of additions, one replacement that the guard refuses.
fn long_plan() -> Vec<(&'static str, Vec<TemplateDiff>, Refused)> {
    let mut diffs: Vec<TemplateDiff> =
        (0..20).map(|i| diff(None, &named(lake(), &format!("lake-dev-stack-{i:02}")), &Registry)).collect();
    diffs.push(queue_replaced());
    vec![("dev", diffs, refused("lake", "Queue", "unless the queue is empty when deployed"))]
}

#[test]
fn over_the_limit_the_summary_and_the_most_severe_stay_and_the_rest_is_named() {
    let plans = long_plan();
    let full = whole(&plans);
    let options = MarkdownOptions { max_bytes: Some(10_240), full_plan: Some("the build's artifact `plan.md`") };
    let md = markdown(&plans, &options);
    assert!(full.len() > 10_240, "the fixture must be over the limit ({} bytes)", full.len());
    assert!(md.len() <= 10_240, "{} bytes", md.len());
    assert_well_formed(&md);
    assert!(
        md.contains("<code>lake</code>: 0 to add, 4 to change (3 replace)"),
        "the refused replacement stays:\n{md}"
    );
    assert!(md.contains("the full plan is in the build's artifact `plan.md`"), "{md}");
    insta::assert_snapshot!(md);
}

#[test]
fn every_limit_is_kept_with_well_formed_output() {
    // Names as long as the lake's, in two environments, and a long pointer to the full plan.
    let long = |env: &'static str| {
        let diffs = (0..8)
            .map(|i| {
                diff(
                    None,
                    &named(lake(), &format!("anycompany-datalake-{env}-dataset-engineering-legislators-{i}")),
                    &Registry,
                )
            })
            .collect();
        (env, diffs, Refused::new())
    };
    let plans = vec![long("dev"), long("prod"), long_plan().remove(0)];
    let full_plan = "s3://anycompany-datalake-cicd-artifacts/review/".repeat(6);
    let whole_length = whole(&plans).len();
    for max in (512..40_000).step_by(997).chain([512, 513, 600, 1024]) {
        let options = MarkdownOptions { max_bytes: Some(max), full_plan: Some(&full_plan) };
        let md = markdown(&plans, &options);
        assert!(md.len() <= max, "{} bytes over a limit of {max}:\n{md}", md.len());
        assert_well_formed(&md);
        assert!(md.starts_with("## sdlf plan\n"), "{md}");
        if md.len() < whole_length {
            assert!(md.contains("_Left out to stay within"), "says what it left out at {max}:\n{md}");
        }
    }
}
