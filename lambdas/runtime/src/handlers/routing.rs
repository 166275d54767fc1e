//! `routing`: a new raw object (forwarded by `catalog`) → its dataset's config row → the
//! pipeline's stage A queue. An object no dataset claims is marked `unrouted` in the catalog
//! with the reason, and the message is done: retrying cannot make a dataset claim it.

use crate::clients::sdk_error;
use lambda_runtime::Error;
use sdlf_lambda_core::catalog;
use sdlf_lambda_core::contract::config::DatasetConfig;
use sdlf_lambda_core::routing::{self, Unrouted};
use sdlf_lambda_core::s3_event::{self, Notification, ObjectEvent};
use serde_json::Value;
use tracing::{info, warn};

use sdlf_lambda_core::contract::env::RoutingEnv;
use sdlf_lambda_core::contract::status::FailedStage;

use crate::clients::{Clients, now_epoch_millis, var};
use crate::dynamo;
use crate::handlers::sqs;

pub struct Routing {
    max_receive_count: u32,
    catalog_table: String,
    config_table: String,
    history_table: String,
}

impl Routing {
    pub fn from_env() -> Result<Routing, String> {
        let env = RoutingEnv::from_vars(var).map_err(|e| e.to_string())?;
        Ok(Routing {
            max_receive_count: env.max_receive_count,
            catalog_table: env.catalog_table,
            config_table: env.dataset_config_table,
            history_table: env.execution_history_table,
        })
    }

    pub async fn handle(&self, clients: &Clients, event: Value) -> Result<Value, Error> {
        sqs::each_message(event, |message| async move {
            match s3_event::parse_body(message.body.as_deref().unwrap_or_default()).map_err(|e| e.to_string())? {
                Notification::Test => Ok(()),
                Notification::Records { records, .. } => {
                    let last = sqs::last_attempt(&message, self.max_receive_count);
                    for record in &records {
                        if let Err(reason) = self.route(clients, &record.event).await {
                            if last {
                                let failed = catalog::mark_failed(&record.event.uri(), FailedStage::Routing, &reason);
                                dynamo::update(&clients.dynamodb, &self.catalog_table, &failed).await?;
                            }
                            return Err(reason);
                        }
                    }
                    Ok(())
                }
            }
        })
        .await
    }

    async fn route(&self, clients: &Clients, event: &ObjectEvent) -> Result<(), String> {
        let dataset = match routing::claim(event) {
            Ok(dataset) => dataset,
            Err(unrouted) => return self.unrouted(clients, event, &unrouted).await,
        };
        let row = dynamo::get(&clients.dynamodb, &self.config_table, "dataset", &dataset.id()).await?;
        let config = match row.map(|item| DatasetConfig::from_item(&dataset.id(), &item)).transpose() {
            Ok(config) => config,
            // Retrying cannot fix the row: say so on the object instead of dead-lettering it
            // without a trace.
            Err(e) => return self.unrouted_because(clients, event, &e.to_string()).await,
        };
        let route = match routing::route(event, &dataset, config.as_ref()) {
            Ok(route) => route,
            Err(unrouted) => return self.unrouted(clients, event, &unrouted).await,
        };
        let config = config.expect("a route has a config row");
        // A redelivery finds the history row already there; the message is sent again (at
        // least once: stage A tolerates a duplicate, a lost object it could not).
        dynamo::put(
            &clients.dynamodb,
            &self.history_table,
            &routing::routed_history(event, &config, now_epoch_millis()),
        )
        .await?;
        let body = serde_json::to_string(&route.message).map_err(|e| e.to_string())?;
        clients.sqs.send_message().queue_url(&route.queue_url).message_body(body).send().await.map_err(|e| {
            format!("sending {} to stage A ({}) failed: {}", event.uri(), route.queue_url, sdk_error(e))
        })?;
        info!(object = %event.uri(), dataset = %dataset, pipeline = %config.pipeline, "routed to stage A");
        Ok(())
    }

    async fn unrouted(&self, clients: &Clients, event: &ObjectEvent, why: &Unrouted) -> Result<(), String> {
        let reason = why.to_string();
        warn!(object = %event.uri(), %reason, status = %why.status(), "not routed");
        let update = catalog::mark_ended(event, why.status(), &reason);
        dynamo::update(&clients.dynamodb, &self.catalog_table, &update).await.map(|_| ())
    }

    async fn unrouted_because(&self, clients: &Clients, event: &ObjectEvent, reason: &str) -> Result<(), String> {
        warn!(object = %event.uri(), %reason, "unrouted");
        dynamo::update(&clients.dynamodb, &self.catalog_table, &catalog::mark_unrouted(event, reason)).await?;
        Ok(())
    }
}
