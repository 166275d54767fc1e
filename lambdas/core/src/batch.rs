//! Stage B batches: when to start the heavy transform of a dataset, and its input.
//!
//! The `routing-b` function, invoked by the dataset's schedule with a
//! [`crate::messages::ScheduleInput`]:
//!
//! 1. reads the dataset-config row, [`DatasetConfig::batch_bounds`];
//! 2. receives from the dataset's queue B, [`next_receive_count`] messages at a time, until
//!    that says stop or a receive comes back empty;
//! 3. [`plan`]: on [`BatchPlan::Wait`], makes every received message visible again
//!    (`ChangeMessageVisibility` 0; the queue hides them for 15 minutes otherwise) and stops;
//! 4. on [`BatchPlan::Start`], [`build`] with the first `take` messages and their
//!    [`execution_id`], then writes the manifest when there is one, records the execution
//!    ([`crate::history::record_start`], stage `b`), and starts the state machine with the
//!    execution id as its name;
//! 5. **only after the execution started** (or `ExecutionAlreadyExists`: the same messages,
//!    so the same batch), deletes the [`StageBBatch::consumed`] messages and makes the
//!    [`StageBBatch::released`] ones visible again. [`StageBBatch::foreign`] messages are left
//!    alone: after the queue's receive limit they reach its dead-letter queue.
//!
//! A failure before the start deletes nothing: the messages come back and the next run
//! retries them (at least once).
//!
//! # `--SOURCE_KEYS`
//!
//! The stage objects of the batch as `s3://` URIs, each once even when a redelivered
//! message repeats them, comma-separated, when that list is at most
//! [`INLINE_SOURCE_KEYS_MAX_BYTES`] long and no URI holds a comma. Otherwise the URI of a
//! manifest, a JSON list of the URIs, at
//! `s3://{stage}/pre-stage/{team}/_manifests/{pipeline}/{execution_id}.json`; a Glue script
//! tells the two apart by the single URI ending in `.json` under `/_manifests/`.

use std::collections::HashSet;

use crate::contract::config::{BatchBounds, DatasetConfig};
use crate::contract::layout::{DatasetRef, manifest_prefix};
use crate::messages::{Glue, GlueArguments, HeavyInput, QueueBMessage, ScheduleInput, StageBInput};

/// Longest inline `--SOURCE_KEYS`. Glue caps a run's arguments at 260 KB in total
/// (<https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-etl-glue-arguments.html>),
/// but job runs are logged and shown with their arguments, and the list also travels in the
/// state machine input (256 KiB at most); 4 KiB keeps all of them small.
pub const INLINE_SOURCE_KEYS_MAX_BYTES: usize = 4096;

/// Budget for the queue B bodies copied into the state machine input. Step Functions refuses
/// inputs over 256 KiB, and the machine adds its own results to the input as it runs.
pub const MESSAGES_MAX_BYTES: usize = 160 * 1024;

/// SQS returns at most this many messages per `ReceiveMessage`.
pub const SQS_MAX_RECEIVE: usize = 10;

/// What to do with the messages received so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchPlan {
    /// Start a batch with the first `take` messages (at most `max`).
    Start { take: usize },
    /// Fewer than `min`: release them and wait for the next schedule.
    Wait { have: usize, need: usize },
}

pub fn plan(received: usize, bounds: BatchBounds) -> BatchPlan {
    if received >= bounds.min.max(1) {
        BatchPlan::Start { take: received.min(bounds.max) }
    } else {
        BatchPlan::Wait { have: received, need: bounds.min }
    }
}

/// How many messages the next `ReceiveMessage` should ask for, or `None` once `max` are in.
pub fn next_receive_count(received: usize, bounds: BatchBounds) -> Option<usize> {
    let missing = bounds.max.saturating_sub(received);
    (missing > 0).then(|| missing.min(SQS_MAX_RECEIVE))
}

/// What [`build`] needs besides the messages.
#[derive(Debug, Clone, Copy)]
pub struct BatchContext<'a> {
    pub schedule: &'a ScheduleInput,
    pub config: &'a DatasetConfig,
    /// The execution's name and id: [`execution_id`] of the batch's messages.
    pub execution_id: &'a str,
    /// `STAGE_BUCKET` (where manifests go).
    pub stage_bucket: &'a str,
    /// `ANALYTICS_BUCKET` (the job's `--TARGET`).
    pub analytics_bucket: &'a str,
}

