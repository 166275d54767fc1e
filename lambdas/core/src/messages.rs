//! Every message and state machine input of the pipelines, as documented with the pipeline
//! stack (`infra/lake/src/stacks/pipeline/mod.rs`), plus the CloudFormation custom-resource
//! request and response the `config` function exchanges.
//!
//! Field names are the documented JSON names; unknown fields are ignored when reading, so a
//! state machine may add its own (`light_transform`, `error`, `quality`...) to an input.

use serde::{Deserialize, Serialize};

use crate::contract::config::{Column, DatasetConfig, Engine, InputFormat, OnQualityFailure, TargetFormat};
use crate::glue_table::{PartitionInput, TableInput};
use crate::quality::{Outcome, QualityReport, Rule, RuleResult};

/// The dataset config's light-transform attributes, copied as they are into queue A messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LightTransform {
    pub input_format: InputFormat,
    pub target_format: TargetFormat,
    pub schema: Vec<Column>,
}

impl LightTransform {
    pub fn of(config: &DatasetConfig) -> LightTransform {
        LightTransform {
            input_format: config.input_format.clone(),
            target_format: config.target_format,
            schema: config.schema.clone(),
        }
    }
}

/// Queue A message: one raw object for a pipeline's stage A (sent by `routing`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueAMessage {
    pub bucket: String,
    pub key: String,
    pub size: u64,
    pub team: String,
    pub dataset: String,
    pub pipeline: String,
    pub stage_b_queue_url: String,
    pub transform: LightTransform,
}

/// Stage A state machine input (`routing-a`): the message plus its SQS message id, which is
/// also the execution's name and its execution-history row's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageAInput {
    #[serde(flatten)]
    pub message: QueueAMessage,
    pub execution_id: String,
}

/// What `transform-a` returns: keys in the stage bucket, under `pre-stage/{team}/{dataset}/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransformAOutput {
    pub output_keys: Vec<String>,
    /// Why the input held nothing to transform (no output then): the state machine marks the
    /// row `empty` with it. Always present (`null` otherwise): the state machine's selector
    /// reads it by path.
    #[serde(default)]
    pub empty: Option<String>,
}

/// An object named by bucket and key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectRef {
    pub bucket: String,
    pub key: String,
}

/// Stage B queue message (sent by the stage A state machine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueBMessage {
    pub team: String,
    pub dataset: String,
    pub pipeline: String,
    /// The stage A execution that produced `output_keys`.
    pub execution_id: String,
    /// The raw object.
    pub source: ObjectRef,
    pub stage_bucket: String,
    /// Keys in `stage_bucket`.
    pub output_keys: Vec<String>,
}

/// What each dataset's schedule passes to `routing-b`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleInput {
    pub team: String,
    pub pipeline: String,
    pub dataset: String,
}

/// The Glue job run's arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlueArguments {
    /// Comma-separated `s3://` URIs, or the `s3://` URI of a JSON manifest listing them
    /// (see [`crate::batch`]).
    #[serde(rename = "--SOURCE_KEYS")]
    pub source_keys: String,
    /// The batch's pending folder, `s3://{analytics}/{team}/_pending/{dataset}/{execution}/`:
    /// the output stays there until its quality is known (see [`PublishStep`]).
    #[serde(rename = "--TARGET")]
    pub target: String,
    #[serde(rename = "--TEAM")]
    pub team: String,
    #[serde(rename = "--DATASET")]
    pub dataset: String,
}

/// The Glue job run, as the state machine records it (`glue.run`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlueJobRun {
    pub id: String,
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Glue {
    pub job_name: String,
    pub arguments: GlueArguments,
    /// Added by the state machine after the job ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<GlueJobRun>,
}

/// The crawler's state, as the state machine records it (`crawler_state`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrawlerState {
    #[serde(rename = "State")]
    pub state: String,
}

/// The batch's heavy transform, copied from the dataset's config row: what the DataFusion
/// function runs (the Glue job carries the same SQL in its arguments).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeavyInput {
    pub engine: Engine,
    pub sql: String,
    #[serde(default)]
    pub partition_by: Vec<String>,
    #[serde(default)]
    pub quality_rules: Vec<Rule>,
    #[serde(default)]
    pub on_quality_failure: OnQualityFailure,
}

