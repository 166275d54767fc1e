//! CloudFormation calls, converted to and from `sdlf_deploy::api`'s plain data.

use std::sync::Arc;

use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudformation::primitives::{DateTime, DateTimeFormat};
use aws_sdk_cloudformation::types::{
    Capability, ChangeAction, ChangeSetType, Parameter, Replacement as SdkReplacement, Stack, Tag, TemplateStage,
};
use sdlf_deploy::api::{
    ApiError, ChangeSetRequest, ChangeSetState, ChangeSetSummary, DeployedStack, StackEvent, Stacks, TemplateSource,
};
use sdlf_diff::{ChangeSetAction, ChangeSetChange, Replacement};

use crate::CallCounter;

#[derive(Debug, Clone)]
pub struct CloudFormation {
    client: Client,
    calls: Arc<CallCounter>,
}

impl CloudFormation {
    pub fn new(client: Client, calls: Arc<CallCounter>) -> CloudFormation {
        CloudFormation { client, calls }
    }
}

fn error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    operation: &'static str,
    stack: &str,
    e: SdkError<E>,
) -> ApiError {
    crate::api_error(operation, (!stack.is_empty()).then_some(stack), e)
}

/// "Stack with id X does not exist" is how CloudFormation says "no such stack".
fn is_missing_stack<E: ProvideErrorMetadata>(e: &SdkError<E>) -> bool {
    e.as_service_error().and_then(|s| s.message()).is_some_and(|m| m.contains("does not exist"))
}

fn deployed(stack: &Stack) -> DeployedStack {
    DeployedStack {
        name: stack.stack_name().unwrap_or_default().to_owned(),
        id: stack.stack_id().unwrap_or_default().to_owned(),
        status: stack.stack_status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
        status_reason: stack.stack_status_reason().map(str::to_owned),
        parameters: stack
            .parameters()
            .iter()
            .filter_map(|p| Some((p.parameter_key()?.to_owned(), p.parameter_value().unwrap_or_default().to_owned())))
            .collect(),
        tags: stack.tags().iter().filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned()))).collect(),
        termination_protection: stack.enable_termination_protection().unwrap_or(false),
        outputs: stack
            .outputs()
            .iter()
            .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value().unwrap_or_default().to_owned())))
            .collect(),
        last_updated: stack.last_updated_time().or(stack.creation_time()).and_then(date_time_to_rfc3339),
        drift: stack.drift_information().and_then(|d| d.stack_drift_status()).map(|s| s.as_str().to_owned()),
    }
}

impl Stacks for CloudFormation {
    async fn describe(&self, stack: &str) -> Result<Option<DeployedStack>, ApiError> {
        self.calls.tick();
        match self.client.describe_stacks().stack_name(stack).send().await {
            Ok(out) => Ok(out.stacks().first().map(deployed)),
            Err(e) if is_missing_stack(&e) => Ok(None),
            Err(e) => Err(error("DescribeStacks", stack, e)),
        }
    }

    async fn describe_all(&self, prefix: &str) -> Result<Vec<DeployedStack>, ApiError> {
        let mut out = Vec::new();
        // Pages, not `.items()`: every page is one call to count.
        let mut pages = self.client.describe_stacks().into_paginator().send();
        while let Some(page) = pages.next().await {
            self.calls.tick();
            let page = page.map_err(|e| error("DescribeStacks", "", e))?;
            out.extend(
                page.stacks().iter().filter(|s| s.stack_name().is_some_and(|n| n.starts_with(prefix))).map(deployed),
            );
        }
        Ok(out)
    }

    async fn template(&self, stack: &str) -> Result<String, ApiError> {
        self.calls.tick();
        let out = self
            .client
            .get_template()
            .stack_name(stack)
            .template_stage(TemplateStage::Original)
            .send()
            .await
            .map_err(|e| error("GetTemplate", stack, e))?;
        Ok(out.template_body().unwrap_or_default().to_owned())
    }

    async fn create_change_set(&self, r: &ChangeSetRequest) -> Result<(), ApiError> {
        self.calls.tick();
        let mut call = self
            .client
            .create_change_set()
            .stack_name(&r.stack)
            .change_set_name(&r.name)
            .description(&r.description)
            .change_set_type(if r.create { ChangeSetType::Create } else { ChangeSetType::Update })
            // Roles and named roles are the lake's own (see the security baseline).
            .capabilities(Capability::CapabilityIam)
            .capabilities(Capability::CapabilityNamedIam);
        call = match &r.template {
            TemplateSource::Body(b) => call.template_body(b),
            TemplateSource::Url(u) => call.template_url(u),
        };
        for (k, v) in &r.parameters {
            call = call.parameters(Parameter::builder().parameter_key(k).parameter_value(v).build());
        }
        if let Some(role) = &r.role_arn {
            call = call.role_arn(role);
        }
        for (k, v) in &r.tags {
            call = call.tags(Tag::builder().key(k).value(v).build());
        }
        call.send().await.map_err(|e| error("CreateChangeSet", &r.stack, e))?;
        Ok(())
    }

