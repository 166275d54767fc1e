//! The decisions of the lake's Lambda functions, as pure functions: no AWS SDK, no I/O, no
//! clock. The runtime crate reads events and tables, calls these, and carries out what they
//! return (DynamoDB requests as data in [`item`], messages in [`messages`]).
//!
//! | function | uses |
//! | --- | --- |
//! | `catalog` | [`s3_event::parse_body`], [`catalog::record_event`], [`catalog::forward_to_routing`], [`s3_event::routing_body`] |
//! | `routing` | [`s3_event::parse_body`], [`routing`], [`catalog::mark_unrouted`] |
//! | `stage-a-routing` | [`messages::StageAInput`], [`history::record_start`] |
//! | `stage-b-routing` | [`batch`], [`contract::config`] |
//! | `stage-b-heavy` | [`messages::StageBInput`], [`messages::HeavyOutput`], [`glue_table`], [`quality`] |
//! | `stage-b-publish` | [`messages::PublishRequest`], [`messages::PendingTable`], [`glue_table::pending_table_name`], [`quality::QualityReport::not_evaluated`] |
//! | `stage-b-postupdate` | [`catalog::mark_stage_b`], [`history::record_stage_b`] |
//! | `error` | [`messages::ErrorInput`] |
//! | `config` | [`config_row`], [`messages::CustomResourceRequest`], [`messages::CustomResourceResponse`] |
//!
//! At least once everywhere: every write is conditional so that a redelivered message
//! changes nothing, and a `ConditionalCheckFailedException` means "already done" (see
//! [`item`]). A malformed message is an error to report as an SQS batch item failure, which
//! sends it to the queue's dead-letter queue after the receive limit.

pub mod batch;
pub mod catalog;
pub mod config_row;
pub mod contract;
pub mod glue_table;
pub mod handler;
pub mod history;
pub mod item;
pub mod key;
pub mod messages;
pub mod quality;
pub mod routing;
pub mod s3_event;
pub mod sequencer;
pub mod timestamp;
