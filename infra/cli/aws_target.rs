//! From the command line's AWS flags and the environment to a connection — and the check
//! that the credentials belong to the environment's account.

use clap::Args;
use sdlf_aws::{Connection, Target};
use sdlf_lake::Environment;

use crate::CliError;

/// Where the local emulator listens unless `--endpoint-url` or `AWS_ENDPOINT_URL` says
/// otherwise (`tests/support/ministack.sh start` uses it).
pub const LOCAL_ENDPOINT: &str = "http://127.0.0.1:4566";

#[derive(Debug, Args, Clone, Default)]
pub struct AwsArgs {
    /// Named profile of the AWS config (else AWS_PROFILE, else the default chain).
    #[arg(long)]
    pub profile: Option<String>,
    /// Region (else AWS_REGION or the profile's; else the environment's region).
    #[arg(long)]
    pub region: Option<String>,
    /// Endpoint for every AWS service, e.g. a local emulator (else AWS_ENDPOINT_URL).
    #[arg(long)]
    pub endpoint_url: Option<String>,
}

/// Connects for `env`; the `local` environment always goes to the emulator.
pub async fn connect(env: &Environment, args: &AwsArgs) -> Result<Connection, CliError> {
    let local = env.is_local();
    let endpoint_url = args
        .endpoint_url
        .clone()
        .or_else(|| local.then(|| std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| LOCAL_ENDPOINT.to_owned())));
    let target = Target {
        profile: args.profile.clone(),
        region: args.region.clone().or_else(|| local.then(|| env.region().to_owned())),
        default_region: env.region().to_owned(),
        endpoint_url,
        emulator: local,
    };
    let conn = sdlf_aws::connect(&target).await;
    let account = conn.account().await.map_err(|e| CliError::Connect {
        env: env.name.clone(),
        endpoint: target.endpoint_url.clone(),
        error: e,
    })?;
    if account != env.account() {
        return Err(CliError::WrongAccount {
            env: env.name.clone(),
            expected: env.account().to_owned(),
            actual: account,
        });
    }
    if conn.region != env.region() {
        return Err(CliError::WrongRegion {
            env: env.name.clone(),
            expected: env.region().to_owned(),
            actual: conn.region.clone(),
        });
    }
    Ok(conn)
}
