//! Building the clients from the standard credential chain.

use std::sync::Arc;

use aws_config::{BehaviorVersion, Region};

use crate::{CallCounter, CloudFormation, S3, Sqs};

/// Where to connect.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// A named profile (`--profile`); else `AWS_PROFILE` or the default chain.
    pub profile: Option<String>,
    /// `--region`; else `AWS_REGION` / the profile's region; else the environment's region.
    pub region: Option<String>,
    /// The environment's region from the lake definition, used when nothing else sets one.
    pub default_region: String,
    /// An endpoint for every service (the local emulator); else `AWS_ENDPOINT_URL` applies.
    pub endpoint_url: Option<String>,
    /// The emulator accepts any credentials; set fixed ones so no real ones are needed.
    pub emulator: bool,
}

impl Target {
    /// The local emulator at `url`, in `us-east-1`, with its fixed credentials.
    pub fn emulator(url: &str) -> Target {
        Target {
            endpoint_url: Some(url.to_owned()),
            emulator: true,
            default_region: "us-east-1".into(),
            region: Some("us-east-1".into()),
            ..Target::default()
        }
    }
}

/// The clients of one run.
#[derive(Debug, Clone)]
pub struct Connection {
    pub cloudformation: CloudFormation,
    pub s3: S3,
    /// Message counts of queues a deploy would replace or delete (the data-loss guard).
    pub sqs: Sqs,
    /// The running lake: catalog, functions, executions.
    pub lake: crate::Lake,
    /// The CI/CD's pipeline and connection (`bootstrap --status`, `--wait`).
    #[cfg(feature = "cicd")]
    pub codepipeline: crate::CodePipeline,
    #[cfg(feature = "cicd")]
    pub connections: crate::CodeConnections,
    /// The first push into a new repository.
    pub codecommit: crate::CodeCommit,
    pub region: String,
    pub calls: Arc<CallCounter>,
    sts: aws_sdk_sts::Client,
}

impl Connection {
    /// The account the credentials belong to (STS GetCallerIdentity): checked against the
    /// environment's account before anything is read or changed.
    pub async fn account(&self) -> Result<String, sdlf_deploy::api::ApiError> {
        Ok(self.identity().await?.account().unwrap_or_default().to_owned())
    }

    /// The ARN the credentials act as.
    pub async fn caller_arn(&self) -> Result<String, sdlf_deploy::api::ApiError> {
        Ok(self.identity().await?.arn().unwrap_or_default().to_owned())
    }

    async fn identity(
        &self,
    ) -> Result<aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput, sdlf_deploy::api::ApiError> {
        self.calls.tick();
        self.sts.get_caller_identity().send().await.map_err(|e| crate::api_error("GetCallerIdentity", None, e))
    }
}

pub async fn connect(target: &Target) -> Connection {
    // Pinned behaviour version: an SDK upgrade must not silently change retries or timeouts.
    let mut loader = aws_config::defaults(BehaviorVersion::v2026_01_12());
    if let Some(p) = &target.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &target.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(url) = &target.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if target.emulator {
        loader = loader.credentials_provider(aws_sdk_cloudformation::config::Credentials::new(
            "sdlf-local",
            "sdlf-local",
            None,
            None,
            "sdlf-emulator",
        ));
    }
    let mut config = loader.load().await;
    if config.region().is_none() {
        config = config.into_builder().region(Region::new(target.default_region.clone())).build();
    }
    let region = config.region().map(ToString::to_string).unwrap_or_else(|| target.default_region.clone());
    let calls = Arc::new(CallCounter::default());
    let s3_config = aws_sdk_s3::config::Builder::from(&config)
        // Emulators serve buckets by path, not by virtual host.
        .force_path_style(target.emulator)
        .build();
    Connection {
        sts: aws_sdk_sts::Client::new(&config),
        cloudformation: CloudFormation::new(aws_sdk_cloudformation::Client::new(&config), calls.clone()),
        s3: S3::new(
            aws_sdk_s3::Client::from_conf(s3_config.clone()),
            target.endpoint_url.clone(),
            region.clone(),
            calls.clone(),
        ),
        sqs: Sqs::new(aws_sdk_sqs::Client::new(&config), calls.clone()),
        #[cfg(feature = "cicd")]
        codepipeline: crate::CodePipeline::new(aws_sdk_codepipeline::Client::new(&config), calls.clone()),
        codecommit: crate::CodeCommit::new(aws_sdk_codecommit::Client::new(&config), calls.clone()),
        #[cfg(feature = "cicd")]
        connections: crate::CodeConnections::new(aws_sdk_codeconnections::Client::new(&config), calls.clone()),
        lake: crate::Lake::new(&config, aws_sdk_s3::Client::from_conf(s3_config), calls.clone()),
        region,
        calls,
    }
}
