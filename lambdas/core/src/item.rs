//! DynamoDB requests as plain data. The runtime converts them to SDK calls one to one:
//! [`AttrValue`] ↔ `aws_sdk_dynamodb::types::AttributeValue`, [`ConditionalPut`] → `PutItem`,
//! [`ConditionalUpdate`] → `UpdateItem`.
//!
//! A `ConditionalCheckFailedException` on any of these requests is **not** an error: it means
//! the table already holds this change or a later one (a duplicate or out-of-order event).
//! The runtime reports the message as processed (see [`crate::catalog::forward_to_routing`]
//! for the one case that needs the stored row: ask for it with
//! `ReturnValuesOnConditionCheckFailure = ALL_OLD`).

use std::collections::BTreeMap;

/// A DynamoDB attribute value (the subset the lake writes and reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrValue {
    S(String),
    /// A number, as DynamoDB carries it: its decimal text.
    N(String),
    Bool(bool),
    Null,
    L(Vec<AttrValue>),
    M(BTreeMap<String, AttrValue>),
}

/// A row, or a row's key.
pub type Item = BTreeMap<String, AttrValue>;

impl AttrValue {
    pub fn s(value: impl Into<String>) -> AttrValue {
        AttrValue::S(value.into())
    }

    pub fn n(value: impl std::fmt::Display) -> AttrValue {
        AttrValue::N(value.to_string())
    }

    pub fn as_s(&self) -> Option<&str> {
        match self {
            AttrValue::S(s) => Some(s),
            _ => None,
        }
    }

    /// A JSON value as DynamoDB stores it: strings, booleans, null, lists and maps as they
    /// are, numbers as their decimal text (the inverse of [`AttrValue::to_json`]).
    pub fn from_json(value: &serde_json::Value) -> AttrValue {
        use serde_json::Value;
        match value {
            Value::String(s) => AttrValue::S(s.clone()),
            Value::Number(n) => AttrValue::N(n.to_string()),
            Value::Bool(b) => AttrValue::Bool(*b),
            Value::Null => AttrValue::Null,
            Value::Array(items) => AttrValue::L(items.iter().map(AttrValue::from_json).collect()),
            Value::Object(map) => AttrValue::M(map.iter().map(|(k, v)| (k.clone(), AttrValue::from_json(v))).collect()),
        }
    }

    /// The value as JSON: strings, lists and maps as they are, numbers as JSON numbers when
    /// they parse (else as their text). Used to deserialize rows into typed structs.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            AttrValue::S(s) => Value::String(s.clone()),
            AttrValue::N(n) => serde_json::from_str::<serde_json::Number>(n)
                .map(Value::Number)
                .unwrap_or_else(|_| Value::String(n.clone())),
            AttrValue::Bool(b) => Value::Bool(*b),
            AttrValue::Null => Value::Null,
            AttrValue::L(items) => Value::Array(items.iter().map(AttrValue::to_json).collect()),
            AttrValue::M(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }
}

/// A whole item as one JSON object (see [`AttrValue::to_json`]).
pub fn item_to_json(item: &Item) -> serde_json::Value {
    serde_json::Value::Object(item.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
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
    fn json_comes_in_and_goes_out_unchanged() {
        let v = json!({"s": "x", "n": 1.5, "b": true, "z": null, "l": [{"Name": "id", "Size": 3}]});
        let value = AttrValue::from_json(&v);
        let AttrValue::M(map) = &value else { panic!("a map") };
        assert_eq!(map["n"], AttrValue::N("1.5".into()));
        assert_eq!(map["z"], AttrValue::Null);
        assert_eq!(value.to_json(), v);
    }

    #[test]
    fn items_convert_to_json() {
        let item = Item::from([
            ("s".to_owned(), AttrValue::s("x")),
            ("n".to_owned(), AttrValue::n(42)),
            ("f".to_owned(), AttrValue::N("1.5".into())),
            ("l".to_owned(), AttrValue::L(vec![AttrValue::Bool(true), AttrValue::Null])),
            ("m".to_owned(), AttrValue::M(BTreeMap::from([("k".to_owned(), AttrValue::s("v"))]))),
        ]);
        assert_eq!(item_to_json(&item), json!({"s": "x", "n": 42, "f": 1.5, "l": [true, null], "m": {"k": "v"}}));
    }
}
