//! The `bootstrap` of every function of the lake. The function's `Handler` setting (`_HANDLER`
//! in the environment) picks what this process serves; see `sdlf_lambda_core::handler` for
//! why one binary serves them all.

mod clients;
mod handlers;
mod items;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use sdlf_lambda_core::handler::Handler;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // JSON when the function's LoggingConfig says so (the stacks set JSON), text otherwise.
    lambda_runtime::tracing::init_default_subscriber();
    let name = std::env::var("_HANDLER").unwrap_or_default();
    let Some(handler) = Handler::from_name(&name) else {
        let known: Vec<&str> = Handler::ALL.iter().map(|h| h.name()).collect();
        return Err(format!("unknown handler `{name}` (the function's Handler setting); this package serves {}", known.join(", ")).into());
    };
    // Built once per container, before the first event: every invocation reuses the clients.
    let clients = clients::Clients::from_env().await;
    let clients = &clients;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        handlers::dispatch(handler, clients, event).await
    }))
    .await
}
