//! `sdlf local`: the whole lake on this machine. Starts the local emulator (installing it on
//! first use), deploys the `local` environment, then runs `sdlf_local`'s flow — the sample
//! files through the real S3 → SQS → Lambda → Step Functions path of stage A and, at once
//! instead of on its schedule, stage B — and prints its report.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use crate::aws_target::{AwsArgs, LOCAL_ENDPOINT, connect};
use crate::console::Console;
use crate::deploy::DeployArgs;
use crate::{CliError, exit, session};

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
    /// Stop the emulator `sdlf local` uses (at --endpoint-url, else AWS_ENDPOINT_URL, else
    /// 127.0.0.1:4566) instead.
    #[arg(long, conflicts_with = "status")]
    pub stop: bool,
    /// Say whether the emulator `sdlf local` uses runs (exit 0) or not (exit 1) instead.
    #[arg(long)]
    pub status: bool,
}

pub fn run(args: &LocalArgs, aws: &AwsArgs, console: &Console) -> Result<ExitCode, CliError> {
    let root = crate::project_root()?;
    let endpoint = aws
        .endpoint_url
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .unwrap_or_else(|| LOCAL_ENDPOINT.to_owned());
    if args.stop {
        sdlf_local::emulator::stop(&root, &endpoint)?;
        console.line(&format!("stopped: {endpoint}"));
        return Ok(ExitCode::from(exit::OK));
    }
    if args.status {
        let (running, said) = sdlf_local::emulator::status(&root, &endpoint)?;
        console.line(&said);
        return Ok(ExitCode::from(if running { exit::OK } else { exit::CHANGES }));
    }
    let (lake, output) = session::synthesize("local")?;
    let env = session::environment(&lake, &output);
    let samples = sdlf_local::sample_files(&root.join(&args.samples))?;
    // An emulator already answering is used however it was started; on this machine, one is
    // started when none answers (elsewhere, connecting fails and says what to do).
    if !sdlf_local::emulator::answers(&endpoint) && sdlf_local::emulator::is_loopback(&endpoint) {
        sdlf_local::emulator::start(&root, &endpoint)?;
    }
    let deployed = crate::deploy::run(
        &DeployArgs {
            env: Some(env.name.clone()),
            stacks: Vec::new(),
            exclusively: false,
            yes: true,
            concurrency: 4,
            allow_replace: Vec::new(),
            no_wait: false,
            role_arn: None,
            json: false,
            aws: aws.clone(),
            compact: true,
        },
        console,
    )?;
    if deployed != ExitCode::from(exit::OK) {
        return Ok(deployed);
    }
    let report = crate::runtime()?.block_on(async {
        let conn = connect(env, aws).await?;
        let progress = |line: &str| console.error(line);
        let run = sdlf_local::flow::Run {
            lake: &lake,
            env,
            data: &conn.lake,
            timeout: Duration::from_secs(args.timeout),
            now_millis: now_millis(),
            progress: &progress,
        };
        Ok::<_, CliError>(sdlf_local::run(&run, &samples).await?)
    })?;
    console.print(&if args.json {
        crate::to_json_text(&report.to_json())
    } else {
        format!("\n{}\n", report.render_text())
    });
    // A run that left something without an outcome did not do its job, whatever it printed.
    let unfinished = report.unfinished();
    if unfinished.is_empty() {
        return Ok(ExitCode::from(exit::OK));
    }
    console.error(&format!("\nNot finished within --timeout {} s:", args.timeout));
    for u in &unfinished {
        console.error(&format!("  {u}"));
    }
    console.error("Look at the functions' logs on the emulator, or run again with a longer --timeout.");
    Ok(ExitCode::from(exit::FAILED))
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
