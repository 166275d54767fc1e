//! The lake's DynamoDB requests, carried out: the core's [`ConditionalPut`] /
//! [`ConditionalUpdate`] → the SDK's calls, its [`AttrValue`]s (`serde_dynamo`'s) ↔ the SDK's.

use std::collections::HashMap;

use crate::clients::sdk_error;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use sdlf_lambda_core::item::{AttrValue, ConditionalPut, ConditionalUpdate, Item};

/// The core's values in the SDK's terms, by `serde_dynamo`'s conversion (one in each direction).
pub fn to_sdk(value: &AttrValue) -> AttributeValue {
    value.clone().into()
}

pub fn item_to_sdk(item: &Item) -> HashMap<String, AttributeValue> {
    item.iter().map(|(k, v)| (k.clone(), to_sdk(v))).collect()
}

pub fn item_from_sdk(item: &HashMap<String, AttributeValue>) -> Item {
    item.iter().map(|(k, v)| (k.clone(), AttrValue::from(v.clone()))).collect()
}

/// How a conditional write went. A failed condition is not an error: the table already holds
/// this change or a later one.
#[derive(Debug)]
pub enum Written {
    Yes,
    /// The condition failed; the stored row, when DynamoDB returned it.
    AlreadyNewer(Option<Item>),
}

pub async fn put(client: &aws_sdk_dynamodb::Client, table: &str, put: &ConditionalPut) -> Result<Written, String> {
    let result = client
        .put_item()
        .table_name(table)
        .set_item(Some(item_to_sdk(&put.item)))
        .condition_expression(&put.condition)
        .set_expression_attribute_names(Some(put.names.clone().into_iter().collect()))
        .set_expression_attribute_values(non_empty(&put.values))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match result {
        Ok(_) => Ok(Written::Yes),
        Err(e) => match e.as_service_error() {
            Some(aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(c)) => {
                Ok(Written::AlreadyNewer(c.item().map(item_from_sdk)))
            }
            _ => Err(format!("PutItem on table {table} failed: {}", sdk_error(e))),
        },
    }
}

pub async fn update(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    update: &ConditionalUpdate,
) -> Result<Written, String> {
    let result = client
        .update_item()
        .table_name(table)
        .set_key(Some(item_to_sdk(&update.key)))
        .update_expression(&update.update)
        .condition_expression(&update.condition)
        .set_expression_attribute_names(Some(update.names.clone().into_iter().collect()))
        .set_expression_attribute_values(non_empty(&update.values))
        .send()
        .await;
    match result {
        Ok(_) => Ok(Written::Yes),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
            Ok(Written::AlreadyNewer(None))
        }
        Err(e) => Err(format!("UpdateItem on table {table} failed: {}", sdk_error(e))),
    }
}

/// DynamoDB refuses an empty `ExpressionAttributeValues`.
fn non_empty(values: &std::collections::BTreeMap<String, AttrValue>) -> Option<HashMap<String, AttributeValue>> {
    (!values.is_empty()).then(|| values.iter().map(|(k, v)| (k.clone(), to_sdk(v))).collect())
}

/// The row with `key_attribute` = `key`, if any.
pub async fn get(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    key_attribute: &str,
    key: &str,
) -> Result<Option<Item>, String> {
    let out = client
        .get_item()
        .table_name(table)
        .key(key_attribute, AttributeValue::S(key.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| format!("GetItem {key} on table {table} failed: {}", sdk_error(e)))?;
    Ok(out.item().map(item_from_sdk))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sdlf_lambda_core::item::AttrValueExt;

    #[test]
    fn values_convert_both_ways_unchanged() {
        let item: Item = Item::from([
            ("s".to_owned(), AttrValue::s("x")),
            ("n".to_owned(), AttrValue::n(42)),
            ("l".to_owned(), AttrValue::L(vec![AttrValue::Bool(true), AttrValue::Null(true)])),
            ("m".to_owned(), AttrValue::M(HashMap::from([("k".to_owned(), AttrValue::s("v"))]))),
        ]);
        assert_eq!(item_from_sdk(&item_to_sdk(&item)), item);
    }
}
