//! From the command line's AWS flags and the environment to a connection — and the check
//! that the credentials belong to the environment's account.

use std::collections::BTreeMap;

use clap::Args;
use sdlf_aws::{Connection, Target};
use sdlf_lake::Environment;
use sdlf_lambda_core::contract::env::EMULATOR_ENDPOINT_PARAMETER;

use crate::CliError;

/// Where the local emulator listens unless `--endpoint-url` or `AWS_ENDPOINT_URL` says
/// otherwise (`tests/support/ministack.sh start` uses it).
pub const LOCAL_ENDPOINT: &str = "http://127.0.0.1:4566";

pub const PROFILE_HELP: &str = "Named profile of the AWS config (else AWS_PROFILE, else the default chain)";
pub const REGION_HELP: &str = "Region (else AWS_REGION or the profile's; else the environment's region)";
pub const ENDPOINT_URL_HELP: &str = "Endpoint for every AWS service, e.g. a local emulator (else AWS_ENDPOINT_URL)";

/// The AWS flags (`sdlf` takes them as global flags, see `Globals`; `bootstrap` as its own).
#[derive(Debug, Args, Clone, Default)]
pub struct AwsArgs {
    #[arg(long, value_name = "PROFILE", help = PROFILE_HELP)]
    pub profile: Option<String>,
    #[arg(long, value_name = "REGION", help = REGION_HELP)]
    pub region: Option<String>,
    #[arg(long, value_name = "URL", help = ENDPOINT_URL_HELP)]
    pub endpoint_url: Option<String>,
}

/// The endpoint of every service: the flag's, else for `local` the emulator's
/// (`AWS_ENDPOINT_URL`, else [`LOCAL_ENDPOINT`]); else none (the SDK's own resolution).
fn endpoint_url(env: &Environment, args: &AwsArgs) -> Option<String> {
    args.endpoint_url.clone().or_else(|| {
        env.is_local().then(|| std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| LOCAL_ENDPOINT.to_owned()))
    })
}

/// The template parameters a deploy or a diff's change set gives: for `local`, the emulator's
/// endpoint, which the functions call back (each stack gets those its template declares).
pub fn stack_parameters(env: &Environment, args: &AwsArgs) -> BTreeMap<String, String> {
    match endpoint_url(env, args) {
        Some(url) if env.is_local() => BTreeMap::from([(EMULATOR_ENDPOINT_PARAMETER.to_owned(), url)]),
        _ => BTreeMap::new(),
    }
}

/// Connects for `env`; the `local` environment always goes to the emulator.
pub async fn connect(env: &Environment, args: &AwsArgs) -> Result<Connection, CliError> {
    let local = env.is_local();
    let endpoint_url = endpoint_url(env, args);
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
