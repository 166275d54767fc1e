//! DynamoDB requests as plain data. The runtime converts them to SDK calls one to one:
//! [`AttrValue`] ↔ `aws_sdk_dynamodb::types::AttributeValue`, [`ConditionalPut`] → `PutItem`,
//! [`ConditionalUpdate`] → `UpdateItem`.
//!
//! A `ConditionalCheckFailedException` on any of these requests is **not** an error: it means
//! the table already holds this change or a later one (a duplicate or out-of-order event).
//! The runtime reports the message as processed (see [`crate::catalog::forward_to_routing`]
//! for the one case that needs the stored row: ask for it with
//! `ReturnValuesOnConditionCheckFailure = ALL_OLD`).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A DynamoDB attribute value: `serde_dynamo`'s, which has no SDK dependency; the runtime
/// converts it to the SDK's with `serde_dynamo`'s own conversion, and rows convert to and from
/// typed structs through serde (numbers as DynamoDB carries them: their decimal text).
pub use serde_dynamo::AttributeValue as AttrValue;

/// A row, or a row's key (ordered: requests built from it are deterministic).
pub type Item = BTreeMap<String, AttrValue>;

/// The shorthands the lake's requests are written with.
pub trait AttrValueExt {
    fn s(value: impl Into<String>) -> AttrValue;
    fn n(value: impl std::fmt::Display) -> AttrValue;
    fn as_s(&self) -> Option<&str>;
}

impl AttrValueExt for AttrValue {
    fn s(value: impl Into<String>) -> AttrValue {
        AttrValue::S(value.into())
    }

    fn n(value: impl std::fmt::Display) -> AttrValue {
        AttrValue::N(value.to_string())
    }

    fn as_s(&self) -> Option<&str> {
        match self {
            AttrValue::S(s) => Some(s),
            _ => None,
        }
    }
}

/// A value as DynamoDB stores it (a JSON value: strings, booleans, null, lists and maps as
/// they are, numbers as their text).
pub fn to_attr<T: Serialize + ?Sized>(value: &T) -> Result<AttrValue, serde_dynamo::Error> {
    serde_dynamo::to_attribute_value(value)
}

/// A row as a typed struct.
pub fn from_item<T: DeserializeOwned>(item: &Item) -> Result<T, serde_dynamo::Error> {
    let item: HashMap<String, AttrValue> = item.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    serde_dynamo::from_item(item)
}

/// `PutItem` of `item` with `ConditionExpression` = `condition`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionalPut {
    pub item: Item,
    pub condition: String,
    /// `ExpressionAttributeNames`.
    pub names: BTreeMap<String, String>,
    /// `ExpressionAttributeValues`.
    pub values: BTreeMap<String, AttrValue>,
}

/// `UpdateItem` of the row with `key`: `UpdateExpression` = `update`, `ConditionExpression` =
/// `condition`. Every update here is conditional on the row existing, because `UpdateItem`
/// would otherwise create a row holding only the updated attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionalUpdate {
    pub key: Item,
    pub update: String,
    pub condition: String,
    pub names: BTreeMap<String, String>,
    pub values: BTreeMap<String, AttrValue>,
}

/// `#name` → `name` for each attribute: every attribute goes through a placeholder, so none
/// can collide with a DynamoDB reserved word (`key`, `size`, `status`, `ttl` all are).
pub(crate) fn names(attributes: &[&str]) -> BTreeMap<String, String> {
    attributes.iter().map(|a| (format!("#{a}"), (*a).to_owned())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_goes_in_and_comes_out_unchanged() {
        let v = json!({"s": "x", "n": 1.5, "i": 42, "b": true, "z": null, "l": [{"Name": "id", "Size": 3}]});
        let value = to_attr(&v).unwrap();
        let AttrValue::M(map) = &value else { panic!("a map") };
        assert_eq!(map["n"], AttrValue::N("1.5".into()));
        assert_eq!(map["i"], AttrValue::n(42));
        assert_eq!(map["z"], AttrValue::Null(true));
        let item: Item = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(from_item::<serde_json::Value>(&item).unwrap(), v);
    }
}
