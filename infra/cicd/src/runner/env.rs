//! The build's environment: what the shell starts with on top of the runner's own process
//! environment.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

use super::BuildRequest;

/// `CODEBUILD_BUILD_SUCCEEDING`: `1` while the build succeeds, `0` once it is failing
/// (CodeBuild user guide, "Environment variables in build environments").
pub(super) const SUCCEEDING: &str = "CODEBUILD_BUILD_SUCCEEDING";

/// The variables set over the inherited process environment, later entries winning.
///
/// Precedence, lowest first (CodeBuild buildspec reference, `env/variables`: "the value in the
/// start build operation call takes highest precedence, the build project definition next, the
/// buildspec declaration lowest"): the process environment, the buildspec's `env.variables`,
/// the project's variables, the per-build overrides (what a CodePipeline action's
/// EnvironmentVariables are). The `CODEBUILD_` prefix is reserved for CodeBuild itself (same
/// page), so the built-in variables come last and cannot be overridden.
pub(super) fn compose(request: &BuildRequest, build_id: &str) -> Vec<(String, String)> {
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for layer in [&request.buildspec.env.variables, &request.project_variables, &request.override_variables] {
        vars.extend(layer.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    vars.extend(builtin(request, build_id));
    vars.into_iter().collect()
}

/// The documented `CODEBUILD_*` variables that mean something on this machine. Left out: the
/// image, KMS key, log path, public URL and the ARN (no account or region locally).
fn builtin(request: &BuildRequest, build_id: &str) -> Vec<(String, String)> {
    let mut vars = vec![
        ("CODEBUILD_SRC_DIR".to_owned(), request.source_dir.display().to_string()),
        ("CODEBUILD_BUILD_ID".to_owned(), build_id.to_owned()),
        ("CODEBUILD_BUILD_NUMBER".to_owned(), request.build_number.to_string()),
        ("CODEBUILD_INITIATOR".to_owned(), request.initiator.clone()),
        (SUCCEEDING.to_owned(), "1".to_owned()),
        ("CODEBUILD_START_TIME".to_owned(), start_time_millis().to_string()),
    ];
    // Secondary sources: `CODEBUILD_SRC_DIR_<sourceIdentifier>` (same guide page).
    for (id, dir) in &request.secondary_sources {
        vars.push((format!("CODEBUILD_SRC_DIR_{id}"), dir.display().to_string()));
    }
    // For a CodePipeline source this is the revision CodePipeline passed; unset when there is
    // none (same guide page).
    if let Some(version) = &request.source_version {
        vars.push(("CODEBUILD_RESOLVED_SOURCE_VERSION".to_owned(), version.clone()));
        vars.push(("CODEBUILD_SOURCE_VERSION".to_owned(), version.clone()));
    }
    vars
}

fn start_time_millis() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0)
}

/// `project:uuid`, like CodeBuild's build ids. The uuid part is derived from the inputs
/// (project, build number, source version, source dir), so the same build gets the same id
/// and log lines of two runs compare.
pub(super) fn build_id(request: &BuildRequest) -> String {
    let half = |salt: u8| {
        let mut h = DefaultHasher::new();
        (salt, &request.project, request.build_number, &request.source_version, &request.source_dir).hash(&mut h);
        h.finish()
    };
    let (a, b) = (half(1), half(2));
    format!(
        "{}:{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        request.project,
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// A name that can be written into the shell unquoted: `[A-Za-z_][A-Za-z0-9_]*`.
pub(super) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
