//! The `bootstrap` of every function of the lake. The function's `Handler` setting (`_HANDLER`
//! in the environment) picks what this process serves; see `sdlf_lambda_core::handler` for
//! why one binary serves them all.

mod clients;
mod dynamo;
mod handlers;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use sdlf_lambda_core::handler::{Handler, PACKAGE};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // JSON when the function's LoggingConfig says so (the stacks set JSON), text otherwise.
    lambda_runtime::tracing::init_default_subscriber();
    let name = std::env::var("_HANDLER").unwrap_or_default();
    let handler = Handler::from_name(&name).ok_or_else(|| {
        let known: Vec<&str> = Handler::ALL.iter().filter(|h| h.package() == PACKAGE).map(|h| h.name()).collect();
        format!("unknown handler `{name}` (the function's Handler setting); this package serves {}", known.join(", "))
    })?;
    let app = handlers::App::init(handler)?;
    // Built once per container, before the first event: every invocation reuses the clients.
    let clients = clients::Clients::from_env().await;
    let (app, clients) = (&app, &clients);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move { app.handle(clients, event).await }))
        .await
}
