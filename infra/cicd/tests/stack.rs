//! The CI/CD stacks of the example lake: every source option synthesizes, passes cfn-lint with
//! no finding of any level and the IAM audit, and is pinned by a snapshot.

use sdlf_cicd::output::{synth, synth_trust};
use sdlf_cicd::pipeline::{Settings, Source, aws_environments};
use sdlf_cicd::stack::Request;
use sdlf_lake::output::EnvironmentOutput;

const SOURCES: [&str; 4] =
    ["codecommit", "github:anycompany/datalake", "gitlab:anycompany/data/lake", "bitbucket:anycompany/datalake"];

fn cicd(source: &str, home: &str) -> EnvironmentOutput {
    cicd_with(Settings::new(Source::parse(source).unwrap()), home)
}

/// With the review's webhook, as bootstrap synthesizes it once the connection is available.
fn with_webhook(source: &str) -> EnvironmentOutput {
    cicd_with(Settings { review_webhook: true, ..Settings::new(Source::parse(source).unwrap()) }, "dev")
}

fn cicd_with(settings: Settings, home: &str) -> EnvironmentOutput {
    let lake = sdlf_pipelines::lake();
    let home = lake.environment(home).unwrap();
    let targets = if home.is_local() { vec![home] } else { aws_environments(&lake) };
    synth(&Request { lake: &lake, home, targets, settings: &settings }).unwrap()
}

/// Every CI/CD template the options make: each source (with the review's webhook where there
/// is one), the trust stack and the local pipeline, named.
fn every_option() -> Vec<(String, EnvironmentOutput)> {
    let mut outputs: Vec<(String, EnvironmentOutput)> =
        SOURCES.iter().map(|s| (s.replace([':', '/'], "-"), cicd(s, "dev"))).collect();
    outputs.extend(SOURCES[1..3].iter().map(|s| (format!("{}-webhook", s.replace([':', '/'], "-")), with_webhook(s))));
    let lake = sdlf_pipelines::lake();
    outputs.push(("trust-prod".into(), synth_trust(&lake, lake.environment("prod").unwrap(), "111111111111").unwrap()));
    outputs.push(("local".into(), cicd("codecommit", "local")));
    outputs
}

fn bodies(outputs: &[(String, EnvironmentOutput)]) -> Vec<(&str, &str)> {
    outputs.iter().map(|(name, o)| (name.as_str(), o.stacks[0].body.as_str())).collect()
}

#[test]
fn every_source_option_is_lint_clean() {
    let outputs = every_option();
    let findings = sdlf_testkit::cfn_lint(&bodies(&outputs));
    assert!(
        findings.is_empty(),
        "cfn-lint:\n{}",
        findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
    );
    for (name, o) in outputs.iter().filter(|(name, _)| SOURCES.iter().any(|s| *name == s.replace([':', '/'], "-"))) {
        assert!(!o.stacks[0].needs_upload, "{name}: the CI/CD template must fit inline (its bucket comes with it)");
        assert!(o.stacks[0].left_out.is_empty(), "{name}");
    }
}

#[test]
fn every_option_passes_checkov_and_every_skip_has_a_reason() {
    let outputs = every_option();
    let report = sdlf_testkit::checkov(&bodies(&outputs));
    let list = |results: &[sdlf_testkit::CheckovResult]| results.iter().map(|r| format!("  {r}\n")).collect::<String>();
    assert!(report.parsing_errors.is_empty(), "checkov could not read: {:?}", report.parsing_errors);
    assert!(report.failed.is_empty(), "checkov failed checks:\n{}", list(&report.failed));
    let bare: Vec<_> =
        report.skipped.iter().filter(|r| r.comment == sdlf_testkit::CHECKOV_NO_COMMENT).cloned().collect();
    assert!(bare.is_empty(), "skips without a reason:\n{}", list(&bare));
    assert!(report.passed > 100, "{} passed", report.passed);
}

/// Indented for review (the deployed body of a large template is compact; same JSON).
fn pretty(o: &EnvironmentOutput) -> String {
    let value: serde_json::Value = serde_json::from_str(&o.stacks[0].body).unwrap();
    serde_json::to_string_pretty(&value).unwrap()
}

