//! Values that travel as text: custom-resource properties reach the `config` function as
//! strings whatever the template says, so the rows hold numbers, booleans and characters as
//! their text. Reading also accepts the JSON type itself (a row converted from a DynamoDB
//! number, or written by hand).

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum Raw {
    Text(String),
    Number(u64),
    Bool(bool),
}

fn raw_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(match Raw::deserialize(deserializer)? {
        Raw::Text(s) => s,
        Raw::Number(n) => n.to_string(),
        Raw::Bool(b) => b.to_string(),
    })
}

/// A whole number as its decimal text.
pub mod number {
    use super::*;

    pub fn serialize<S: Serializer>(value: &u32, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
        let text = raw_text(deserializer)?;
        text.trim().parse().map_err(|_| de::Error::custom(format!("expected a whole number, found `{text}`")))
    }
}

/// `true` or `false`.
pub mod boolean {
    use super::*;

    pub fn serialize<S: Serializer>(value: &bool, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if *value { "true" } else { "false" })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
        match raw_text(deserializer)?.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(de::Error::custom(format!("expected `true` or `false`, found `{other}`"))),
        }
    }
}

/// One character.
pub mod character {
    use super::*;

    pub fn serialize<S: Serializer>(value: &char, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(value.encode_utf8(&mut [0; 4]))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<char, D::Error> {
        let text = raw_text(deserializer)?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(de::Error::custom(format!("expected one character, found `{text}`"))),
        }
    }
}

/// The defaults of a CSV input format written without its options.
pub(crate) fn comma() -> char {
    ','
}

pub(crate) fn double_quote() -> char {
    '"'
}

pub(crate) fn yes() -> bool {
    true
}

/// A structured value (lists of rules, with numbers inside) as its JSON text: a custom
/// resource would turn every number inside into a string.
pub mod json {
    use serde::de::{self, DeserializeOwned, Deserializer};
    use serde::{Deserialize, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(value).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
        let text = String::deserialize(deserializer)?;
        serde_json::from_str(&text).map_err(|e| de::Error::custom(format!("not the JSON expected ({e}): {text}")))
    }
}
