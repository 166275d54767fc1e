//! One module per handler; `dispatch` routes an invocation to the handler the function runs.

mod config;

use lambda_runtime::{Error, LambdaEvent};
use sdlf_lambda_core::handler::Handler;
use serde_json::Value;

use crate::clients::Clients;

pub async fn dispatch(handler: Handler, clients: &Clients, event: LambdaEvent<Value>) -> Result<Value, Error> {
    match handler {
        Handler::Config => config::handle(clients, event.payload).await,
        other => Err(format!("handler `{other}` is not implemented in this package yet").into()),
    }
}
