//! The example lake as a whole: every stack of every environment synthesizes, passes
//! cfn-lint without a single finding and checkov without a failed check (every skip with the
//! baseline's reason), keeps to the security baseline, deploys in an order derived from its
//! imports, and is pinned by snapshots. The example's `dev` in VPC mode
//! ([`sdlf_pipelines::vpc_lake`]) goes through both scanners too.

use std::collections::BTreeSet;

use sdlf_cfn::SpecLookup;
use sdlf_cfn_types::Registry;
use sdlf_lake::Lake;
use sdlf_lake::assets::StandInFingerprints;
use sdlf_lake::output::{EnvironmentOutput, synth_environment};
use sdlf_lake::stacks::baseline::{self, SCANNER_WAIVERS, Scanner};
use sdlf_lake::stacks::synthesize;

fn env(name: &str) -> EnvironmentOutput {
    synth_environment(&sdlf_pipelines::lake(), name, &StandInFingerprints).expect("the example lake synthesizes")
}

/// The `dev` environment of [`sdlf_pipelines::vpc_lake`].
fn vpc_dev() -> EnvironmentOutput {
    synth_environment(&sdlf_pipelines::vpc_lake(), "dev", &StandInFingerprints).expect("the VPC lake synthesizes")
}

const ENVIRONMENTS: [&str; 4] = ["dev", "test", "prod", "local"];

/// `(name, body)` of every template of `outputs`, each name prefixed with `label` and the
/// environment so that templates of several environments can share one directory.
fn named_templates<'o>(label: &str, outputs: &'o [EnvironmentOutput]) -> Vec<(String, &'o str)> {
    outputs
        .iter()
        .flat_map(|o| {
            o.stacks.iter().map(move |s| (format!("{label}{}-{}", o.environment, s.template_file), s.body.as_str()))
        })
        .collect()
}

#[test]
fn every_stack_of_every_environment_and_of_vpc_mode_passes_cfn_lint_without_findings() {
    let outputs: Vec<EnvironmentOutput> = ENVIRONMENTS.iter().map(|e| env(e)).collect();
    let vpc = [vpc_dev()];
    let mut named = named_templates("", &outputs);
    named.extend(named_templates("vpc-", &vpc));
    let refs: Vec<(&str, &str)> = named.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    let findings = sdlf_testkit::cfn_lint(&refs);
    assert!(
        findings.is_empty(),
        "cfn-lint findings:\n{}",
        findings.iter().map(|f| format!("{f:?}\n")).collect::<String>()
    );
}

#[test]
fn dev_prod_and_vpc_mode_pass_checkov_and_every_skip_is_a_baseline_waiver_with_its_reason() {
    let outputs = [env("dev"), env("prod")];
    let vpc = [vpc_dev()];
    let mut named = named_templates("", &outputs);
    named.extend(named_templates("vpc-", &vpc));
    let refs: Vec<(&str, &str)> = named.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    // One run over all of them: checkov takes seconds to start.
    let report = sdlf_testkit::checkov(&refs);
    assert!(report.parsing_errors.is_empty(), "checkov could not read: {:?}", report.parsing_errors);
    let list = |results: &[sdlf_testkit::CheckovResult]| results.iter().map(|r| format!("  {r}\n")).collect::<String>();
    assert!(report.failed.is_empty(), "checkov failed checks:\n{}", list(&report.failed));
    let waived: BTreeSet<(&str, &str)> =
        SCANNER_WAIVERS.iter().filter(|w| w.scanner == Scanner::Checkov).map(|w| (w.check, w.reason)).collect();
    let unexplained: Vec<_> =
        report.skipped.iter().filter(|r| !waived.contains(&(r.check.as_str(), r.comment.as_str()))).cloned().collect();
    assert!(unexplained.is_empty(), "skips that are not the baseline's waivers:\n{}", list(&unexplained));
    // The waivers are real: without them these checks fail.
    assert!(
        report.skipped.len() > 100 && report.passed > 1000,
        "{} skipped, {} passed",
        report.skipped.len(),
        report.passed
    );
}

/// Every `(scanner, check, reason)` the templates of `lake`'s environments carry in their
/// resources' `Metadata`.
fn waivers_in_templates(lake: &Lake, environments: &[&str], into: &mut BTreeSet<(String, String)>) {
    for e in environments {
        for stack in &synthesize(lake, e, &StandInFingerprints).unwrap().stacks {
            let template = sdlf_cfn::to_json_value(&stack.template);
            for resource in template["Resources"].as_object().unwrap().values() {
                let json = &resource["Metadata"];
                for skip in json["checkov"]["skip"].as_array().into_iter().flatten() {
                    into.insert((
                        skip["id"].as_str().unwrap().to_owned(),
                        skip["comment"].as_str().unwrap().to_owned(),
                    ));
                }
                for rule in json["cfn-lint"]["config"]["ignore_checks"].as_array().into_iter().flatten() {
                    into.insert((rule.as_str().unwrap().to_owned(), String::new()));
                }
            }
        }
    }
}

