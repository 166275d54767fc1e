//! Test support shared by the workspace's test suites.
//!
//! [`cfn_lint`] runs the pinned cfn-lint over synthesized templates. cfn-lint comes from
//! `tests/support/tools.sh`, which installs it on first use, so `cargo test` alone works on a
//! fresh machine; `tests/run-all.sh` exports `SDLF_CFN_LINT` so nothing is looked up twice.

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
    if let Some(p) = std::env::var_os("SDLF_CFN_LINT") {
        return PathBuf::from(p);
    }
    let script = repo_root().join("tests/support/tools.sh");
    let out = Command::new("bash")
        .arg(&script)
        .args(["path", "cfn-lint"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "installing cfn-lint with {} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).expect("a UTF-8 path").trim())
}

/// Lints templates given as `(name, JSON body)`; returns every finding, whatever its level.
pub fn cfn_lint(templates: &[(&str, &str)]) -> Vec<LintFinding> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let files: Vec<PathBuf> = templates
        .iter()
        .map(|(name, body)| {
            let file = dir.path().join(format!("{name}.json"));
            std::fs::write(&file, body).expect("write template");
            file
        })
        .collect();
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
}
