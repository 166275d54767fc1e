//! The values stacks hand to each other, as typed handles to SSM parameters.
//!
//! Each builder returns its outputs; later builders [`Stack::import`](crate::Stack::import)
//! them, which both reads the value at deploy time and records the dependency between the
//! stacks. Deploy order: foundations → catalog → team → pipeline → dataset.

use std::collections::BTreeMap;

use crate::stack::Published;

/// Published by the foundations stack (one per environment).
#[derive(Debug, Clone)]
pub struct FoundationsOutputs {
    /// ARN of the lake's KMS key (buckets, catalog queues, tables, lake-level logs).
    pub key_arn: Published,
    pub raw_bucket: Published,
    pub stage_bucket: Published,
    pub analytics_bucket: Published,
    /// Lambda packages, Glue scripts, anything the stacks ship.
    pub artifacts_bucket: Published,
    /// Athena query results (per-team prefixes).
    pub athena_bucket: Published,
    /// Table names.
    pub catalog_table: Published,
    pub dataset_config_table: Published,
    pub pipeline_config_table: Published,
    pub execution_history_table: Published,
    /// The object-event queue the catalog function consumes.
    pub catalog_queue_arn: Published,
    /// The queue of new raw objects the routing function consumes.
    pub routing_queue_arn: Published,
    pub routing_queue_url: Published,
    /// Role Lake Formation uses to reach the registered buckets.
    pub data_access_role_arn: Published,
}

/// Published by the catalog stack (one per environment; the lake's functions).
#[derive(Debug, Clone)]
pub struct CatalogOutputs {
    /// ARN of the function that backs the `Custom::DatasetConfig` and `Custom::PipelineConfig`
    /// resources (their `ServiceToken`).
    pub config_function_arn: Published,
}

/// Published by a team stack.
#[derive(Debug, Clone)]
pub struct TeamOutputs {
    pub team: String,
    /// ARN of the team's KMS key (its queues, topic, logs, Glue and Athena output).
    pub key_arn: Published,
    /// ARN of the managed policy every team role carries as permissions boundary.
    pub permissions_boundary_arn: Published,
    pub crawler_role_arn: Published,
    /// Role of the Glue jobs of the team's pipelines.
    pub glue_job_role_arn: Published,
    /// Role of the team's state machines.
    pub states_role_arn: Published,
    pub topic_arn: Published,
    pub glue_security_configuration: Published,
    pub athena_workgroup: Published,
}

/// Published by a pipeline stack.
#[derive(Debug, Clone)]
pub struct PipelineOutputs {
    pub team: String,
    pub pipeline: String,
    /// Where the routing function sends a dataset's new raw objects.
    pub stage_a_queue_url: Published,
    /// ARN of the function the datasets' schedules invoke to start stage B.
    pub stage_b_routing_function_arn: Published,
    /// Name of the heavy-transform Glue job of each dataset the pipeline processes.
    pub glue_jobs: BTreeMap<String, Published>,
}

/// Published by a dataset stack.
#[derive(Debug, Clone)]
pub struct DatasetOutputs {
    pub team: String,
    pub dataset: String,
    pub stage_b_queue_url: Published,
    pub glue_database: Published,
    pub crawler: Published,
}
