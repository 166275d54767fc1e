//! The AWS clients of a function, built once per container from the standard credential
//! chain (and `AWS_ENDPOINT_URL`, which the `local` environment's stacks set on every
//! function: see `sdlf_lambda_core::contract::env::ENDPOINT_VARIABLE`).

use aws_config::BehaviorVersion;
use sdlf_lambda_core::contract::env::{ENDPOINT_VARIABLE, unreachable_endpoint};

pub struct Clients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub sfn: aws_sdk_sfn::Client,
    pub s3: aws_sdk_s3::Client,
}

impl Clients {
    pub async fn from_env() -> Clients {
        let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
        // Path-style addressing: the emulator serves buckets under its one host name.
        let s3 = aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build();
        Clients {
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            sqs: aws_sdk_sqs::Client::new(&config),
            sfn: aws_sdk_sfn::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(s3),
        }
    }
}

/// An AWS error as text, with its causes; when the call never reached AWS (the SDK's
/// "dispatch failure": no connection, no name resolution, a timeout), with where the
/// function tried and what to do.
pub fn sdk_error(e: impl std::error::Error + 'static) -> String {
    let text = aws_sdk_s3::error::DisplayErrorContext(&e).to_string();
    // The SDK's display of its `DispatchFailure` variant; the variant itself is generic over
    // each operation's error type, which this one helper for every client does not name.
    if text.starts_with("dispatch failure") {
        let endpoint = var(ENDPOINT_VARIABLE);
        return format!("{text}. {}", unreachable_endpoint(endpoint.as_deref()));
    }
    text
}

/// The process environment, as the contract's `from_vars` reads it.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Milliseconds since the Unix epoch (the core takes the clock as an argument).
pub fn now_epoch_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
