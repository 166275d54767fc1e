//! `catalog`: S3 event notifications (via the catalog queue) → one catalog row per object;
//! each new raw object also goes on to the routing queue.

use crate::clients::sdk_error;
use lambda_runtime::Error;
use sdlf_lambda_core::catalog::{self, WriteOutcome};
use sdlf_lambda_core::contract::layout::LakeLayout;
use sdlf_lambda_core::s3_event::{self, Notification, S3Record};
use serde_json::Value;
use tracing::info;

use sdlf_lambda_core::contract::env::CatalogEnv;

use crate::clients::{Clients, var};
use crate::dynamo::{self, Written};
use crate::handlers::sqs;

pub struct Catalog {
    table: String,
    routing_queue_url: String,
    layout: LakeLayout,
}

impl Catalog {
    pub fn from_env() -> Result<Catalog, String> {
        let env = CatalogEnv::from_vars(var).map_err(|e| e.to_string())?;
        Ok(Catalog { layout: env.layout(), table: env.catalog_table, routing_queue_url: env.routing_queue_url })
    }

    pub async fn handle(&self, clients: &Clients, event: Value) -> Result<Value, Error> {
        sqs::each_message(event, |message| async move {
            match s3_event::parse_body(message.body.as_deref().unwrap_or_default()).map_err(|e| e.to_string())? {
                Notification::Test => Ok(()),
                Notification::Records { records, ignored } => {
                    for name in ignored {
                        info!(event = %name, "not a creation or removal; ignored");
                    }
                    for record in &records {
                        self.record(clients, record).await?;
                    }
                    Ok(())
                }
            }
        })
        .await
    }

    async fn record(&self, clients: &Clients, record: &S3Record) -> Result<(), String> {
        let put = catalog::record_event(&record.event, &self.layout).map_err(|e| e.to_string())?;
        let written = dynamo::put(&clients.dynamodb, &self.table, &put).await?;
        let outcome = match &written {
            Written::Yes => WriteOutcome::Written,
            Written::AlreadyNewer(stored) => WriteOutcome::Rejected { stored: stored.as_ref() },
        };
        info!(object = %record.event.uri(), event = %record.event.event_name, written = matches!(written, Written::Yes), "catalog");
        if catalog::forward_to_routing(&record.event, &self.layout, outcome) {
            clients
                .sqs
                .send_message()
                .queue_url(&self.routing_queue_url)
                .message_body(s3_event::routing_body(record))
                .send()
                .await
                .map_err(|e| format!("sending {} to the routing queue failed: {}", record.event.uri(), sdk_error(e)))?;
        }
        Ok(())
    }
}