/// One object the heavy transform wrote, where it ended (analytics or quarantine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputObject {
    /// Its key in the analytics bucket.
    pub key: String,
    /// Its Hive partition path (`gender=f`), empty when unpartitioned.
    #[serde(default)]
    pub partition: String,
    pub rows: u64,
}

/// A batch's outcome (`transformed` in the stage B state machine): what the DataFusion
/// function returns, and what the publish step returns for a Glue batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeavyOutput {
    pub rows: u64,
    pub objects: Vec<OutputObject>,
    /// Kept out of the analytics layer: a rule failed and the dataset fails on that.
    pub quarantined: bool,
    pub quality: QualityReport,
    /// `quality.passed()`, spelled out for the state machine's choice (it cannot compute it).
    pub passed: bool,
    /// `quality.failure_lines()`, spelled out for the state machine's notification.
    pub failures: String,
    /// The table to register (`local`, where the crawler infers nothing); `None` when nothing
    /// was published.
    #[serde(default)]
    pub table: Option<TableInput>,
    /// Its partitions, in calls Glue accepts (see [`crate::glue_table::partition_calls`]).
    #[serde(default)]
    pub partition_calls: Vec<Vec<PartitionInput>>,
}

impl HeavyOutput {
    /// The outcome of a batch whose output is now `objects`, with its rules' results: rows
    /// counted from the objects, the state machine's fields derived, no table to register.
    pub fn new(objects: Vec<OutputObject>, quarantined: bool, quality: QualityReport) -> HeavyOutput {
        HeavyOutput {
            rows: objects.iter().map(|o| o.rows).sum(),
            objects,
            quarantined,
            passed: quality.passed(),
            failures: quality.failure_lines(),
            quality,
            table: None,
            partition_calls: Vec::new(),
        }
    }
}

/// One rule's result as Glue Data Quality's `GetDataQualityResult` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GlueRuleResult {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub evaluation_message: String,
    /// `PASS`, `FAIL` or `ERROR`.
    pub result: Outcome,
    #[serde(default)]
    pub evaluated_metrics: std::collections::BTreeMap<String, f64>,
    /// The rule in DQDL, when Glue gives it.
    #[serde(default)]
    pub evaluated_rule: String,
}

/// What the stage B state machine keeps of a Glue Data Quality result (`glue_quality`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlueQuality {
    pub score: f64,
    pub rules: Vec<GlueRuleResult>,
}

impl GlueQuality {
    /// The same results in the shape the local evaluator reports them.
    pub fn report(&self) -> QualityReport {
        let results = self
            .rules
            .iter()
            .map(|r| {
                let rule = [&r.evaluated_rule, &r.description, &r.name].into_iter().find(|s| !s.is_empty());
                RuleResult {
                    rule: rule.cloned().unwrap_or_default(),
                    outcome: r.result,
                    message: r.evaluation_message.clone(),
                    metrics: r.evaluated_metrics.clone(),
                }
            })
            .collect();
        QualityReport { results }
    }
}

/// Stage B state machine input (`routing-b`); `postupdate-b` receives it with `glue.run` and
/// `crawler_state` (Glue) or `transformed` (DataFusion) filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageBInput {
    pub team: String,
    pub pipeline: String,
    pub dataset: String,
    pub execution_id: String,
    pub glue: Glue,
    pub crawler: String,
    pub database: String,
    /// The Glue table the crawler makes, for the data quality run.
    #[serde(default)]
    pub table: String,
    /// `""` when the dataset has no quality rules.
    pub quality_ruleset: String,
    pub heavy: HeavyInput,
    /// The queue B bodies of the batch.
    pub messages: Vec<QueueBMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crawler_state: Option<CrawlerState>,
    /// Added by the state machine after the DataFusion function ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transformed: Option<HeavyOutput>,
    /// Added by the state machine after Glue Data Quality evaluated the dataset's ruleset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glue_quality: Option<GlueQuality>,
    /// Added by the state machine after the publish step described a Glue batch's output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingTable>,
}

