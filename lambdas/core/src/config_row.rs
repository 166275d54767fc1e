//! The config function's decisions: a `Custom::DatasetConfig` or `Custom::PipelineConfig`
//! request from CloudFormation → the row to write or delete, and the answer to send back.
//!
//! The resource's properties are the row: `Table` names the table, `Key` is the row's key
//! (`{team}/{dataset}` or `{team}/{pipeline}`), every other property except CloudFormation's
//! own (`ServiceToken`, `ServiceTimeout`) is stored verbatim. The physical id is
//! `{table}/{key}`, so a change of either makes CloudFormation create the new row and then
//! delete the old one with its old properties.

use serde_json::Value;

use crate::contract::config::RowKind;
use crate::item::{AttrValue, AttrValueExt, Item, to_attr};
use crate::messages::{CustomResourceRequest as Request, CustomResourceResponse, RequestType};

/// Properties that are the request's routing, not row content.
const NOT_STORED: [&str; 4] = ["ServiceToken", "ServiceTimeout", "Table", "Key"];

/// What to do with the table.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Put {
        table: String,
        item: Item,
    },
    Delete {
        table: String,
        key_attribute: &'static str,
        key: String,
    },
    /// A delete of a resource whose create never wrote a row (it failed before): nothing to do.
    Nothing,
}

/// The key attribute of the table a resource type writes to (see the foundations' tables).
pub fn key_attribute(resource_type: &str) -> Option<&'static str> {
    RowKind::from_resource_type(resource_type).map(RowKind::key_attribute)
}

/// The decision for a request, with the physical id to answer with; `Err` is the reason of a
/// FAILED answer.
pub fn decide(request: &Request) -> Result<(Action, String), String> {
    let key_attribute = key_attribute(&request.resource_type).ok_or_else(|| {
        format!(
            "resource type {} is not a config row (expected Custom::DatasetConfig or Custom::PipelineConfig)",
            request.resource_type
        )
    })?;
    let props = &request.resource_properties;
    let text = |name: &str| -> Result<String, String> {
        match props.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            _ => Err(format!("property {name} of {} must be a non-empty string", request.logical_resource_id)),
        }
    };
    if request.request_type == RequestType::Delete {
        // A create that failed answered with a physical id that names no row (see below);
        // its delete must succeed, or the stack could never roll back.
        let (Ok(table), Ok(key)) = (text("Table"), text("Key")) else {
            return Ok((Action::Nothing, fallback_id(request)));
        };
        let id = physical_id(&table, &key);
        if request.physical_resource_id.as_deref() != Some(id.as_str()) {
            return Ok((Action::Nothing, fallback_id(request)));
        }
        return Ok((Action::Delete { table, key_attribute, key }, id));
    }
    let table = text("Table")?;
    let key = text("Key")?;
    let mut item = Item::new();
    item.insert(key_attribute.to_owned(), AttrValue::s(&key));
    for (name, value) in props {
        if !NOT_STORED.contains(&name.as_str()) {
            let value = to_attr(value).map_err(|e| format!("property {name} cannot be stored: {e}"))?;
            item.insert(name.clone(), value);
        }
    }
    let id = physical_id(&table, &key);
    Ok((Action::Put { table, item }, id))
}

pub fn physical_id(table: &str, key: &str) -> String {
    format!("{table}/{key}")
}

/// The physical id of a request that writes nothing: the one CloudFormation already has, or
/// (on a create) one that names no row, so the delete that follows a failed create is a no-op.
fn fallback_id(request: &Request) -> String {
    request.physical_resource_id.clone().unwrap_or_else(|| request.logical_resource_id.clone())
}

