//! Test support shared by the workspace's test suites.
//!
//! [`cfn_lint`] and [`checkov`] run the pinned scanners over synthesized templates. Both come
//! from `tests/support/tools.sh`, which installs them on first use, so `cargo test` alone works
//! on a fresh machine; `tests/run-all.sh` exports `SDLF_CFN_LINT` and `SDLF_CHECKOV` so
//! nothing is looked up twice.

use std::path::{Path, PathBuf};
use std::process::Command;

pub mod http;

/// The repository root (this crate lives in `infra/testkit`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root exists")
}

/// One cfn-lint finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintFinding {
    pub template: String,
    /// `Error`, `Warning` or `Informational`.
    pub level: String,
    /// e.g. `E3012`.
    pub rule: String,
    pub message: String,
    /// e.g. `Resources/Queue/Properties/VisibilityTimeout`.
    pub path: String,
}

impl std::fmt::Display for LintFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} [{}] {}: {}", self.template, self.level, self.rule, self.path, self.message)
    }
}

/// The cfn-lint executable: `$SDLF_CFN_LINT`, else the one `tests/support/tools.sh` installs.
pub fn cfn_lint_path() -> PathBuf {
    tool_path("SDLF_CFN_LINT", "cfn-lint")
}

/// The checkov executable: `$SDLF_CHECKOV`, else the one `tests/support/tools.sh` installs.
pub fn checkov_path() -> PathBuf {
    tool_path("SDLF_CHECKOV", "checkov")
}

/// `$variable`, else `tools.sh path {tool}` (which installs the tools first when needed).
fn tool_path(variable: &str, tool: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(variable) {
        return PathBuf::from(p);
    }
    let script = repo_root().join("tests/support/tools.sh");
    let out = Command::new("bash")
        .arg(&script)
        .args(["path", tool])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "installing {tool} with {} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).expect("a UTF-8 path").trim())
}

/// Writes templates given as `(name, JSON body)` to `{name}.json` files in `dir`.
fn write_templates(dir: &Path, templates: &[(&str, &str)]) -> Vec<PathBuf> {
    templates
        .iter()
        .map(|(name, body)| {
            let file = dir.join(format!("{name}.json"));
            std::fs::write(&file, body).expect("write template");
            file
        })
        .collect()
}

/// Lints templates given as `(name, JSON body)`; returns every finding, whatever its level.
pub fn cfn_lint(templates: &[(&str, &str)]) -> Vec<LintFinding> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let files = write_templates(dir.path(), templates);
    let out = Command::new(cfn_lint_path())
        .args(["--format", "json", "--regions", "us-east-1", "--"])
        .args(&files)
        .output()
        .expect("cfn-lint runs");
    // Exit codes are a bit mask of the levels found; the JSON report is the source of truth.
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "cfn-lint printed no JSON report ({e}); exit {:?}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    report
        .as_array()
        .expect("cfn-lint reports a list")
        .iter()
        .map(|f| {
            let filename = text(&f["Filename"]);
            LintFinding {
                template: Path::new(&filename)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or(filename),
                level: text(&f["Level"]),
                rule: text(&f["Rule"]["Id"]),
                message: text(&f["Message"]),
                path: f["Location"]["Path"]
                    .as_array()
                    .map(|p| p.iter().map(|s| s.to_string().trim_matches('"').to_owned()).collect::<Vec<_>>().join("/"))
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// One check checkov reports on one resource: failed, or skipped by the resource's
/// `Metadata.checkov.skip`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckovResult {
    pub template: String,
    /// e.g. `CKV_AWS_116`.
    pub check: String,
    /// e.g. `AWS::Lambda::Function.RoutingFunction`.
    pub resource: String,
    /// The check's title.
    pub title: String,
    /// The skip's comment (checkov's `No comment provided` when the skip has none); empty for
    /// a failed check.
    pub comment: String,
}

impl std::fmt::Display for CheckovResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} [{}] {}", self.template, self.resource, self.check, self.title)?;
        if !self.comment.is_empty() {
            write!(f, " -- skipped: {}", self.comment)?;
        }
        Ok(())
    }
}

/// What checkov reports over a set of templates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckovReport {
    pub passed: usize,
    pub failed: Vec<CheckovResult>,
    pub skipped: Vec<CheckovResult>,
    /// Templates checkov could not read (so did not check).
    pub parsing_errors: Vec<String>,
}

/// The comment checkov gives a skip that has none.
pub const CHECKOV_NO_COMMENT: &str = "No comment provided";

/// Runs checkov's CloudFormation checks once over all `templates` (`(name, JSON body)`):
/// checkov takes seconds to start, so one run over a directory, not one per template.
pub fn checkov(templates: &[(&str, &str)]) -> CheckovReport {
    let dir = tempfile::tempdir().expect("temporary directory");
    write_templates(dir.path(), templates);
    let out = Command::new(checkov_path())
        .args(["--directory"])
        .arg(dir.path())
        // Offline: no download of Prisma Cloud's check metadata, no version check.
        .args(["--framework", "cloudformation", "--output", "json", "--compact", "--skip-download"])
        .env("CHECKOV_DISABLE_VERSION_CHECK", "true")
        .output()
        .expect("checkov runs");
    // Exit 1 means failed checks; the JSON report is the source of truth.
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "checkov printed no JSON report ({e}); exit {:?}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    checkov_report(&report)
}

