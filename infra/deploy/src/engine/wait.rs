//! Polling politely: a fixed pace, longer after throttling.

use std::future::Future;
use std::time::Duration;

use crate::api::{ApiError, DeployedStack, Stacks};
use crate::status::Readiness;

/// How often to poll CloudFormation (CDK and rain poll every 2 s).
pub const POLL: Duration = Duration::from_secs(2);
/// Longest pause after repeated throttling.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Calls `probe` every `interval` until it returns `Some`; a throttled call doubles the pause
/// (up to 30 s) instead of failing.
pub async fn until<T, F, Fut>(interval: Duration, mut probe: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, ApiError>>,
{
    let mut pause = interval;
    loop {
        match probe().await {
            Ok(Some(done)) => return Ok(done),
            Ok(None) => pause = interval,
            Err(e) if e.throttled => pause = (pause * 2).min(MAX_BACKOFF),
            Err(e) => return Err(e),
        }
        tokio::time::sleep(pause).await;
    }
}

/// Waits until no operation runs on `stack`; returns it as it is then (`None`: it is gone).
pub async fn settled<S: Stacks>(api: &S, stack: &str) -> Result<Option<DeployedStack>, ApiError> {
    until(POLL, || async {
        let d = api.describe(stack).await?;
        let busy = d.as_ref().is_some_and(|d| Readiness::of(Some(&d.status)) == Ok(Readiness::Busy));
        Ok((!busy).then_some(d))
    })
    .await
}
