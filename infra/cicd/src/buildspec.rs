//! CodeBuild buildspecs (version 0.2) as typed data.
//!
//! A [`Buildspec`] is rendered to the JSON that a CodeBuild project's `Source.BuildSpec` holds
//! (JSON is YAML, which CodeBuild reads) and parsed back from it: the local pipeline runner
//! executes what was rendered into the template, not a second copy.
//!
//! Only the parts of the format the lake's projects use are modelled; anything else in a
//! parsed buildspec is refused, so the runner never silently skips a setting it does not know.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The only buildspec version modelled: all commands of a build run in one shell, so `cd`
/// and `export` carry over from one command (and phase) to the next.
pub const VERSION: &str = "0.2";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Buildspec {
    pub version: String,
    #[serde(default, skip_serializing_if = "Env::is_empty")]
    pub env: Env,
    pub phases: Phases,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<Artifacts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<Cache>,
}

/// `env`: variables set before the first command, and those exported to the pipeline
/// (CodePipeline action variables, e.g. a plan's summary for the approval that follows).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Env {
    /// `bash`: the default shell of Linux images is `sh`, which has no `pipefail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, String>,
    /// Variables CodeBuild sets from Secrets Manager (variable → secret name): tokens reach
    /// the build without being in the template or the project.
    #[serde(default, rename = "secrets-manager", skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets_manager: BTreeMap<String, String>,
    #[serde(default, rename = "exported-variables", skip_serializing_if = "Vec::is_empty")]
    pub exported_variables: Vec<String>,
}

impl Env {
    fn is_empty(&self) -> bool {
        self.shell.is_none()
            && self.variables.is_empty()
            && self.secrets_manager.is_empty()
            && self.exported_variables.is_empty()
    }
}

/// The four phases, run in this order; a phase that is absent is skipped.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phases {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install: Option<Phase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_build: Option<Phase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<Phase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_build: Option<Phase>,
}

/// A phase's name, as CodeBuild reports it (`BatchGetBuilds` phase types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PhaseName {
    Install,
    PreBuild,
    Build,
    PostBuild,
}

impl PhaseName {
    pub const ALL: [PhaseName; 4] = [PhaseName::Install, PhaseName::PreBuild, PhaseName::Build, PhaseName::PostBuild];

    /// The key in the buildspec.
    pub fn key(self) -> &'static str {
        match self {
            PhaseName::Install => "install",
            PhaseName::PreBuild => "pre_build",
            PhaseName::Build => "build",
            PhaseName::PostBuild => "post_build",
        }
    }

    /// The phase type CodeBuild reports.
    pub fn codebuild_type(self) -> &'static str {
        match self {
            PhaseName::Install => "INSTALL",
            PhaseName::PreBuild => "PRE_BUILD",
            PhaseName::Build => "BUILD",
            PhaseName::PostBuild => "POST_BUILD",
        }
    }
}

impl Phases {
    /// The phases present, in CodeBuild's order.
    pub fn in_order(&self) -> impl Iterator<Item = (PhaseName, &Phase)> {
        PhaseName::ALL.into_iter().filter_map(move |name| self.get(name).map(|p| (name, p)))
    }

