//! One module per handler. [`App`] is what one container serves: the handler its function
//! runs, with the configuration read from the environment once, at init.

mod catalog;
mod config;
mod error;
mod redrive;
mod routing;
mod sqs;
mod stage_a_routing;
mod stage_a_transform;
mod stage_b_postupdate;
mod stage_b_routing;

use lambda_runtime::{Error, LambdaEvent};
use sdlf_lambda_core::handler::Handler;
use serde_json::Value;

use crate::clients::Clients;

pub enum App {
    Catalog(catalog::Catalog),
    Routing(routing::Routing),
    Config,
    StageARouting(stage_a_routing::StageARouting),
    Error(error::ErrorHandler),
    Redrive(redrive::Redrive),
    StageATransform(stage_a_transform::StageATransform),
    StageBRouting(stage_b_routing::StageBRouting),
    StageBPostupdate(stage_b_postupdate::StageBPostupdate),
}

impl App {
    /// The handler's configuration; an error names the missing variable (an init failure, which
    /// Lambda reports on every invocation until the function is fixed).
    pub fn init(handler: Handler) -> Result<App, String> {
        Ok(match handler {
            Handler::Catalog => App::Catalog(catalog::Catalog::from_env()?),
            Handler::Routing => App::Routing(routing::Routing::from_env()?),
            Handler::Config => App::Config,
            Handler::StageARouting => App::StageARouting(stage_a_routing::StageARouting::from_env()?),
            Handler::Error => App::Error(error::ErrorHandler::from_env()?),
            Handler::Redrive => App::Redrive(redrive::Redrive::from_env()?),
            Handler::StageATransform => App::StageATransform(stage_a_transform::StageATransform::from_env()?),
            Handler::StageBRouting => App::StageBRouting(stage_b_routing::StageBRouting::from_env()?),
            Handler::StageBPostupdate => App::StageBPostupdate(stage_b_postupdate::StageBPostupdate::from_env()?),
            Handler::StageBHeavy | Handler::StageBPublish => {
                return Err(format!(
                    "handler `{}` is served by the package `{}`, not this one; point the function's code at it",
                    handler.name(),
                    handler.package()
                ));
            }
        })
    }

    pub async fn handle(&self, clients: &Clients, event: LambdaEvent<Value>) -> Result<Value, Error> {
        let event = event.payload;
        match self {
            App::Catalog(h) => h.handle(clients, event).await,
            App::Routing(h) => h.handle(clients, event).await,
            App::Config => config::handle(clients, event).await,
            App::StageARouting(h) => h.handle(clients, event).await,
            App::Error(h) => h.handle(clients, event).await,
            App::Redrive(h) => h.handle(clients, event).await,
            App::StageATransform(h) => h.handle(clients, event).await,
            App::StageBRouting(h) => h.handle(clients, event).await,
            App::StageBPostupdate(h) => h.handle(clients, event).await,
        }
    }
}