#[test]
fn snapshots() {
    insta::assert_snapshot!("codecommit", pretty(&cicd("codecommit", "dev")));
    insta::assert_snapshot!("github", pretty(&with_webhook("github:anycompany/datalake")));
    let lake = sdlf_pipelines::lake();
    let trust = synth_trust(&lake, lake.environment("prod").unwrap(), "111111111111").unwrap();
    insta::assert_snapshot!("trust-prod", pretty(&trust));
}

#[test]
fn locally_the_services_the_emulator_lacks_are_left_out_and_listed() {
    let local = cicd("codecommit", "local");
    let left: Vec<(&str, &str)> =
        local.stacks[0].left_out.iter().map(|l| (l.logical_id.as_str(), l.type_name.as_str())).collect();
    assert_eq!(left, [("Repository", "AWS::CodeCommit::Repository"), ("Pipeline", "AWS::CodePipeline::Pipeline")]);
    let body = &local.stacks[0].body;
    assert!(body.contains("AWS::CodeBuild::Project"));
    let github = cicd("github:anycompany/datalake", "local");
    let left: Vec<&str> = github.stacks[0].left_out.iter().map(|l| l.type_name.as_str()).collect();
    assert_eq!(left, ["AWS::CodeConnections::Connection", "AWS::CodePipeline::Pipeline"]);
}

#[test]
fn environments_in_other_accounts_are_reached_through_their_deployment_role() {
    let body = cicd("codecommit", "dev").stacks[0].body.clone();
    // dev is this account: its execution role is here; test and prod are assumed there.
    assert!(body.contains("anycompany-datalake-cicd-dev-execution"));
    assert!(!body.contains("\"RoleName\": \"anycompany-datalake-cicd-prod-execution\""));
    assert!(body.contains("arn:${AWS::Partition}:iam::333333333333:role/anycompany-datalake-cicd-prod-deployment"));
}

#[test]
fn an_environment_named_like_the_cicd_is_refused() {
    let mut lake = sdlf_pipelines::lake();
    lake.environments.push(sdlf_lake::Environment::aws("cicd", "444444444444", "us-east-1"));
    let settings = Settings::new(Source::CodeCommit);
    let home = lake.environment("dev").unwrap();
    let err = synth(&Request { lake: &lake, home, targets: vec![home], settings: &settings }).unwrap_err();
    assert!(err.to_string().contains("environment named `cicd`"), "{err}");
}

fn resources(o: &EnvironmentOutput) -> serde_json::Value {
    let value: serde_json::Value = serde_json::from_str(&o.stacks[0].body).unwrap();
    value["Resources"].clone()
}

/// Every action the role's inline policies allow.
fn allowed_actions(role: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for policy in role["Properties"]["Policies"].as_array().unwrap() {
        for statement in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
            match &statement["Action"] {
                serde_json::Value::String(a) => out.push(a.clone()),
                serde_json::Value::Array(list) => out.extend(list.iter().map(|a| a.as_str().unwrap().to_owned())),
                _ => {}
            }
        }
    }
    out
}

const WRITES: [&str; 6] = [
    "cloudformation:ExecuteChangeSet",
    "cloudformation:DeleteStack",
    "cloudformation:UpdateTerminationProtection",
    "cloudformation:CancelUpdateStack",
    "iam:PassRole",
    "sts:AssumeRole",
];