/// An object `routing-b` writes before starting the execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub bucket: String,
    pub key: String,
    /// JSON list of `s3://` URIs.
    pub body: String,
}

/// The `s3://` URIs of the stage A outputs `messages` name, each once, in message order: the
/// batch both engines read.
pub fn stage_uris<'a>(messages: impl IntoIterator<Item = &'a QueueBMessage>) -> Vec<String> {
    let mut seen = HashSet::new();
    messages
        .into_iter()
        .flat_map(|m| m.output_keys.iter().map(move |key| format!("s3://{}/{key}", m.stage_bucket)))
        .filter(|uri| seen.insert(uri.clone()))
        .collect()
}

/// The execution to start.
#[derive(Debug, Clone, PartialEq)]
pub struct StageBStart {
    pub input: StageBInput,
    pub manifest: Option<Manifest>,
}

/// A batch, by index into the messages given to [`build`].
#[derive(Debug, Clone, PartialEq)]
pub struct StageBBatch {
    /// `None` when the messages name no stage object at all (stage A wrote nothing): delete
    /// the consumed messages, there is nothing to run.
    pub start: Option<StageBStart>,
    /// In the batch (including exact duplicates of a message in it): delete after the start.
    pub consumed: Vec<usize>,
    /// Over the input size budget: make visible again for the next run.
    pub released: Vec<usize>,
    /// Of another dataset than the schedule's: a misrouted message, left to the queue's
    /// dead-letter queue.
    pub foreign: Vec<usize>,
}

/// A schedule and a config row that do not belong together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the schedule names {scheduled} but the dataset-config row it read is {row}; the schedule's input is written \
     by the dataset stack: redeploy it"
)]
pub struct ScheduleMismatch {
    pub scheduled: String,
    pub row: String,
}

/// The schedule and the config row it read belong together; checked before anything is
/// received, so a mismatch does not hold (and eventually dead-letter) the queue's messages.
pub fn check_schedule(schedule: &ScheduleInput, config: &DatasetConfig) -> Result<(), ScheduleMismatch> {
    if (schedule.team.as_str(), schedule.dataset.as_str()) != (config.team.as_str(), config.dataset.as_str()) {
        return Err(ScheduleMismatch {
            scheduled: format!("{}/{}", schedule.team, schedule.dataset),
            row: config.dataset_ref().id(),
        });
    }
    Ok(())
}

/// The execution id (and name) of a batch: derived from the SQS message ids it takes, so a
/// retry of the same invocation that received the same messages names the same execution
/// (Step Functions then answers "already started", and deleting the messages is right), while
/// a retry that received other messages gets an execution of its own instead of having its
/// messages deleted as if they were in the first one.
pub fn execution_id(message_ids: &[&str]) -> String {
    let mut ids = message_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    crate::history::deterministic_id(&ids)
}

