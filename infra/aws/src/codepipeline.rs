//! The pipeline's state and executions (`bootstrap --status` / `--wait`) and the connection's
//! handshake state: what CloudFormation cannot tell.

use std::sync::Arc;

use sdlf_cicd::status::{ActionState, Connections, Execution, Pipelines, StageState};
use sdlf_deploy::api::ApiError;

use crate::CallCounter;

#[derive(Debug, Clone)]
pub struct CodePipeline {
    client: aws_sdk_codepipeline::Client,
    calls: Arc<CallCounter>,
}

impl CodePipeline {
    pub fn new(client: aws_sdk_codepipeline::Client, calls: Arc<CallCounter>) -> CodePipeline {
        CodePipeline { client, calls }
    }
}

fn error<E>(operation: &'static str, e: aws_sdk_codepipeline::error::SdkError<E>) -> ApiError
where
    E: aws_sdk_codepipeline::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    crate::api_error(operation, None, e)
}

fn timestamp(t: Option<&aws_sdk_codepipeline::primitives::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(aws_sdk_codepipeline::primitives::DateTimeFormat::DateTime).ok())
}

impl Pipelines for CodePipeline {
    async fn state(&self, pipeline: &str) -> Result<Option<Vec<StageState>>, ApiError> {
        self.calls.tick();
        let out = match self.client.get_pipeline_state().name(pipeline).send().await {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_pipeline_not_found_exception()) => return Ok(None),
            Err(e) => return Err(error("GetPipelineState", e)),
        };
        let stages = out
            .stage_states()
            .iter()
            .map(|s| StageState {
                name: s.stage_name().unwrap_or_default().to_owned(),
                status: s.latest_execution().map(|e| e.status().as_str().to_owned()),
                actions: s
                    .action_states()
                    .iter()
                    .map(|a| {
                        let latest = a.latest_execution();
                        ActionState {
                            name: a.action_name().unwrap_or_default().to_owned(),
                            status: latest.and_then(|l| l.status()).map(|s| s.as_str().to_owned()),
                            message: latest.and_then(|l| {
                                l.error_details().and_then(|d| d.message()).or(l.summary()).map(str::to_owned)
                            }),
                        }
                    })
                    .collect(),
            })
            .collect();
        Ok(Some(stages))
    }

    async fn latest_execution(&self, pipeline: &str) -> Result<Option<Execution>, ApiError> {
        self.calls.tick();
        let out = self
            .client
            .list_pipeline_executions()
            .pipeline_name(pipeline)
            .max_results(1)
            .send()
            .await
            .map_err(|e| error("ListPipelineExecutions", e))?;
        Ok(out.pipeline_execution_summaries().first().map(|s| Execution {
            id: s.pipeline_execution_id().unwrap_or_default().to_owned(),
            status: s.status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
            started: timestamp(s.start_time()),
            trigger: s.trigger().and_then(|t| t.trigger_type()).map(|t| t.as_str().to_owned()),
        }))
    }

    async fn execution(&self, pipeline: &str, id: &str) -> Result<Execution, ApiError> {
        self.calls.tick();
        let out = self
            .client
            .get_pipeline_execution()
            .pipeline_name(pipeline)
            .pipeline_execution_id(id)
            .send()
            .await
            .map_err(|e| error("GetPipelineExecution", e))?;
        let e = out.pipeline_execution();
        Ok(Execution {
            id: id.to_owned(),
            status: e.and_then(|e| e.status()).map(|s| s.as_str().to_owned()).unwrap_or_default(),
            started: None,
            trigger: e.and_then(|e| e.trigger()).and_then(|t| t.trigger_type()).map(|t| t.as_str().to_owned()),
        })
    }
}

#[derive(Debug, Clone)]
pub struct CodeConnections {
    client: aws_sdk_codeconnections::Client,
    calls: Arc<CallCounter>,
}

impl CodeConnections {
    pub fn new(client: aws_sdk_codeconnections::Client, calls: Arc<CallCounter>) -> CodeConnections {
        CodeConnections { client, calls }
    }
}

impl Connections for CodeConnections {
    async fn status(&self, arn: &str) -> Result<Option<String>, ApiError> {
        self.calls.tick();
        match self.client.get_connection().connection_arn(arn).send().await {
            Ok(out) => Ok(out.connection().and_then(|c| c.connection_status()).map(|s| s.as_str().to_owned())),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(None),
            Err(e) => Err(crate::api_error("GetConnection", None, e)),
        }
    }
}