#[test]
fn a_codecommit_pull_request_starts_the_review_build_with_its_id_and_commits() {
    let r = resources(&cicd("codecommit", "dev"));
    let rule = &r["ReviewRule"]["Properties"];
    assert_eq!(rule["EventPattern"]["detail-type"][0], "CodeCommit Pull Request State Change");
    assert_eq!(
        rule["EventPattern"]["detail"]["event"],
        serde_json::json!(["pullRequestCreated", "pullRequestSourceBranchUpdated"])
    );
    assert_eq!(rule["EventPattern"]["detail"]["destinationReference"][0], "refs/heads/main");
    let target = &rule["Targets"][0];
    assert_eq!(target["Arn"], serde_json::json!({"Fn::GetAtt": ["ReviewProject", "Arn"]}));
    let template: serde_json::Value =
        serde_json::from_str(target["InputTransformer"]["InputTemplate"].as_str().unwrap()).unwrap();
    assert_eq!(template["sourceVersion"], "<source>");
    assert_eq!(template["environmentVariablesOverride"][0]["name"], "SDLF_PULL_REQUEST");
    assert_eq!(target["InputTransformer"]["InputPathsMap"]["pullRequest"], "$.detail.pullRequestId");
    assert_eq!(r["ReviewProject"]["Properties"]["Source"]["Type"], "CODECOMMIT");
    assert_eq!(r["ReviewProject"]["Properties"]["Artifacts"]["Type"], "S3");
}

#[test]
fn the_review_role_may_plan_and_comment_but_change_nothing() {
    for source in ["codecommit", "github:anycompany/datalake"] {
        let r = resources(&cicd(source, "dev"));
        let actions = allowed_actions(&r["ReviewBuildRole"]);
        assert!(actions.iter().any(|a| a == "cloudformation:CreateChangeSet"), "{source}: {actions:?}");
        let assumes: Vec<String> = r["ReviewBuildRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["Action"] == "sts:AssumeRole")
            .map(|s| s["Resource"].to_string())
            .collect();
        assert!(assumes.iter().all(|a| a.contains("-review")), "{source}: only review roles elsewhere: {assumes:?}");
        for write in &WRITES[..5] {
            assert!(!actions.iter().any(|a| a == write), "{source}: the review role must not {write}");
        }
    }
    let lake = sdlf_pipelines::lake();
    let trust = resources(&synth_trust(&lake, lake.environment("prod").unwrap(), "111111111111").unwrap());
    let actions = allowed_actions(&trust["ReviewRole"]);
    assert!(actions.iter().any(|a| a == "cloudformation:DescribeChangeSet"), "{actions:?}");
    for write in WRITES {
        assert!(!actions.iter().any(|a| a == write), "prod's review role must not {write}");
    }
    let trusted = trust["ReviewRole"]["Properties"]["AssumeRolePolicyDocument"].to_string();
    assert!(trusted.contains("anycompany-datalake-cicd-review-build"), "{trusted}");
}

#[test]
fn a_connection_gets_the_webhook_only_once_it_is_available_and_bitbucket_has_no_review() {
    let pending = resources(&cicd("github:anycompany/datalake", "dev"));
    assert!(pending["ReviewProject"]["Properties"].get("Triggers").is_none());
    let available = resources(&with_webhook("gitlab:anycompany/data/lake"));
    let project = &available["ReviewProject"]["Properties"];
    assert_eq!(project["Source"]["Type"], "GITLAB");
    assert_eq!(project["Source"]["Location"], "https://gitlab.com/anycompany/data/lake.git");
    assert_eq!(project["Source"]["Auth"]["Type"], "CODECONNECTIONS");
    let triggers = &project["Triggers"];
    assert_eq!(triggers["Webhook"], true);
    assert_eq!(triggers["FilterGroups"][0][1], serde_json::json!({"Type": "BASE_REF", "Pattern": "^refs/heads/main$"}));
    assert_eq!(triggers["PullRequestBuildPolicy"]["RequiresCommentApproval"], "FORK_PULL_REQUESTS");
    let spec = project["Source"]["BuildSpec"].as_str().unwrap();
    assert!(spec.contains("\"GITLAB_TOKEN\": \"anycompany-datalake-cicd/review-token\""), "{spec}");
    let token = available["ReviewBuildRole"].to_string();
    assert!(token.contains("secret:anycompany-datalake-cicd/review-token-??????"), "{token}");
    let bitbucket = resources(&cicd("bitbucket:anycompany/datalake", "dev"));
    assert!(bitbucket.get("ReviewProject").is_none() && bitbucket.get("ReviewBuildRole").is_none());
}
