//! `sdlf local`: the whole lake on this machine. Starts the local emulator (installing it on
//! first use), deploys the `local` environment, drops the sample files into the raw bucket,
//! waits for stage A to finish them through the real S3 → SQS → Lambda → Step Functions path,
//! starts stage B at once (instead of on its schedule) and reports what happened.

pub mod report;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use clap::Args;
use sdlf_lake::{Environment, Lake, Layer, Names};
use serde_json::json;

use crate::aws_target::{AwsArgs, LOCAL_ENDPOINT, connect};
use crate::deploy::DeployArgs;
use crate::{CliError, exit, session};
use report::{Batch, Report};

/// Between two looks at the catalog or the executions.
const POLL: Duration = Duration::from_millis(500);

#[derive(Debug, Args)]
pub struct LocalArgs {
    /// Sample files, laid out as `{team}/{dataset}/{file}` (the raw bucket's keys).
    #[arg(long, default_value = "pipelines/samples")]
    pub samples: PathBuf,
    /// Seconds to wait for each stage before reporting what is still running.
    #[arg(long, default_value_t = 180)]
    pub timeout: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &LocalArgs) -> Result<ExitCode, CliError> {
    let (lake, output) = session::synthesize("local")?;
    let env = session::environment(&lake, &output);
    let samples = sample_files(&crate::repo_root().join(&args.samples))?;
    if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        start_emulator()?;
    }
    let deployed = crate::deploy::run(&DeployArgs {
        env: env.name.clone(),
        stacks: Vec::new(),
        exclusively: false,
        yes: true,
        concurrency: 4,
        allow_replace: Vec::new(),
        no_wait: false,
        role_arn: None,
        aws: AwsArgs::default(),
    })?;
    if deployed != ExitCode::from(exit::OK) {
        return Ok(deployed);
    }
    let timeout = Duration::from_secs(args.timeout);
    let report = crate::runtime()?.block_on(flow(&lake, env, &samples, timeout))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report.to_json()).expect("JSON values serialize"));
    } else {
        println!("\n{}", report.render_text());
    }
    Ok(ExitCode::from(exit::OK))
}

/// `tests/support/ministack.sh start` on the local endpoint's port: a no-op when it already
/// runs; installs the pinned emulator on first use.
fn start_emulator() -> Result<(), CliError> {
    let script = crate::repo_root().join("tests/support/ministack.sh");
    // The port of the endpoint the `local` environment talks to.
    let port = LOCAL_ENDPOINT.rsplit(':').next().unwrap_or_default();
    eprintln!("starting the local emulator ({LOCAL_ENDPOINT}) with {}", script.display());
    let status = Command::new("bash")
        .arg(&script)
        .args(["start", "--port", port])
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| CliError::io(&script, e))?;
    if !status.success() {
        return Err(CliError::Usage(format!(
            "the local emulator did not start ({status}); its log: `tests/support/ministack.sh log --port {port}`"
        )));
    }
    Ok(())
}

/// A sample file and its key in the raw bucket.
struct Sample {
    path: PathBuf,
    key: String,
}

