//! Polling politely: a fixed pace, longer after throttling, and an end when the user asks.

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
pub async fn until<T, F, Fut>(interval: Duration, probe: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, ApiError>>,
{
    let never = || false;
    Ok(until_stopped(interval, &never, probe).await?.expect("never stopped"))
}

/// As [`until`], but gives up with `None` as soon as `stop` says so (Ctrl-C), checked before
/// every call.
pub async fn until_stopped<T, F, Fut>(
    interval: Duration,
    stop: &dyn Fn() -> bool,
    mut probe: F,
) -> Result<Option<T>, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, ApiError>>,
{
    let mut pause = interval;
    loop {
        if stop() {
            return Ok(None);
        }
        match probe().await {
            Ok(Some(done)) => return Ok(Some(done)),
            Ok(None) => pause = interval,
            Err(e) if e.throttled => pause = (pause * 2).min(MAX_BACKOFF),
            Err(e) => return Err(e),
        }
        tokio::time::sleep(pause).await;
    }
}

/// Whether an operation runs on the stack.
pub fn is_busy(d: Option<&DeployedStack>) -> bool {
    d.is_some_and(|d| Readiness::of(Some(&d.status)) == Ok(Readiness::Busy))
}

/// Waits until no operation runs on `stack`; returns it as it is then (`None`: it is gone).
pub async fn settled<S: Stacks>(api: &S, stack: &str) -> Result<Option<DeployedStack>, ApiError> {
    Ok(settled_unless(api, stack, &|| false).await?.expect("never stopped"))
}

/// As [`settled`], but gives up with `None` when `stop` says so; `Some(None)`: the stack is gone.
pub async fn settled_unless<S: Stacks>(
    api: &S,
    stack: &str,
    stop: &dyn Fn() -> bool,
) -> Result<Option<Option<DeployedStack>>, ApiError> {
    until_stopped(POLL, stop, || async {
        let d = api.describe(stack).await?;
        Ok((!is_busy(d.as_ref())).then_some(d))
    })
    .await
}
