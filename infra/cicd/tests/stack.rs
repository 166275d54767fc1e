//! The CI/CD stacks of the example lake: every source option synthesizes, passes cfn-lint with
//! no finding of any level and the IAM audit, and is pinned by a snapshot.

use sdlf_cicd::output::{synth, synth_trust};
use sdlf_cicd::pipeline::{Settings, Source, aws_environments};
use sdlf_cicd::stack::Request;
use sdlf_lake::output::EnvironmentOutput;

const SOURCES: [&str; 4] =
    ["codecommit", "github:anycompany/datalake", "gitlab:anycompany/data/lake", "bitbucket:anycompany/datalake"];

fn cicd(source: &str, home: &str) -> EnvironmentOutput {
    let lake = sdlf_pipelines::lake();
    let settings = Settings::new(Source::parse(source).unwrap());
    let home = lake.environment(home).unwrap();
    let targets = if home.is_local() { vec![home] } else { aws_environments(&lake) };
    synth(&Request { lake: &lake, home, targets, settings: &settings }).unwrap()
}

#[test]
fn every_source_option_is_lint_clean() {
    let outputs: Vec<(String, EnvironmentOutput)> =
        SOURCES.iter().map(|s| (s.replace([':', '/'], "-"), cicd(s, "dev"))).collect();
    let lake = sdlf_pipelines::lake();
    let trust = synth_trust(&lake, lake.environment("prod").unwrap(), "111111111111").unwrap();
    let local = cicd("codecommit", "local");
    let mut templates: Vec<(String, &str)> =
        outputs.iter().map(|(name, o)| (name.clone(), o.stacks[0].body.as_str())).collect();
    templates.push(("trust-prod".into(), &trust.stacks[0].body));
    templates.push(("local".into(), &local.stacks[0].body));
    let refs: Vec<(&str, &str)> = templates.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    let findings = sdlf_testkit::cfn_lint(&refs);
    assert!(
        findings.is_empty(),
        "cfn-lint:\n{}",
        findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
    );
    for (name, o) in &outputs {
        assert!(!o.stacks[0].needs_upload, "{name}: the CI/CD template must fit inline (its bucket comes with it)");
        assert!(o.stacks[0].left_out.is_empty(), "{name}");
    }
}

/// Indented for review (the deployed body of a large template is compact; same JSON).
fn pretty(o: &EnvironmentOutput) -> String {
    let value: serde_json::Value = serde_json::from_str(&o.stacks[0].body).unwrap();
    serde_json::to_string_pretty(&value).unwrap()
}

#[test]
fn snapshots() {
    insta::assert_snapshot!("codecommit", pretty(&cicd("codecommit", "dev")));
    insta::assert_snapshot!("github", pretty(&cicd("github:anycompany/datalake", "dev")));
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