#[test]
fn every_scanner_waiver_is_needed_by_some_stack_and_listed_in_the_readme() {
    let mut used = BTreeSet::new();
    waivers_in_templates(&sdlf_pipelines::lake(), &ENVIRONMENTS, &mut used);
    waivers_in_templates(&sdlf_pipelines::vpc_lake(), &["dev"], &mut used);
    let readme = std::fs::read_to_string(sdlf_testkit::repo_root().join("README.md")).unwrap();
    for w in SCANNER_WAIVERS {
        let reason = match w.scanner {
            Scanner::Checkov => w.reason.to_owned(),
            Scanner::CfnLint => String::new(),
        };
        assert!(used.contains(&(w.check.to_owned(), reason)), "no stack needs the waiver {w:?}");
        assert!(
            readme.contains(&format!("| `{}`", w.check)) && readme.contains(w.reason),
            "README.md does not list the waiver of {} with its reason: {}",
            w.check,
            w.reason
        );
    }
}

#[test]
fn the_stacks_deploy_foundations_first_then_each_team_before_its_pipelines_and_datasets() {
    let lake = sdlf_pipelines::lake();
    let assembly = synthesize(&lake, "dev", &StandInFingerprints).unwrap();
    let deps = assembly.dependencies().unwrap();
    let f = "anycompany-datalake-dev-foundations";
    let c = "anycompany-datalake-dev-catalog";
    let team = |t: &str| format!("anycompany-datalake-dev-team-{t}");
    let pipeline = |t: &str| format!("anycompany-datalake-dev-pipeline-{t}-main");
    assert!(deps[f].is_empty(), "foundations reads from nobody");
    assert_eq!(deps[c], BTreeSet::from([f]));
    for t in ["engineering", "marketing"] {
        assert_eq!(deps[team(t).as_str()], BTreeSet::from([f]));
        assert_eq!(deps[pipeline(t).as_str()], BTreeSet::from([f, c, team(t).as_str()]));
    }
    for (t, d) in [("engineering", "legislators"), ("marketing", "campaigns")] {
        let dataset = format!("anycompany-datalake-dev-dataset-{t}-{d}");
        assert_eq!(deps[dataset.as_str()], BTreeSet::from([f, c, team(t).as_str(), pipeline(t).as_str()]));
    }
    let order: Vec<&str> = assembly.order().unwrap().into_iter().map(|s| s.name()).collect();
    assert_eq!(
        order,
        [
            f.to_owned(),
            c.to_owned(),
            team("engineering"),
            team("marketing"),
            pipeline("engineering"),
            pipeline("marketing"),
            "anycompany-datalake-dev-dataset-engineering-legislators".to_owned(),
            "anycompany-datalake-dev-dataset-marketing-campaigns".to_owned(),
        ]
    );
}

#[test]
fn every_iam_wildcard_is_on_the_allowlist_and_every_allowlist_entry_is_needed() {
    let allow = baseline::allowlist();
    let mut used = BTreeSet::new();
    let lakes = [(sdlf_pipelines::lake(), &ENVIRONMENTS[..]), (sdlf_pipelines::vpc_lake(), &["dev"][..])];
    for (lake, e) in lakes.iter().flat_map(|(lake, envs)| envs.iter().map(move |e| (lake, *e))) {
        for stack in &synthesize(lake, e, &StandInFingerprints).unwrap().stacks {
            let report = sdlf_policy::audit(&stack.template, &allow);
            assert!(report.is_clean(), "{e}: {report}");
            for a in &report.accepted {
                used.insert(a.reason);
            }
        }
    }
    let unused: Vec<&str> = allow.entries().iter().map(|e| e.reason).filter(|r| !used.contains(r)).collect();
    assert!(unused.is_empty(), "allowlist entries no stack needs: {unused:?}");
}

