//! `sdlf diff`: each synthesized stack against what is deployed.
//!
//! Template method: the deployed template (GetTemplate) against ours, with impacts predicted
//! from the resource schemas. Change-set method: CloudFormation's own answer (resolved SSM
//! values, its replacement rules) is merged in and wins; the change set is always deleted.
//! Auto: change sets for deployed stacks, and the template diff where the change set cannot be
//! made. A stack not deployed yet is all additions either way (a change set would have to
//! create the stack to answer).

use std::collections::BTreeMap;

use sdlf_cfn_types::Registry;
use sdlf_diff::TemplateDiff;
use sdlf_lake::output::StackOutput;

use super::EngineError;
use super::wait;
use crate::api::{ChangeSetRequest, ChangeSetState, DeployedStack, Objects, Stacks, TemplateSource};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Template,
    ChangeSet,
    Auto,
}

/// Where templates over the inline limit are uploaded for a change set.
pub struct Upload<'a, O> {
    pub objects: &'a O,
    pub bucket: &'a str,
}

/// The deployed template of a stack parsed, or `None` when the stack does not exist.
pub async fn deployed_template<S: Stacks>(
    api: &S,
    stack: &str,
    deployed: Option<&DeployedStack>,
) -> Result<Option<sdlf_cfn::Template>, EngineError> {
    let Some(d) = deployed else { return Ok(None) };
    if d.status == "REVIEW_IN_PROGRESS" || d.status == "DELETE_COMPLETE" {
        return Ok(None);
    }
    let body = api.template(stack).await?;
    parse_deployed(stack, &body).map(Some)
}

/// A deployed template body as a template named after its stack.
pub fn parse_deployed(stack: &str, body: &str) -> Result<sdlf_cfn::Template, EngineError> {
    let mut template = sdlf_cfn::parse(body)
        .map_err(|e| EngineError::DeployedTemplate { stack: stack.to_owned(), problem: e.to_string() })?;
    template.name = stack.to_owned();
    Ok(template)
}

/// A synthesized stack's template, named after it.
pub fn parse_synthesized(stack: &StackOutput) -> Result<sdlf_cfn::Template, EngineError> {
    let mut template = sdlf_cfn::parse(&stack.body).map_err(|e| EngineError::Stack {
        stack: stack.name.clone(),
        problem: format!("the synthesized template does not parse: {e}"),
    })?;
    template.name = stack.name.clone();
    Ok(template)
}

/// Diffs every stack. `deployed` maps stack names to what is deployed (absent: not deployed);
/// `parameters` are the values a deploy would give (see [`declared_parameters`]).
pub async fn diff_stacks<S: Stacks, O: Objects>(
    api: &S,
    upload: Option<&Upload<'_, O>>,
    stacks: &[&StackOutput],
    deployed: &BTreeMap<String, DeployedStack>,
    method: Method,
    parameters: &BTreeMap<String, String>,
) -> Result<Vec<TemplateDiff>, EngineError> {
    let mut out = Vec::with_capacity(stacks.len());
    for stack in stacks {
        let current = deployed.get(&stack.name);
        let old = deployed_template(api, &stack.name, current).await?;
        let new = parse_synthesized(stack)?;
        let mut d = sdlf_diff::diff(old.as_ref(), &new, &Registry);
        let use_change_set = old.is_some() && method != Method::Template;
        if use_change_set {
            match change_set_answer(api, upload, stack, parameters).await {
                Ok(Some(state)) => d.merge_change_set(&state.changes, &Registry),
                Ok(None) => d.merge_change_set(&[], &Registry),
                Err(e) if method == Method::Auto => {
                    d.notes.push(format!("change set not available ({e}); showing the template diff"));
                }
                Err(e) => return Err(e),
            }
        }
        out.push(d);
    }
    Ok(out)
}

/// Creates a change set for `stack`, waits for it, deletes it, and returns its changes;
/// `None` when CloudFormation found nothing to change.
async fn change_set_answer<S: Stacks, O: Objects>(
    api: &S,
    upload: Option<&Upload<'_, O>>,
    stack: &StackOutput,
    parameters: &BTreeMap<String, String>,
) -> Result<Option<ChangeSetState>, EngineError> {
    let run = format!("diff-{}", crate::naming::new_run_id());
    let name = crate::naming::change_set_name(&stack.name, &stack.body, &run);
    let template = template_source(upload, stack).await?;
    api.create_change_set(&ChangeSetRequest {
        stack: stack.name.clone(),
        name: name.clone(),
        create: false,
        template,
        // As the deploy does.
        parameters: declared_parameters(parameters, &stack.body),
        tags: stack.tags.clone(),
        description: "sdlf diff (deleted right away)".into(),
        role_arn: None,
    })
    .await?;
    let state =
        wait::until(wait::POLL, || async { Ok(api.change_set(&stack.name, &name).await?.filter(|s| !s.is_pending())) })
            .await;
    // Always clean up, whatever the answer.
    let deleted = api.delete_change_set(&stack.name, &name).await;
    let state = state?;
    deleted?;
    if state.is_empty_failure() {
        return Ok(None);
    }
    if state.status == "FAILED" {
        return Err(EngineError::ChangeSetFailed {
            stack: stack.name.clone(),
            change_set: name,
            reason: state.reason.unwrap_or_default(),
        });
    }
    Ok(Some(state))
}

/// Parameter values a deploy (or a diff's change set) passes: of `given`, those the template declares. Every other
/// parameter of the lake's templates is an SSM parameter name with that name as its default,
/// so the template carries the contract and CloudFormation resolves the value at deploy time.
pub fn declared_parameters(given: &BTreeMap<String, String>, body: &str) -> BTreeMap<String, String> {
    if given.is_empty() {
        return BTreeMap::new();
    }
    let declared = serde_json::from_str::<serde_json::Value>(body).ok();
    let declared = declared.as_ref().and_then(|t| t.get("Parameters")).and_then(|p| p.as_object());
    given
        .iter()
        .filter(|(k, _)| declared.is_some_and(|d| d.contains_key(*k)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The template inline, or uploaded first when it is over the inline limit.
pub async fn template_source<O: Objects>(
    upload: Option<&Upload<'_, O>>,
    stack: &StackOutput,
) -> Result<TemplateSource, EngineError> {
    if !stack.needs_upload {
        return Ok(TemplateSource::Body(stack.body.clone()));
    }
    let Some(u) = upload else {
        return Err(EngineError::Stack {
            stack: stack.name.clone(),
            problem: "the template is over 51,200 bytes and no bucket is available to upload it to; deploy the \
                      foundations stack first"
                .into(),
        });
    };
    let key = format!("templates/{}.json", crate::naming::content_hash(&stack.body));
    if !u.objects.exists(u.bucket, &key).await? {
        u.objects.put(u.bucket, &key, stack.body.clone().into_bytes()).await?;
    }
    Ok(TemplateSource::Url(u.objects.url(u.bucket, &key)))
}
