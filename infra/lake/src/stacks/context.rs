//! What every stack builder needs: the lake, the target environment, its names, and the asset
//! fingerprints; plus the few decisions that depend on the environment.

use sdlf_cfn::{DeletionPolicy, ResourceOptions};

use crate::assets::{Asset, AssetSource, Fingerprints};
use crate::definition::{Environment, Lake};
use crate::names::Names;
use crate::stack::Stack;
use crate::stacks::BuildError;

/// Tag keys every stack carries (CloudFormation copies stack tags to the resources).
pub const TAG_ORG: &str = "sdlf:org";
pub const TAG_DOMAIN: &str = "sdlf:domain";
pub const TAG_ENV: &str = "sdlf:environment";
pub const TAG_TEAM: &str = "sdlf:team";

/// Days CloudWatch keeps the logs of the lake's functions, state machines and jobs.
pub const LOG_RETENTION_DAYS: i64 = 30;

/// Receives before a catalog or routing message goes to its dead-letter queue (the original
/// framework used 1, so a single throttle lost the event to the DLQ). The foundations set it
/// on the queues; the routing function reads it to tell the last delivery.
pub const MAX_RECEIVE_COUNT: u32 = 5;

/// Timeout of the catalog and routing functions (the catalog stack's); the foundations size
/// their queues' visibility for it (6×, as AWS recommends for Lambda event sources).
pub const QUEUE_FUNCTION_TIMEOUT_SECONDS: i64 = 60;

pub struct Ctx<'a> {
    pub lake: &'a Lake,
    pub env: &'a Environment,
    pub names: Names<'a>,
    fingerprints: &'a dyn Fingerprints,
}

impl<'a> Ctx<'a> {
    pub fn new(lake: &'a Lake, env: &'a Environment, fingerprints: &'a dyn Fingerprints) -> Ctx<'a> {
        Ctx { lake, env, names: Names::new(lake, env), fingerprints }
    }

    /// Whether the stacks target the local emulator.
    pub fn is_local(&self) -> bool {
        self.env.is_local()
    }

    /// A new stack tagged with the organisation, domain, environment and (for team stacks) team.
    pub fn stack(&self, name: String, description: &str, team: Option<&str>) -> Stack {
        let mut stack = Stack::new(name, description, self.is_local());
        stack.tags.insert(TAG_ORG.into(), self.lake.org.clone());
        stack.tags.insert(TAG_DOMAIN.into(), self.lake.domain.clone());
        stack.tags.insert(TAG_ENV.into(), self.env.name.clone());
        if let Some(team) = team {
            stack.tags.insert(TAG_TEAM.into(), team.to_owned());
        }
        stack
    }

    /// Options for a resource that holds data (bucket, table, key, log group): kept when the
    /// stack is deleted or the resource replaced in a real account; deleted with the stack in
    /// `local`, so the emulator can be torn down and rebuilt.
    pub fn stateful(&self) -> ResourceOptions {
        let policy = if self.is_local() { DeletionPolicy::Delete } else { DeletionPolicy::Retain };
        ResourceOptions::new().retain_policy(policy)
    }

    /// Fingerprints `source` and records it as an asset of `stack`.
    pub fn asset(&self, stack: &mut Stack, source: AssetSource) -> Result<Asset, BuildError> {
        let fingerprint = self
            .fingerprints
            .fingerprint(&source)
            .map_err(|error| BuildError::Asset { stack: stack.name().to_owned(), error })?;
        let asset = Asset { source, fingerprint };
        stack.use_asset(asset.clone());
        Ok(asset)
    }
}