/// The files under `dir/{team}/{dataset}/` (sorted, so runs upload in the same order).
fn sample_files(dir: &Path) -> Result<Vec<Sample>, CliError> {
    let mut samples = Vec::new();
    let read = |d: &Path| -> Result<Vec<PathBuf>, CliError> {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(d).map_err(|e| CliError::io(d, e))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        Ok(entries)
    };
    for team in read(dir)?.into_iter().filter(|p| p.is_dir()) {
        for dataset in read(&team)?.into_iter().filter(|p| p.is_dir()) {
            for file in read(&dataset)?.into_iter().filter(|p| p.is_file()) {
                let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                samples.push(Sample { key: format!("{}/{}/{}", name(&team), name(&dataset), name(&file)), path: file });
            }
        }
    }
    if samples.is_empty() {
        return Err(CliError::Usage(format!("no sample files under {}/{{team}}/{{dataset}}/", dir.display())));
    }
    Ok(samples)
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

async fn flow(lake: &Lake, env: &Environment, samples: &[Sample], timeout: Duration) -> Result<Report, CliError> {
    let conn = connect(env, &AwsArgs::default()).await?;
    let names = Names::new(lake, env);
    let (raw, stage) = (names.bucket(Layer::Raw), names.bucket(Layer::Stage));
    let catalog_table = names.lake_resource("catalog");
    // A second early: S3 event times and this clock are compared, at millisecond precision.
    let started = now_millis() - 1000;
    let since = sdlf_lambda_core::timestamp::from_epoch_millis(started);

    let mut uploaded = Vec::new();
    for s in samples {
        let body = std::fs::read(&s.path).map_err(|e| CliError::io(&s.path, e))?;
        conn.lake.put_object(&raw, &s.key, body).await?;
        uploaded.push(format!("s3://{raw}/{}", s.key));
    }
    eprintln!("dropped {} sample files into s3://{raw}/; waiting for stage A", uploaded.len());
    let deadline = Instant::now() + timeout;
    loop {
        let rows = conn.lake.scan(&catalog_table).await?;
        let pending = report::stage_a_pending(&rows, &uploaded, &since);
        if pending.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            eprintln!("stage A has not finished with {} object(s) after {}s:", pending.len(), timeout.as_secs());
            for p in pending {
                eprintln!("  {p}");
            }
            break;
        }
        tokio::time::sleep(POLL).await;
    }

    // Stage B now, not at the next schedule: what the schedule does, by hand.
    let mut batches = Vec::new();
    for team in &lake.teams {
        for dataset in &team.datasets {
            let function = names.pipeline_resource(&team.name, &dataset.pipeline, "routing-b");
            let answer = conn
                .lake
                .invoke(&function, &json!({"team": team.name, "pipeline": dataset.pipeline, "dataset": dataset.name}))
                .await?;
            let started = answer["started"].as_bool() == Some(true);
            batches.push(Batch {
                dataset: format!("{}/{}", team.name, dataset.name),
                pipeline: dataset.pipeline.clone(),
                execution: started.then(|| answer["execution_id"].as_str().unwrap_or_default().to_owned()),
                messages: answer["messages"].as_u64().unwrap_or(0),
                status: None,
            });
        }
    }
    eprintln!("started stage B; waiting for its executions");
    let deadline = Instant::now() + timeout;
    loop {
        for batch in batches.iter_mut().filter(|b| b.execution.is_some() && b.status.is_none()) {
            let team = batch.dataset.split('/').next().unwrap_or_default();
            let machine = names.pipeline_resource(team, &batch.pipeline, "sm-b");
            let executions = conn.lake.executions(&machine).await?;
            let found = executions.iter().find(|e| Some(&e.name) == batch.execution.as_ref());
            if let Some(e) = found.filter(|e| e.status != "RUNNING") {
                batch.status = Some(e.status.clone());
            }
        }
        if batches.iter().all(|b| b.execution.is_none() || b.status.is_some()) {
            break;
        }
        if Instant::now() > deadline {
            eprintln!("stage B is still running after {}s; the report shows it as RUNNING", timeout.as_secs());
            break;
        }
        tokio::time::sleep(POLL).await;
    }

    let mut stage_a = std::collections::BTreeMap::new();
    for team in &lake.teams {
        for pipeline in &team.pipelines {
            let machine = names.pipeline_resource(&team.name, &pipeline.name, "sm-a");
            let executions =
                conn.lake.executions(&machine).await?.into_iter().filter(|e| e.started_millis >= started).collect();
            stage_a.insert(format!("{}/{}", team.name, pipeline.name), executions);
        }
    }
    Ok(Report {
        catalog_table: catalog_table.clone(),
        rows: conn.lake.scan(&catalog_table).await?,
        stage_bucket: stage.clone(),
        stage_objects: conn.lake.list_objects(&stage, "pre-stage/").await?,
        stage_a,
        batches,
    })
}