/// What the publish step (`stage-b-publish`) does with a Glue batch: the Spark job writes to
/// the batch's pending folder, Glue Data Quality can only evaluate a catalog table, and the
/// output may reach the dataset's prefix only once its rules passed (or only warn).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishStep {
    /// Describe the pending output as a table for the quality run ([`PendingTable`]).
    Describe,
    /// Move the pending output to the dataset's prefix or its quarantine, by the quality
    /// result ([`HeavyOutput`]).
    Publish,
}

impl PublishStep {
    /// The step's name in the request.
    pub const fn as_str(self) -> &'static str {
        match self {
            PublishStep::Describe => "describe",
            PublishStep::Publish => "publish",
        }
    }
}

/// The publish step's input: `{"step", "input"}`, the input being the execution's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishRequest {
    pub step: PublishStep,
    pub input: StageBInput,
}

/// A Glue batch's pending output as a temporary table Glue Data Quality evaluates
/// (`pending` in the state machine), dropped once the result is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingTable {
    /// `None` when the job wrote no rows: there is no schema, so nothing to evaluate.
    #[serde(default)]
    pub table: Option<TableInput>,
    /// Its partitions, in calls Glue accepts.
    #[serde(default)]
    pub partition_calls: Vec<Vec<PartitionInput>>,
}

/// What `postupdate-b` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostUpdateBOutput {
    /// The Glue table of the output.
    pub table: String,
}

/// An error caught by a state machine (`Catch` output).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepError {
    #[serde(rename = "Error")]
    pub error: String,
    #[serde(rename = "Cause", default)]
    pub cause: String,
}

/// Input of `error-a` / `error-b`: `input` goes to the dead-letter queue, the error as
/// message attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorInput {
    /// The failed execution's input, as it was.
    pub input: serde_json::Value,
    pub error: StepError,
    /// The execution's ARN.
    pub execution: String,
}

/// A CloudFormation custom-resource request type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestType {
    Create,
    Update,
    Delete,
}

/// A CloudFormation custom-resource request (the event of the `config` function).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomResourceRequest {
    pub request_type: RequestType,
    /// Pre-signed S3 URL the response is `PUT` to.
    #[serde(rename = "ResponseURL")]
    pub response_url: String,
    pub stack_id: String,
    pub request_id: String,
    pub resource_type: String,
    pub logical_resource_id: String,
    /// Absent on `Create`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_resource_id: Option<String>,
    #[serde(default)]
    pub resource_properties: serde_json::Map<String, serde_json::Value>,
    /// `Update` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_resource_properties: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ResponseStatus {
    Success,
    Failed,
}

/// The body `PUT` to the request's `ResponseURL`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomResourceResponse {
    pub status: ResponseStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub physical_resource_id: String,
    pub stack_id: String,
    pub request_id: String,
    pub logical_resource_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Map<String, serde_json::Value>>,
}

/// CloudFormation refuses response bodies over 4096 bytes; a long reason is cut to this.
pub const MAX_REASON_CHARS: usize = 1000;

impl CustomResourceResponse {
    pub fn success(
        request: &CustomResourceRequest,
        physical_resource_id: impl Into<String>,
        data: Option<serde_json::Map<String, serde_json::Value>>,
    ) -> CustomResourceResponse {
        CustomResourceResponse {
            status: ResponseStatus::Success,
            reason: None,
            physical_resource_id: physical_resource_id.into(),
            stack_id: request.stack_id.clone(),
            request_id: request.request_id.clone(),
            logical_resource_id: request.logical_resource_id.clone(),
            data,
        }
    }