/// Reads checkov's JSON report: one object per framework (a list of them when several ran).
fn checkov_report(report: &serde_json::Value) -> CheckovReport {
    let runs = match report {
        serde_json::Value::Array(runs) => runs.iter().collect(),
        run => vec![run],
    };
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let result = |r: &serde_json::Value| CheckovResult {
        template: Path::new(&text(&r["file_path"]))
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        check: text(&r["check_id"]),
        resource: text(&r["resource"]),
        title: text(&r["check_name"]),
        comment: text(&r["check_result"]["suppress_comment"]),
    };
    let mut out = CheckovReport::default();
    for run in runs {
        let list = |key: &str| run["results"][key].as_array().cloned().unwrap_or_default();
        out.passed += run["summary"]["passed"].as_u64().unwrap_or_default() as usize;
        out.failed.extend(list("failed_checks").iter().map(result));
        out.skipped.extend(list("skipped_checks").iter().map(result));
        out.parsing_errors.extend(list("parsing_errors").iter().map(text));
    }
    out
}

/// A local MiniStack of its own (free port, 127.0.0.1 only), stopped when dropped. Started
/// through `tests/support/ministack.sh`, which installs the pinned MiniStack on first use.
pub struct Emulator {
    pub port: u16,
    pub url: String,
}

impl Emulator {
    pub fn start() -> Emulator {
        let script = repo_root().join("tests/support/ministack.sh");
        let out = Command::new("bash")
            .arg(&script)
            .args(["start", "--port", "0"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        assert!(
            out.status.success(),
            "starting MiniStack with {} failed:\n{}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let url = String::from_utf8(out.stdout).expect("UTF-8").trim().lines().last().unwrap_or_default().to_owned();
        let port = url.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("no port in `{url}`"));
        Emulator { port, url }
    }

    /// One AWS API call against this emulator through boto3 (installed with the emulator), for
    /// tests to look at what the lake did: `call("dynamodb", "get_item", json!({...}))`. The
    /// answer as JSON (dates and bytes as strings); panics with boto3's message on an error.
    pub fn call(&self, service: &str, operation: &str, params: serde_json::Value) -> serde_json::Value {
        const SCRIPT: &str = "import boto3, json, sys\n\
            c = boto3.client(sys.argv[1], endpoint_url=sys.argv[4], region_name='us-east-1',\n\
                             aws_access_key_id='test', aws_secret_access_key='test')\n\
            r = getattr(c, sys.argv[2])(**json.loads(sys.argv[3]))\n\
            r.pop('ResponseMetadata', None)\n\
            body = r.get('Body')\n\
            if body is not None: r['Body'] = body.read().decode('utf-8', 'replace')\n\
            print(json.dumps(r, default=str))\n";
        let python = repo_root().join(".tools/venv/bin/python");
        let out = Command::new(&python)
            .args(["-c", SCRIPT, service, operation, &params.to_string(), &self.url])
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
        assert!(
            out.status.success(),
            "{service}.{operation}({params}) failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("boto3's answer as JSON")
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(repo_root().join("tests/support/ministack.sh"))
            .args(["stop", "--port", &self.port.to_string()])
            .output();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cfn_lint_reports_a_wrong_property_type_with_its_path() {
        let bad = r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": "abc"}}}}"#;
        let good = r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 30}}}}"#;
        let findings = cfn_lint(&[("bad", bad), ("good", good)]);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let f = &findings[0];
        assert_eq!((f.template.as_str(), f.level.as_str(), f.rule.as_str()), ("bad", "Error", "E3012"));
        assert_eq!(f.path, "Resources/Q/Properties/VisibilityTimeout");
    }

    #[test]
    fn checkov_reports_failed_checks_and_skips_with_their_comments() {
        let plain = r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {}}}}"#;
        let skip = |comment: &str| {
            format!(
                r#"{{"Resources": {{"Q": {{"Type": "AWS::SQS::Queue", "Properties": {{}},
                    "Metadata": {{"checkov": {{"skip": [{{"id": "CKV_AWS_27"{comment}}}]}}}}}}}}}}"#
            )
        };
        let (with_reason, without) = (skip(r#", "comment": "because""#), skip(""));
        let report = checkov(&[("plain", plain), ("reason", &with_reason), ("bare", &without)]);
        let failed: Vec<(&str, &str)> = report.failed.iter().map(|r| (r.template.as_str(), r.check.as_str())).collect();
        assert_eq!(failed, [("plain", "CKV_AWS_27")], "{report:#?}");
        assert_eq!(report.failed[0].resource, "AWS::SQS::Queue.Q");
        let mut skipped: Vec<(&str, &str)> =
            report.skipped.iter().map(|r| (r.template.as_str(), r.comment.as_str())).collect();
        skipped.sort();
        assert_eq!(skipped, [("bare", CHECKOV_NO_COMMENT), ("reason", "because")]);
        assert!(report.parsing_errors.is_empty());
    }
}