/// Builds the batch from the first `take` received messages (see the module documentation).
pub fn build(context: &BatchContext<'_>, messages: &[QueueBMessage]) -> Result<StageBBatch, ScheduleMismatch> {
    let (schedule, config) = (context.schedule, context.config);
    check_schedule(schedule, config)?;
    let mut batch = StageBBatch { start: None, consumed: Vec::new(), released: Vec::new(), foreign: Vec::new() };
    let mut included: Vec<&QueueBMessage> = Vec::new();
    let mut used_bytes = 0;
    for (index, message) in messages.iter().enumerate() {
        if message.team != schedule.team || message.dataset != schedule.dataset {
            batch.foreign.push(index);
            continue;
        }
        if included.contains(&message) {
            batch.consumed.push(index); // a redelivered copy of a message already in
            continue;
        }
        let size = serde_json::to_string(message).map_or(0, |json| json.len());
        if !included.is_empty() && used_bytes + size > MESSAGES_MAX_BYTES {
            batch.released.push(index);
            continue;
        }
        used_bytes += size;
        included.push(message);
        batch.consumed.push(index);
    }

    let uris = stage_uris(included.iter().copied());
    if uris.is_empty() {
        return Ok(batch);
    }
    let dataset = DatasetRef { team: config.team.clone(), dataset: config.dataset.clone() };
    let inline = uris.join(",");
    let (source_keys, manifest) =
        if inline.len() <= INLINE_SOURCE_KEYS_MAX_BYTES && !uris.iter().any(|uri| uri.contains(',')) {
            (inline, None)
        } else {
            let key = format!("{}{}.json", manifest_prefix(&config.team, &config.pipeline), context.execution_id);
            let body = serde_json::to_string(&uris).unwrap_or_else(|_| "[]".into());
            (
                format!("s3://{}/{key}", context.stage_bucket),
                Some(Manifest { bucket: context.stage_bucket.to_owned(), key, body }),
            )
        };
    batch.start = Some(StageBStart {
        input: StageBInput {
            team: config.team.clone(),
            pipeline: config.pipeline.clone(),
            dataset: config.dataset.clone(),
            execution_id: context.execution_id.to_owned(),
            glue: Glue {
                job_name: config.glue_job.clone(),
                arguments: GlueArguments {
                    source_keys,
                    target: format!("s3://{}/{}", context.analytics_bucket, dataset.pending_prefix(context.execution_id)),
                    team: config.team.clone(),
                    dataset: config.dataset.clone(),
                },
                run: None,
            },
            crawler: config.crawler.clone(),
            table: if config.glue_table.is_empty() { config.dataset.clone() } else { config.glue_table.clone() },
            database: config.glue_database.clone(),
            quality_ruleset: config.quality_ruleset.clone(),
            heavy: HeavyInput {
                engine: config.engine,
                sql: config.heavy_sql.clone(),
                partition_by: config.partition_by.clone(),
                quality_rules: config.quality_rules.clone(),
                on_quality_failure: config.on_quality_failure,
            },
            messages: included.into_iter().cloned().collect(),
            crawler_state: None,
            transformed: None,
            glue_quality: None,
            pending: None,
        },
        manifest,
    });
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::config::tests::config;
    use crate::messages::ObjectRef;

    const STAGE: &str = "acme-dl-dev-eu-west-1-111122223333-stage";
    const ANALYTICS: &str = "acme-dl-dev-eu-west-1-111122223333-analytics";

    fn schedule() -> ScheduleInput {
        ScheduleInput { team: "engineering".into(), pipeline: "main".into(), dataset: "legislators".into() }
    }

    fn message(execution: &str, keys: &[&str]) -> QueueBMessage {
        QueueBMessage {
            team: "engineering".into(),
            dataset: "legislators".into(),
            pipeline: "main".into(),
            execution_id: execution.into(),
            source: ObjectRef { bucket: "raw".into(), key: format!("engineering/legislators/{execution}.csv") },
            stage_bucket: STAGE.into(),
            output_keys: keys.iter().map(|k| format!("pre-stage/engineering/legislators/{k}")).collect(),
        }
    }

    fn build_with(messages: &[QueueBMessage]) -> StageBBatch {
        let (schedule, config) = (schedule(), config());
        let context = BatchContext {
            schedule: &schedule,
            config: &config,
            execution_id: "b7c1f3a2-0d4e-8f5a-9b6c-1d2e3f4a5b6c",
            stage_bucket: STAGE,
            analytics_bucket: ANALYTICS,
        };
        build(&context, messages).unwrap()
    }

    #[test]
    fn planning() {
        let bounds = BatchBounds { min: 3, max: 25 };
        assert_eq!(plan(0, bounds), BatchPlan::Wait { have: 0, need: 3 });
        assert_eq!(plan(2, bounds), BatchPlan::Wait { have: 2, need: 3 });
        assert_eq!(plan(3, bounds), BatchPlan::Start { take: 3 });
        assert_eq!(plan(30, bounds), BatchPlan::Start { take: 25 });
        assert_eq!(next_receive_count(0, bounds), Some(10));
        assert_eq!(next_receive_count(20, bounds), Some(5));
        assert_eq!(next_receive_count(25, bounds), None);
    }

    #[test]
    fn a_small_batch_lists_its_keys_inline() {
        let batch = build_with(&[message("e1", &["a/part-0.parquet", "a/part-1.parquet"])]);
        let start = batch.start.unwrap();
        let expected: StageBInput = serde_json::from_str(
            &std::fs::read_to_string(format!("{}/tests/fixtures/stage_b_input.json", env!("CARGO_MANIFEST_DIR")))
                .unwrap(),
        )
        .unwrap();
        let mut input = start.input;
        // The fixture's message comes from another execution id and keys; compare the rest.
        assert_eq!(input.glue.arguments.target, expected.glue.arguments.target);
        input.messages = expected.messages.clone();
        input.glue.arguments.source_keys = expected.glue.arguments.source_keys.clone();
        assert_eq!(input, expected);
        assert_eq!(start.manifest, None);
        assert_eq!(batch.consumed, [0]);
    }

    #[test]
    fn redelivered_messages_and_repeated_keys_count_once() {
        let first = message("e1", &["a.parquet", "b.parquet"]);
        let again = message("e2", &["b.parquet", "c.parquet"]);
        let batch = build_with(&[first.clone(), again, first]);
        assert_eq!(batch.consumed, [0, 1, 2]);
        let input = batch.start.unwrap().input;
        assert_eq!(input.messages.len(), 2);
        let uri = |k: &str| format!("s3://{STAGE}/pre-stage/engineering/legislators/{k}");
        assert_eq!(input.glue.arguments.source_keys, [uri("a.parquet"), uri("b.parquet"), uri("c.parquet")].join(","));
    }

    #[test]
    fn long_lists_and_commas_go_through_a_manifest() {
        let many: Vec<String> = (0..100).map(|i| format!("part-{i:05}.parquet")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        for messages in [vec![message("e1", &refs)], vec![message("e1", &["a,b.parquet"])]] {
            let start = build_with(&messages).start.unwrap();
            let manifest = start.manifest.unwrap();
            assert_eq!(manifest.key, "pre-stage/engineering/_manifests/main/b7c1f3a2-0d4e-8f5a-9b6c-1d2e3f4a5b6c.json");
            assert_eq!(start.input.glue.arguments.source_keys, format!("s3://{STAGE}/{}", manifest.key));
            let listed: Vec<String> = serde_json::from_str(&manifest.body).unwrap();
            assert_eq!(listed.len(), messages[0].output_keys.len());
            assert!(listed[0].starts_with(&format!("s3://{STAGE}/pre-stage/engineering/legislators/")));
        }
    }

    #[test]
    fn the_input_stays_under_the_step_functions_limit() {
        let keys: Vec<String> = (0..40).map(|i| format!("{}-{i}.parquet", "x".repeat(60))).collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let messages: Vec<QueueBMessage> = (0..100).map(|i| message(&format!("e{i}"), &refs)).collect();
        let batch = build_with(&messages);
        assert!(!batch.released.is_empty());
        assert_eq!(batch.consumed.len() + batch.released.len(), 100);
        let input = serde_json::to_string(&batch.start.unwrap().input).unwrap();
        assert!(input.len() < 200 * 1024, "{}", input.len());
    }

    #[test]
    fn foreign_and_empty_messages() {
        let foreign = QueueBMessage { dataset: "persons".into(), ..message("e9", &["a.parquet"]) };
        let batch = build_with(&[foreign, message("e1", &[])]);
        assert_eq!((batch.foreign, batch.consumed), (vec![0], vec![1]));
        assert_eq!(batch.start, None, "no stage objects: nothing to run");
    }

    #[test]
    fn a_schedule_for_another_dataset_is_refused() {
        let (schedule, config) = (ScheduleInput { dataset: "persons".into(), ..schedule() }, config());
        let context = BatchContext {
            schedule: &schedule,
            config: &config,
            execution_id: "x",
            stage_bucket: STAGE,
            analytics_bucket: ANALYTICS,
        };
        let err = build(&context, &[]).unwrap_err();
        assert!(err.to_string().contains("engineering/persons"));
    }

    #[test]
    fn a_batch_is_named_after_its_messages_in_any_order() {
        let a = execution_id(&["m-2", "m-1", "m-1"]);
        assert_eq!(a, execution_id(&["m-1", "m-2"]));
        assert_ne!(a, execution_id(&["m-1", "m-3"]));
        assert_eq!(a.len(), 36, "a UUID: a valid execution name");
    }
}
