//! JSON values inside a definition: literals, template values and JSONPath fields.

use indexmap::IndexMap;
use sdlf_cfn::Expr;
use serde_json::Value;

/// A JSON value for a definition field (`Parameters`, `Result`, `ResultSelector`, ...).
///
/// Implemented for [`serde_json::Value`] (write it with `serde_json::json!`) and for
/// [`Expr`], which may hold template values (`Ref`, `Fn::GetAtt`, `Fn::Sub`, ...) anywhere
/// inside: those become `DefinitionSubstitutions` when the machine is rendered.
pub trait IntoJson {
    fn into_json(self) -> Expr;
}

impl IntoJson for Expr {
    fn into_json(self) -> Expr {
        self
    }
}

impl IntoJson for &Expr {
    fn into_json(self) -> Expr {
        self.clone()
    }
}

impl IntoJson for Value {
    fn into_json(self) -> Expr {
        from_value(self)
    }
}

impl IntoJson for &Value {
    fn into_json(self) -> Expr {
        from_value(self.clone())
    }
}

fn from_value(value: Value) -> Expr {
    match value {
        Value::Null => Expr::Null,
        Value::Bool(b) => Expr::Bool(b),
        Value::Number(n) => Expr::Number(n),
        Value::String(s) => Expr::String(s),
        Value::Array(items) => Expr::List(items.into_iter().map(from_value).collect()),
        Value::Object(entries) => Expr::Map(entries.into_iter().map(|(k, v)| (k, from_value(v))).collect()),
    }
}

/// One named input of a service call: a value, or a JSONPath / intrinsic function evaluated
/// at run time (rendered under the key with a `.$` suffix: `"Payload.$": "$"`).
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Value(Expr),
    Path(String),
}

impl Field {
    /// A value: a literal or a template value (which becomes a substitution).
    pub fn value(value: impl IntoJson) -> Field {
        Field::Value(value.into_json())
    }

    /// A JSONPath (`$.body`, `$$.Execution.Id`) or intrinsic function
    /// (`States.JsonToString($)`) evaluated by Step Functions.
    pub fn path(path: impl Into<String>) -> Field {
        Field::Path(path.into())
    }

    /// Sets `key` (or `key.$` for a path) in `object`, replacing either form already there.
    pub(crate) fn set(self, object: &mut IndexMap<String, Expr>, key: &str) {
        let dynamic = format!("{key}.$");
        object.shift_remove(key);
        object.shift_remove(&dynamic);
        match self {
            Field::Value(v) => object.insert(key.to_owned(), v),
            Field::Path(p) => object.insert(dynamic, Expr::String(p)),
        };
    }
}

impl From<Expr> for Field {
    fn from(e: Expr) -> Field {
        Field::Value(e)
    }
}

impl From<&Expr> for Field {
    fn from(e: &Expr) -> Field {
        Field::Value(e.clone())
    }
}

impl From<Value> for Field {
    fn from(v: Value) -> Field {
        Field::Value(from_value(v))
    }
}

/// A string literal; use [`Field::path`] for a JSONPath.
impl From<&str> for Field {
    fn from(s: &str) -> Field {
        Field::Value(Expr::string(s))
    }
}

impl From<String> for Field {
    fn from(s: String) -> Field {
        Field::Value(Expr::String(s))
    }
}

impl From<bool> for Field {
    fn from(b: bool) -> Field {
        Field::Value(Expr::Bool(b))
    }
}

impl From<i32> for Field {
    fn from(n: i32) -> Field {
        Field::Value(Expr::from(n))
    }
}

impl From<i64> for Field {
    fn from(n: i64) -> Field {
        Field::Value(Expr::from(n))
    }
}

impl From<u32> for Field {
    fn from(n: u32) -> Field {
        Field::Value(Expr::from(n))
    }
}

/// Where a state puts its result in its input: a reference path, or `null` to discard the
/// result and pass the input through unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultPath {
    Path(String),
    /// `"ResultPath": null`.
    Discard,
}

impl From<&str> for ResultPath {
    fn from(s: &str) -> ResultPath {
        ResultPath::Path(s.to_owned())
    }
}

impl From<String> for ResultPath {
    fn from(s: String) -> ResultPath {
        ResultPath::Path(s)
    }
}

/// A number as JSON: whole numbers without a fraction (`2`, not `2.0`).
pub(crate) fn number(n: f64) -> Expr {
    // Whole values up to 2^53 are exact in both forms.
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 { Expr::int(n as i64) } else { Expr::float(n) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_values_convert_in_order() {
        let e = json!({"b": 1, "a": [true, null, "x", 1.5]}).into_json();
        assert_eq!(
            e,
            Expr::map([
                ("b", Expr::int(1)),
                ("a", Expr::list([Expr::Bool(true), Expr::Null, Expr::string("x"), Expr::float(1.5)]))
            ])
        );
    }

    #[test]
    fn a_field_replaces_its_other_form() {
        let mut m = IndexMap::new();
        Field::path("$").set(&mut m, "Payload");
        Field::from("x").set(&mut m, "Payload");
        assert_eq!(m.keys().collect::<Vec<_>>(), ["Payload"]);
        Field::path("$.a").set(&mut m, "Payload");
        assert_eq!(m.keys().collect::<Vec<_>>(), ["Payload.$"]);
    }

    #[test]
    fn whole_numbers_render_without_fraction() {
        assert_eq!(number(2.0), Expr::int(2));
        assert_eq!(number(1.5), Expr::float(1.5));
        assert_eq!(number(f64::NAN), Expr::Null);
    }
}