    /// A failure keeps the request's physical id (changing it on `Update` or `Delete` would
    /// make CloudFormation treat the resource as replaced); on `Create` there is none yet, so
    /// the logical id stands in.
    pub fn failure(request: &CustomResourceRequest, reason: &str) -> CustomResourceResponse {
        let reason: String = reason.chars().take(MAX_REASON_CHARS).collect();
        CustomResourceResponse {
            status: ResponseStatus::Failed,
            reason: Some(reason),
            physical_resource_id: request
                .physical_resource_id
                .clone()
                .unwrap_or_else(|| request.logical_resource_id.clone()),
            stack_id: request.stack_id.clone(),
            request_id: request.request_id.clone(),
            logical_resource_id: request.logical_resource_id.clone(),
            data: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;

    fn fixture(name: &str) -> serde_json::Value {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    /// Reads the fixture into `T` and writes it back: the same JSON, field for field.
    fn round_trip<T: DeserializeOwned + Serialize>(name: &str) -> T {
        let json = fixture(name);
        let value: T = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(serde_json::to_value(&value).unwrap(), json, "{name}");
        value
    }

    #[test]
    fn queue_a_message_and_stage_a_input() {
        let message: QueueAMessage = round_trip("queue_a_message.json");
        assert_eq!(message.transform, LightTransform::of(&crate::contract::config::tests::config()));
        let input: StageAInput = round_trip("stage_a_input.json");
        assert_eq!(input.message, message);
        let output: TransformAOutput = round_trip("transform_a_output.json");
        assert_eq!(output.output_keys.len(), 2);
        // `empty` is always written (the state machine's selector reads it by path).
        let empty: TransformAOutput = round_trip("transform_a_output_empty.json");
        assert_eq!((empty.output_keys.len(), empty.empty.as_deref()), (0, Some("input is empty: no data rows")));
    }

    #[test]
    fn stage_b_shapes() {
        let message: QueueBMessage = round_trip("queue_b_message.json");
        let input: StageBInput = round_trip("stage_b_input.json");
        assert_eq!(input.messages, [message]);
        let after: StageBInput = round_trip("stage_b_postupdate_input.json");
        assert_eq!(after.glue.run.as_ref().map(|r| r.state.as_str()), Some("SUCCEEDED"));
        assert_eq!(after.crawler_state, Some(CrawlerState { state: "READY".into() }));
        round_trip::<ScheduleInput>("schedule_input.json");
        round_trip::<PostUpdateBOutput>("postupdate_b_output.json");
    }

    #[test]
    fn extra_fields_added_by_state_machines_are_ignored() {
        let mut json = fixture("stage_a_input.json");
        json["light_transform"] = serde_json::json!({"output_keys": []});
        let input: StageAInput = serde_json::from_value(json).unwrap();
        assert_eq!(input.execution_id, "2f0e8c4d-7c1a-4b7e-9a55-3c0a6f1d2e10");
    }

    #[test]
    fn error_input() {
        let input: ErrorInput = round_trip("error_input.json");
        assert_eq!(input.error.error, "States.TaskFailed");
        assert_eq!(input.input["execution_id"], "2f0e8c4d-7c1a-4b7e-9a55-3c0a6f1d2e10");
    }

    #[test]
    fn custom_resources() {
        let create: CustomResourceRequest = round_trip("custom_resource_create.json");
        assert_eq!((create.request_type, create.physical_resource_id.as_deref()), (RequestType::Create, None));
        let update: CustomResourceRequest = round_trip("custom_resource_update.json");
        assert_eq!(update.request_type, RequestType::Update);
        assert_eq!(update.old_resource_properties.as_ref().unwrap()["MaxItems"], "50");

        let ok = CustomResourceResponse::success(&update, "engineering/legislators", None);
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            serde_json::json!({
                "Status": "SUCCESS",
                "PhysicalResourceId": "engineering/legislators",
                "StackId": update.stack_id,
                "RequestId": update.request_id,
                "LogicalResourceId": "DatasetConfig",
            })
        );
        let failed = CustomResourceResponse::failure(&create, &"x".repeat(5000));
        assert_eq!(failed.status, ResponseStatus::Failed);
        assert_eq!(failed.physical_resource_id, "DatasetConfig");
        assert_eq!(failed.reason.as_ref().unwrap().len(), MAX_REASON_CHARS);
        assert_eq!(serde_json::to_value(&failed).unwrap()["Status"], "FAILED");
        let failed_update = CustomResourceResponse::failure(&update, "no");
        assert_eq!(failed_update.physical_resource_id, "engineering/legislators");
    }
}
