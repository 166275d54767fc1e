//! JSON values ↔ DynamoDB attribute values. Config rows are written verbatim from the custom
//! resource's properties, so the conversion keeps every JSON shape.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;

pub fn to_attribute(value: &Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(items) => AttributeValue::L(items.iter().map(to_attribute).collect()),
        Value::Object(map) => AttributeValue::M(map.iter().map(|(k, v)| (k.clone(), to_attribute(v))).collect()),
    }
}

pub fn to_item(map: &serde_json::Map<String, Value>) -> HashMap<String, AttributeValue> {
    map.iter().map(|(k, v)| (k.clone(), to_attribute(v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_json_shape_has_an_attribute() {
        let v = json!({"s": "x", "n": 1.5, "b": true, "z": null, "l": [{"Name": "id"}]});
        let item = to_item(v.as_object().unwrap());
        assert_eq!(item["s"], AttributeValue::S("x".into()));
        assert_eq!(item["n"], AttributeValue::N("1.5".into()));
        assert_eq!(item["b"], AttributeValue::Bool(true));
        assert_eq!(item["z"], AttributeValue::Null(true));
        let AttributeValue::L(list) = &item["l"] else { panic!("a list") };
        assert_eq!(list[0], AttributeValue::M(HashMap::from([("Name".to_owned(), AttributeValue::S("id".into()))])));
    }
}
