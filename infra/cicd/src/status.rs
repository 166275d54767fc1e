//! `bootstrap --status` and `--wait`: the pipeline's state as CodePipeline reports it, behind a
//! small interface (implemented with the CodePipeline and CodeConnections APIs in `sdlf-aws`;
//! no emulator implements GetPipelineState, so the tests use an in-memory one), and the
//! rendering, which is pure.

use std::fmt::Write as _;
use std::future::Future;
use std::time::Duration;

use sdlf_deploy::api::ApiError;

/// One stage's latest state (GetPipelineState).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageState {
    pub name: String,
    /// `InProgress`, `Succeeded`, `Failed`, `Stopped`, `Cancelled`, …; `None` before it ever ran.
    pub status: Option<String>,
    pub actions: Vec<ActionState>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionState {
    pub name: String,
    pub status: Option<String>,
    /// The action's summary or error message.
    pub message: Option<String>,
}

/// One pipeline execution (ListPipelineExecutions / GetPipelineExecution).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    pub id: String,
    /// `InProgress`, `Stopping`, `Stopped`, `Succeeded`, `Superseded`, `Failed`.
    pub status: String,
    /// RFC 3339.
    pub started: Option<String>,
    pub trigger: Option<String>,
}

impl Execution {
    pub fn is_finished(&self) -> bool {
        !matches!(self.status.as_str(), "InProgress" | "Stopping")
    }
}

/// CodePipeline, as `--status` and `--wait` use it.
pub trait Pipelines: Sync {
    /// `None` when the pipeline does not exist.
    fn state(&self, pipeline: &str) -> impl Future<Output = Result<Option<Vec<StageState>>, ApiError>> + Send;
    /// The most recent execution, if any.
    fn latest_execution(&self, pipeline: &str) -> impl Future<Output = Result<Option<Execution>, ApiError>> + Send;
    fn execution(&self, pipeline: &str, id: &str) -> impl Future<Output = Result<Execution, ApiError>> + Send;
}

/// The connection's state: `PENDING` until a person completes the handshake, then
/// `AVAILABLE` (or `ERROR`).
pub trait Connections: Sync {
    fn status(&self, arn: &str) -> impl Future<Output = Result<Option<String>, ApiError>> + Send;
}

/// What `--status` prints.
pub fn render(
    pipeline: &str,
    stages: Option<&[StageState]>,
    latest: Option<&Execution>,
    connection: Option<&str>,
) -> String {
    let mut out = String::new();
    if let Some(status) = connection {
        let _ = write!(out, "connection: {status}");
        if status == "PENDING" {
            out.push_str(" (complete the handshake in the console: Developer Tools → Settings → Connections)");
        }
        out.push('\n');
    }
    let Some(stages) = stages else {
        let _ = writeln!(out, "pipeline {pipeline}: not deployed (run `cargo run -p bootstrap`)");
        return out;
    };
    match latest {
        Some(e) => {
            let started = e.started.as_deref().map(|s| format!(", started {s}")).unwrap_or_default();
            let trigger = e.trigger.as_deref().map(|t| format!(", by {t}")).unwrap_or_default();
            let _ = writeln!(out, "pipeline {pipeline}: latest execution {} {}{started}{trigger}", e.id, e.status);
        }
        None => {
            let _ = writeln!(out, "pipeline {pipeline}: no execution yet");
        }
    }
    let width = stages.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for stage in stages {
        let _ = writeln!(out, "  {:<width$}  {}", stage.name, stage.status.as_deref().unwrap_or("never run"));
        for action in &stage.actions {
            let message = action.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:<width$}    {} {}{message}",
                "",
                action.name,
                action.status.as_deref().unwrap_or("never run")
            );
        }
    }
    out
}

/// Follows execution `id` until it ends, calling `progress` with each new state; returns the
/// final execution.
pub async fn follow<P: Pipelines>(
    api: &P,
    pipeline: &str,
    id: &str,
    poll: Duration,
    mut progress: impl FnMut(&Execution, Option<&[StageState]>),
) -> Result<Execution, ApiError> {
    let mut last: Option<(String, Option<Vec<StageState>>)> = None;
    loop {
        let execution = api.execution(pipeline, id).await?;
        // GetPipelineState shows the latest execution's stages: only worth showing for it.
        let stages = api.state(pipeline).await.ok().flatten();
        let seen = (execution.status.clone(), stages.clone());
        if last.as_ref() != Some(&seen) {
            progress(&execution, stages.as_deref());
            last = Some(seen);
        }
        if execution.is_finished() {
            return Ok(execution);
        }
        tokio::time::sleep(poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(name: &str, status: Option<&str>, action: (&str, Option<&str>, Option<&str>)) -> StageState {
        StageState {
            name: name.into(),
            status: status.map(Into::into),
            actions: vec![ActionState {
                name: action.0.into(),
                status: action.1.map(Into::into),
                message: action.2.map(Into::into),
            }],
        }
    }

    #[test]
    fn status_shows_each_stage_and_action_and_a_pending_connection() {
        let stages = [
            stage("Source", Some("Succeeded"), ("Source", Some("Succeeded"), Some("abc123: README"))),
            stage(
                "Test",
                Some("Failed"),
                ("Test", Some("Failed"), Some("Error while executing command: tests/run-all.sh")),
            ),
            stage("Plan", None, ("Plan-dev", None, None)),
        ];
        let latest = Execution {
            id: "e-1".into(),
            status: "Failed".into(),
            started: Some("2026-12-02T10:00:00Z".into()),
            trigger: Some("StartPipelineExecution".into()),
        };
        insta::assert_snapshot!(render("acme-lake", Some(&stages), Some(&latest), Some("PENDING")));
        assert_eq!(
            render("acme-lake", None, None, None),
            "pipeline acme-lake: not deployed (run `cargo run -p bootstrap`)\n"
        );
    }

    /// CodePipeline in memory (no emulator implements GetPipelineState): each call to
    /// `execution` moves the execution one status along.
    struct Scripted(std::sync::Mutex<Vec<&'static str>>);

    impl Pipelines for Scripted {
        async fn state(&self, _: &str) -> Result<Option<Vec<StageState>>, ApiError> {
            Ok(Some(vec![stage("Deploy-dev", Some("InProgress"), ("Deploy-dev", Some("InProgress"), None))]))
        }
        async fn latest_execution(&self, _: &str) -> Result<Option<Execution>, ApiError> {
            Ok(None)
        }
        async fn execution(&self, _: &str, id: &str) -> Result<Execution, ApiError> {
            let mut left = self.0.lock().unwrap();
            let status = if left.len() > 1 { left.remove(0) } else { left[0] };
            Ok(Execution { id: id.into(), status: status.into(), started: None, trigger: None })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn follow_reports_each_change_once_and_returns_the_final_state() {
        let api = Scripted(std::sync::Mutex::new(vec!["InProgress", "InProgress", "InProgress", "Failed"]));
        let mut seen = Vec::new();
        let done = follow(&api, "p", "e-1", Duration::from_secs(10), |e, _| seen.push(e.status.clone())).await.unwrap();
        assert_eq!(done.status, "Failed");
        assert_eq!(seen, ["InProgress", "Failed"]);
    }
}