/// The answer for a request, given the outcome (the physical id, or the reason it failed).
pub fn response(request: &Request, outcome: Result<String, String>) -> CustomResourceResponse {
    match outcome {
        Ok(id) => CustomResourceResponse::success(request, id, None),
        Err(reason) => CustomResourceResponse::failure(request, &reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(kind: &str, props: Value, physical: Option<&str>) -> Request {
        let mut v = json!({
            "RequestType": kind,
            "ResponseURL": "http://127.0.0.1:4566/_ministack/cfn-response/t",
            "StackId": "arn:aws:cloudformation:us-east-1:000000000000:stack/s/1",
            "RequestId": "r-1",
            "ResourceType": "Custom::DatasetConfig",
            "LogicalResourceId": "DatasetConfig",
            "ResourceProperties": props,
        });
        if let Some(p) = physical {
            v["PhysicalResourceId"] = json!(p);
        }
        serde_json::from_value(v).unwrap()
    }

    fn props() -> Value {
        // As CloudFormation sends them: primitives as strings, lists and maps kept.
        json!({
            "ServiceToken": "arn:aws:lambda:us-east-1:000000000000:function:sdlf-local-config",
            "ServiceTimeout": "120",
            "Table": "sdlf-local-dataset-config",
            "Key": "engineering/legislators",
            "Pipeline": "main",
            "MinItems": "1",
            "Schema": [{"Name": "id", "Type": "string"}],
        })
    }

    #[test]
    fn create_writes_the_properties_verbatim_under_the_key() {
        let (action, id) = decide(&request("Create", props(), None)).unwrap();
        assert_eq!(id, "sdlf-local-dataset-config/engineering/legislators");
        let Action::Put { table, item } = action else { panic!("a put") };
        assert_eq!(table, "sdlf-local-dataset-config");
        assert_eq!(
            crate::item::from_item::<Value>(&item).unwrap(),
            json!({"dataset": "engineering/legislators", "Pipeline": "main", "MinItems": "1",
                   "Schema": [{"Name": "id", "Type": "string"}]})
        );
    }

    #[test]
    fn delete_removes_the_row_it_names() {
        let req = request("Delete", props(), Some("sdlf-local-dataset-config/engineering/legislators"));
        let (action, id) = decide(&req).unwrap();
        assert_eq!(id, "sdlf-local-dataset-config/engineering/legislators");
        assert_eq!(
            action,
            Action::Delete {
                table: "sdlf-local-dataset-config".into(),
                key_attribute: "dataset",
                key: "engineering/legislators".into()
            }
        );
    }

    #[test]
    fn the_delete_after_a_failed_create_does_nothing() {
        let req = request("Delete", props(), Some("DatasetConfig"));
        assert_eq!(decide(&req).unwrap(), (Action::Nothing, "DatasetConfig".to_owned()));
        let req = request("Delete", json!({}), Some("DatasetConfig"));
        assert_eq!(decide(&req).unwrap().0, Action::Nothing);
    }

    #[test]
    fn bad_requests_fail_with_a_reason_naming_the_resource() {
        let mut p = props();
        p["Key"] = json!("");
        let err = decide(&request("Create", p, None)).unwrap_err();
        assert_eq!(err, "property Key of DatasetConfig must be a non-empty string");
        let mut req = request("Create", props(), None);
        req.resource_type = "Custom::Other".into();
        assert!(decide(&req).unwrap_err().contains("Custom::Other is not a config row"));
    }

    #[test]
    fn answers_carry_the_request_ids_and_a_failed_create_gets_an_id_naming_no_row() {
        let req = request("Create", props(), None);
        let ok = serde_json::to_value(response(&req, Ok("t/k".into()))).unwrap();
        assert_eq!(
            ok,
            json!({"Status": "SUCCESS", "PhysicalResourceId": "t/k", "StackId": req.stack_id,
                   "RequestId": "r-1", "LogicalResourceId": "DatasetConfig"})
        );
        let failed = response(&req, Err("x".repeat(5000)));
        assert_eq!(failed.status, crate::messages::ResponseStatus::Failed);
        assert_eq!(failed.physical_resource_id, "DatasetConfig", "names no row");
        assert!(failed.reason.unwrap().len() <= crate::messages::MAX_REASON_CHARS);
    }
}