#[test]
fn data_is_retained_in_aws_accounts_and_deletable_in_local() {
    // Queues hold work in flight, not the lake's data: they go with their stack (the deploy
    // refuses to delete a non-empty one without confirmation).
    let transient = ["AWS::SQS::Queue"];
    for (e, expected) in [("dev", "Retain"), ("prod", "Retain"), ("local", "Delete")] {
        let lake = sdlf_pipelines::lake();
        let mut checked = 0;
        for stack in &synthesize(&lake, e, &StandInFingerprints).unwrap().stacks {
            for (id, r) in &stack.template.resources {
                let holds_data = Registry.spec(&r.type_name).is_some_and(|s| s.holds_data.is_some());
                if !holds_data || transient.contains(&r.type_name.as_str()) {
                    continue;
                }
                checked += 1;
                let policy = |p: Option<sdlf_cfn::DeletionPolicy>| p.map(|p| p.as_str());
                assert_eq!(policy(r.deletion_policy), Some(expected), "{e} {} {id}", stack.name());
                assert_eq!(policy(r.update_replace_policy), Some(expected), "{e} {} {id}", stack.name());
            }
        }
        assert!(checked > 20, "{e}: only {checked} stateful resources");
    }
}

#[test]
fn local_leaves_out_exactly_the_types_the_emulator_rejects_and_aws_environments_nothing() {
    for e in ["dev", "test", "prod"] {
        assert_eq!(env(e).left_out().count(), 0, "{e}");
    }
    let local = env("local");
    let types: BTreeSet<&str> = local.left_out().map(|(_, l)| l.type_name.as_str()).collect();
    assert_eq!(
        types,
        BTreeSet::from([
            "AWS::Glue::DataQualityRuleset",
            "AWS::Glue::SecurityConfiguration",
            "AWS::LakeFormation::DataLakeSettings",
            "AWS::LakeFormation::Permissions",
            "AWS::LakeFormation::Resource",
        ])
    );
    for s in &local.stacks {
        for l in &s.left_out {
            assert!(!s.body.contains(&format!("\"{}\"", l.type_name)), "{} still has {}", s.name, l.type_name);
        }
    }
}

#[test]
fn test_and_prod_differ_from_dev_only_in_environment_account_and_region() {
    let dev = env("dev");
    for (e, account, region) in [("test", "222222222222", "us-east-1"), ("prod", "333333333333", "eu-west-1")] {
        let other = env(e);
        assert_eq!(other.stacks.len(), dev.stacks.len());
        for (d, o) in dev.stacks.iter().zip(&other.stacks) {
            let translated = o
                .body
                .replace(account, "111111111111")
                .replace(region, "us-east-1")
                .replace(&format!("-{e}-"), "-dev-")
                .replace(&format!("/{e}/"), "/dev/")
                .replace(&format!("_{e}_"), "_dev_")
                .replace(&format!("Sdlf{}", capitalized(e)), "SdlfDev")
                .replace(&format!("SDLF {e} "), "SDLF dev ");
            let mismatch = translated.lines().zip(d.body.lines()).enumerate().find(|(_, (a, b))| a != b);
            assert_eq!(mismatch, None, "{e}: {} differs from dev at line (index, (theirs, dev's))", o.name);
            assert_eq!(translated.len(), d.body.len(), "{e}: {}", o.name);
        }
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
}

#[test]
fn the_foundations_template_fits_inline_so_the_first_deploy_needs_no_bucket() {
    // Large templates go through the artifacts bucket, which the foundations stack creates.
    for e in ENVIRONMENTS {
        let out = env(e);
        let f = out.stacks.iter().find(|s| s.name.ends_with("-foundations")).unwrap();
        assert!(!f.needs_upload, "{e}: {} bytes", f.bytes());
        assert!(f.assets.is_empty(), "{e}: the foundations ship no assets (their bucket does not exist yet)");
    }
}

#[test]
fn synthesis_is_deterministic() {
    let a = env("dev");
    let b = env("dev");
    for (x, y) in a.stacks.iter().zip(&b.stacks) {
        assert_eq!(x.body, y.body);
    }
    let lake = sdlf_pipelines::lake();
    assert_eq!(a.manifest(&lake), b.manifest(&lake));
}

#[test]
fn templates_are_pinned_by_snapshots() {
    for e in ["dev", "local"] {
        for s in env(e).stacks {
            let value: serde_json::Value = serde_json::from_str(&s.body).unwrap();
            insta::assert_json_snapshot!(format!("{e}__{}", s.name), value);
        }
    }
}

#[test]
fn the_manifest_lists_stacks_in_order_with_dependencies_parameters_tags_and_assets() {
    let lake = sdlf_pipelines::lake();
    insta::assert_json_snapshot!("manifest_local", env("local").manifest(&lake));
}

#[test]
fn a_lake_of_20_teams_4_pipelines_and_10_datasets_per_team_synthesizes() {
    let lake = sdlf_pipelines::generated_lake(20, 4, 10);
    let out = synth_environment(&lake, "dev", &StandInFingerprints).expect("the generated lake synthesizes");
    assert_eq!(out.stacks.len(), 2 + 20 + 20 * 4 + 20 * 10);
}
