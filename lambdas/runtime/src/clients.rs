//! The AWS clients of a function, built once per container from the standard credential
//! chain (and `AWS_ENDPOINT_URL`, which the local emulator sets for the functions it runs).

use aws_config::BehaviorVersion;

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