    pub fn get(&self, name: PhaseName) -> Option<&Phase> {
        match name {
            PhaseName::Install => self.install.as_ref(),
            PhaseName::PreBuild => self.pre_build.as_ref(),
            PhaseName::Build => self.build.as_ref(),
            PhaseName::PostBuild => self.post_build.as_ref(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    /// What happens to the build when a command of this phase fails. Unset, CodeBuild's phase
    /// transitions apply: a failed install or pre_build ends the build, a failed build still
    /// runs post_build.
    #[serde(default, rename = "on-failure", skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<OnFailure>,
    pub commands: Vec<String>,
    /// Run after `commands`, whether they failed or not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub finally: Vec<String>,
}

impl Phase {
    pub fn new<S: Into<String>>(commands: impl IntoIterator<Item = S>) -> Phase {
        Phase { on_failure: None, commands: commands.into_iter().map(Into::into).collect(), finally: Vec::new() }
    }

    pub fn finally<S: Into<String>>(mut self, commands: impl IntoIterator<Item = S>) -> Phase {
        self.finally = commands.into_iter().map(Into::into).collect();
        self
    }

    pub fn on_failure(mut self, on_failure: OnFailure) -> Phase {
        self.on_failure = Some(on_failure);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OnFailure {
    /// Stop the build: the phases after this one are skipped (artifacts are still uploaded).
    Abort,
    /// Go on with the next phase; the build still fails.
    Continue,
}

/// The files handed to the next action (the action's output artifact).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifacts {
    /// Glob patterns relative to `base-directory` (or the source directory); `**/*` for all.
    pub files: Vec<String>,
    #[serde(default, rename = "base-directory", skip_serializing_if = "Option::is_none")]
    pub base_directory: Option<String>,
}

/// Directories kept between builds (CodeBuild restores them before `install` and saves them
/// after the build, with the project's S3 cache).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cache {
    pub paths: Vec<String>,
}

impl Buildspec {
    /// A version 0.2 buildspec run by bash.
    pub fn new(phases: Phases) -> Buildspec {
        Buildspec {
            version: VERSION.to_owned(),
            env: Env { shell: Some("bash".to_owned()), ..Env::default() },
            phases,
            artifacts: None,
            cache: None,
        }
    }

    /// The text CodeBuild reads: pretty JSON, fields in declaration order (same input, same
    /// bytes).
    pub fn render(&self) -> String {
        serde_json::to_string_pretty(self).expect("a buildspec is plain data")
    }

    /// Reads a rendered buildspec back; refuses anything this model does not cover.
    pub fn parse(text: &str) -> Result<Buildspec, BuildspecError> {
        let spec: Buildspec = serde_json::from_str(text).map_err(|e| BuildspecError::Malformed(e.to_string()))?;
        if spec.version != VERSION {
            return Err(BuildspecError::Version(spec.version));
        }
        Ok(spec)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildspecError {
    #[error("the buildspec cannot be read: {0}")]
    Malformed(String),
    #[error("buildspec version {0} is not supported; only {VERSION} is")]
    Version(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Buildspec {
        let mut spec = Buildspec::new(Phases {
            install: Some(Phase::new(["rustup show"])),
            build: Some(Phase::new(["cargo test"]).on_failure(OnFailure::Continue).finally(["echo done"])),
            ..Phases::default()
        });
        spec.env.variables.insert("CARGO_TERM_COLOR".into(), "never".into());
        spec.env.exported_variables.push("PLAN_SUMMARY".into());
        spec.artifacts = Some(Artifacts { files: vec!["**/*".into()], base_directory: Some("plan".into()) });
        spec.cache = Some(Cache { paths: vec!["target/**/*".into()] });
        spec
    }

    #[test]
    fn renders_codebuild_keys_and_parses_back() {
        let spec = sample();
        let text = spec.render();
        for key in ["\"pre_build\"", "\"on-failure\": \"CONTINUE\"", "\"exported-variables\"", "\"base-directory\""] {
            if key == "\"pre_build\"" {
                assert!(!text.contains(key), "absent phases are not rendered");
            } else {
                assert!(text.contains(key), "{key} missing from {text}");
            }
        }
        assert_eq!(Buildspec::parse(&text).unwrap(), spec);
    }

    #[test]
    fn phases_come_in_codebuild_order() {
        let spec = sample();
        let names: Vec<PhaseName> = spec.phases.in_order().map(|(n, _)| n).collect();
        assert_eq!(names, [PhaseName::Install, PhaseName::Build]);
    }

    #[test]
    fn unknown_settings_and_versions_are_refused() {
        let unknown = r#"{"version": "0.2", "phases": {"build": {"commands": ["x"]}}, "reports": {}}"#;
        assert!(matches!(Buildspec::parse(unknown), Err(BuildspecError::Malformed(m)) if m.contains("reports")));
        let old = r#"{"version": "0.1", "phases": {"build": {"commands": ["x"]}}}"#;
        assert_eq!(Buildspec::parse(old), Err(BuildspecError::Version("0.1".into())));
    }
}