    async fn change_set(&self, stack: &str, name: &str) -> Result<Option<ChangeSetState>, ApiError> {
        let mut state: Option<ChangeSetState> = None;
        let mut pages =
            self.client.describe_change_set().stack_name(stack).change_set_name(name).into_paginator().send();
        while let Some(page) = pages.next().await {
            self.calls.tick();
            let page = match page {
                Ok(page) => page,
                Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("ChangeSetNotFound") => return Ok(None),
                Err(e) => return Err(error("DescribeChangeSet", stack, e)),
            };
            let s = state.get_or_insert_with(|| ChangeSetState {
                status: page.status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
                reason: page.status_reason().map(str::to_owned),
                changes: Vec::new(),
            });
            for change in page.changes() {
                let Some(rc) = change.resource_change() else { continue };
                let action = match rc.action() {
                    Some(ChangeAction::Add) => ChangeSetAction::Add,
                    Some(ChangeAction::Remove) => ChangeSetAction::Remove,
                    Some(ChangeAction::Modify | ChangeAction::Dynamic) => ChangeSetAction::Modify,
                    // Imports are not part of sdlf deployments.
                    _ => continue,
                };
                s.changes.push(ChangeSetChange {
                    logical_id: rc.logical_resource_id().unwrap_or_default().to_owned(),
                    resource_type: rc.resource_type().unwrap_or_default().to_owned(),
                    action,
                    replacement: rc.replacement().map(|r| match r {
                        SdkReplacement::True => Replacement::True,
                        SdkReplacement::Conditional => Replacement::Conditional,
                        _ => Replacement::False,
                    }),
                    details: rc
                        .details()
                        .iter()
                        .filter_map(|d| d.target())
                        .filter_map(|t| t.path().or(t.name()).map(str::to_owned))
                        .collect(),
                    physical_id: rc.physical_resource_id().filter(|p| !p.is_empty()).map(str::to_owned),
                });
            }
        }
        Ok(state)
    }

    async fn execute_change_set(&self, stack: &str, name: &str) -> Result<(), ApiError> {
        self.calls.tick();
        self.client
            .execute_change_set()
            .stack_name(stack)
            .change_set_name(name)
            .send()
            .await
            .map_err(|e| error("ExecuteChangeSet", stack, e))?;
        Ok(())
    }

    async fn delete_change_set(&self, stack: &str, name: &str) -> Result<(), ApiError> {
        self.calls.tick();
        match self.client.delete_change_set().stack_name(stack).change_set_name(name).send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("ChangeSetNotFound") => Ok(()),
            Err(e) => Err(error("DeleteChangeSet", stack, e)),
        }
    }

    async fn change_sets(&self, stack: &str) -> Result<Vec<ChangeSetSummary>, ApiError> {
        let mut out = Vec::new();
        let mut pages = self.client.list_change_sets().stack_name(stack).into_paginator().send();
        while let Some(page) = pages.next().await {
            self.calls.tick();
            let page = match page {
                Ok(page) => page,
                Err(e) if is_missing_stack(&e) => return Ok(Vec::new()),
                Err(e) => return Err(error("ListChangeSets", stack, e)),
            };
            out.extend(page.summaries().iter().map(|c| ChangeSetSummary {
                name: c.change_set_name().unwrap_or_default().to_owned(),
                status: c.status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
                execution_status: c.execution_status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
                created: c.creation_time().and_then(|t| std::time::SystemTime::try_from(*t).ok()),
            }));
        }
        Ok(out)
    }

    async fn events(&self, stack: &str) -> Result<Vec<StackEvent>, ApiError> {
        self.calls.tick();
        let out = self
            .client
            .describe_stack_events()
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| error("DescribeStackEvents", stack, e))?;
        Ok(out
            .stack_events()
            .iter()
            .map(|e| StackEvent {
                id: e.event_id().unwrap_or_default().to_owned(),
                timestamp: e.timestamp().and_then(date_time_to_rfc3339).unwrap_or_default(),
                logical_id: e.logical_resource_id().unwrap_or_default().to_owned(),
                resource_type: e.resource_type().unwrap_or_default().to_owned(),
                status: e.resource_status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
                reason: e.resource_status_reason().map(str::to_owned),
            })
            .collect())
    }

    async fn delete_stack(&self, stack: &str) -> Result<(), ApiError> {
        self.calls.tick();
        self.client.delete_stack().stack_name(stack).send().await.map_err(|e| error("DeleteStack", stack, e))?;
        Ok(())
    }

    async fn cancel_update(&self, stack: &str) -> Result<(), ApiError> {
        self.calls.tick();
        self.client
            .cancel_update_stack()
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| error("CancelUpdateStack", stack, e))?;
        Ok(())
    }

    async fn set_termination_protection(&self, stack: &str, on: bool) -> Result<(), ApiError> {
        self.calls.tick();
        self.client
            .update_termination_protection()
            .stack_name(stack)
            .enable_termination_protection(on)
            .send()
            .await
            .map_err(|e| error("UpdateTerminationProtection", stack, e))?;
        Ok(())
    }
}

fn date_time_to_rfc3339(t: &DateTime) -> Option<String> {
    t.fmt(DateTimeFormat::DateTime).ok()
}
