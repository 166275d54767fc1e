//! CloudFormation JSON → template model, so deployed templates can be compared with
//! synthesized ones. `parse(&template_to_json(&t)) == t` for every template `t`.

use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::expr::Expr;
use crate::template::{Assertion, DeletionPolicy, Mapping, Output, Parameter, ParameterType, Resource, Rule, Template};

/// A template that cannot be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct ParseError {
    /// Where in the template, e.g. `Resources.Queue.Properties.RedrivePolicy`.
    pub path: String,
    pub message: String,
}

type Result<T> = std::result::Result<T, ParseError>;

fn err<T>(path: &str, message: impl Into<String>) -> Result<T> {
    Err(ParseError { path: path.to_owned(), message: message.into() })
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// Parses a JSON template body (YAML bodies are not supported: `sdlf` only writes JSON).
pub fn parse(body: &str) -> Result<Template> {
    let value: Value = serde_json::from_str(body).map_err(|e| ParseError {
        path: String::new(),
        message: format!("not valid JSON (line {}, column {}): {e}", e.line(), e.column()),
    })?;
    parse_value(&value)
}

/// Parses a template already read as JSON.
pub fn parse_value(value: &Value) -> Result<Template> {
    let Value::Object(root) = value else {
        return err("", "a template must be a JSON object");
    };
    let mut t = Template::default();
    for (key, v) in root {
        let path = key.as_str();
        match path {
            "AWSTemplateFormatVersion" => t.format_version = Some(string(path, v)?.to_owned()),
            "Description" => t.description = Some(string(path, v)?.to_owned()),
            "Metadata" => t.metadata = expr_map(path, v)?,
            "Parameters" => {
                for (name, p) in object(path, v)? {
                    t.parameters.insert(name.clone(), parameter(&child(path, name), p)?);
                }
            }
            "Rules" => {
                for (name, r) in object(path, v)? {
                    t.rules.insert(name.clone(), rule(&child(path, name), r)?);
                }
            }
            "Mappings" => {
                for (name, m) in object(path, v)? {
                    t.mappings.insert(name.clone(), mapping(&child(path, name), m)?);
                }
            }
            "Conditions" => t.conditions = expr_map(path, v)?,
            "Transform" => t.transform = Some(expr(path, v)?),
            "Resources" => {
                for (id, r) in object(path, v)? {
                    t.resources.insert(id.clone(), resource(&child(path, id), r)?);
                }
            }
            "Outputs" => {
                for (name, o) in object(path, v)? {
                    t.outputs.insert(name.clone(), output(&child(path, name), o)?);
                }
            }
            other => {
                return err(
                    other,
                    "unknown template section (expected AWSTemplateFormatVersion, Description, Metadata, \
                     Parameters, Rules, Mappings, Conditions, Transform, Resources or Outputs)",
                );
            }
        }
    }
    Ok(t)
}

fn object<'a>(path: &str, v: &'a Value) -> Result<&'a Map<String, Value>> {
    match v {
        Value::Object(m) => Ok(m),
        other => err(path, format!("expected an object, found {}", kind(other))),
    }
}

fn string<'a>(path: &str, v: &'a Value) -> Result<&'a str> {
    match v {
        Value::String(s) => Ok(s),
        other => err(path, format!("expected a string, found {}", kind(other))),
    }
}

fn array<'a>(path: &str, v: &'a Value) -> Result<&'a Vec<Value>> {
    match v {
        Value::Array(a) => Ok(a),
        other => err(path, format!("expected a list, found {}", kind(other))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn expr_map(path: &str, v: &Value) -> Result<IndexMap<String, Expr>> {
    object(path, v)?.iter().map(|(k, v)| Ok((k.clone(), expr(&child(path, k), v)?))).collect()
}

fn bool_like(path: &str, v: &Value) -> Result<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        other => err(path, format!("expected true or false, found {}", kind(other))),
    }
}

fn number_like(path: &str, v: &Value) -> Result<serde_json::Number> {
    match v {
        Value::Number(n) => Ok(n.clone()),
        Value::String(s) => match serde_json::from_str::<serde_json::Number>(s) {
            Ok(n) => Ok(n),
            Err(_) => err(path, format!("expected a number, found the string {s:?}")),
        },
        other => err(path, format!("expected a number, found {}", kind(other))),
    }
}

fn unsigned_like(path: &str, v: &Value) -> Result<u64> {
    let n = number_like(path, v)?;
    n.as_u64().map_or_else(|| err(path, format!("expected a non-negative integer, found {n}")), Ok)
}

fn parameter(path: &str, v: &Value) -> Result<Parameter> {
    let m = object(path, v)?;
    let Some(type_value) = m.get("Type") else {
        return err(path, "a parameter needs a Type");
    };
    let type_path = child(path, "Type");
    let type_str = string(&type_path, type_value)?;
    let Some(param_type) = ParameterType::parse(type_str) else {
        return err(&type_path, format!("unknown parameter type {type_str:?}"));
    };
    let mut p = Parameter::new(param_type);
    for (key, v) in m {
        let path = child(path, key);
        match key.as_str() {
            "Type" => {}
            "Description" => p.description = Some(string(&path, v)?.to_owned()),
            "Default" => p.default = Some(expr(&path, v)?),
            "AllowedValues" => {
                p.allowed_values = array(&path, v)?
                    .iter()
                    .enumerate()
                    .map(|(i, x)| expr(&index(&path, i), x))
                    .collect::<Result<_>>()?
            }
            "AllowedPattern" => p.allowed_pattern = Some(string(&path, v)?.to_owned()),
            "ConstraintDescription" => p.constraint_description = Some(string(&path, v)?.to_owned()),
            "MinLength" => p.min_length = Some(unsigned_like(&path, v)?),
            "MaxLength" => p.max_length = Some(unsigned_like(&path, v)?),
            "MinValue" => p.min_value = Some(number_like(&path, v)?),
            "MaxValue" => p.max_value = Some(number_like(&path, v)?),
            "NoEcho" => p.no_echo = Some(bool_like(&path, v)?),
            _ => return err(&path, "unknown parameter attribute"),
        }
    }
    Ok(p)
}

fn rule(path: &str, v: &Value) -> Result<Rule> {
    let m = object(path, v)?;
    let mut r = Rule { rule_condition: None, assertions: Vec::new() };
    for (key, v) in m {
        let path = child(path, key);
        match key.as_str() {
            "RuleCondition" => r.rule_condition = Some(expr(&path, v)?),
            "Assertions" => {
                for (i, a) in array(&path, v)?.iter().enumerate() {
                    let apath = index(&path, i);
                    let am = object(&apath, a)?;
                    let Some(assert) = am.get("Assert") else {
                        return err(&apath, "an assertion needs Assert");
                    };
                    let description = match am.get("AssertDescription") {
                        Some(d) => Some(string(&child(&apath, "AssertDescription"), d)?.to_owned()),
                        None => None,
                    };
                    if let Some(extra) = am.keys().find(|k| *k != "Assert" && *k != "AssertDescription") {
                        return err(&child(&apath, extra), "unknown assertion attribute");
                    }
                    r.assertions.push(Assertion { assert: expr(&child(&apath, "Assert"), assert)?, description });
                }
            }
            _ => return err(&path, "unknown rule attribute (expected RuleCondition or Assertions)"),
        }
    }
    Ok(r)
}

fn mapping(path: &str, v: &Value) -> Result<Mapping> {
    object(path, v)?
        .iter()
        .map(|(top, second)| {
            let top_path = child(path, top);
            Ok((top.clone(), expr_map(&top_path, second)?))
        })
        .collect()
}

fn deletion_policy(path: &str, v: &Value) -> Result<DeletionPolicy> {
    let s = string(path, v)?;
    DeletionPolicy::parse(s).map_or_else(
        || err(path, format!("unknown policy {s:?} (expected Delete, Retain, RetainExceptOnCreate or Snapshot)")),
        Ok,
    )
}

fn resource(path: &str, v: &Value) -> Result<Resource> {
    let m = object(path, v)?;
    let Some(type_value) = m.get("Type") else {
        return err(path, "a resource needs a Type");
    };
    let mut r = Resource::new(string(&child(path, "Type"), type_value)?, IndexMap::new());
    for (key, v) in m {
        let path = child(path, key);
        match key.as_str() {
            "Type" => {}
            "Properties" => r.properties = expr_map(&path, v)?,
            "Condition" => r.condition = Some(string(&path, v)?.to_owned()),
            "DependsOn" => {
                r.depends_on = match v {
                    Value::String(s) => vec![s.clone()],
                    Value::Array(items) => items
                        .iter()
                        .enumerate()
                        .map(|(i, x)| string(&index(&path, i), x).map(str::to_owned))
                        .collect::<Result<_>>()?,
                    other => {
                        return err(&path, format!("expected a logical ID or a list of them, found {}", kind(other)));
                    }
                }
            }
            "Metadata" => r.metadata = Some(expr(&path, v)?),
            "DeletionPolicy" => r.deletion_policy = Some(deletion_policy(&path, v)?),
            "UpdateReplacePolicy" => r.update_replace_policy = Some(deletion_policy(&path, v)?),
            "UpdatePolicy" => r.update_policy = Some(expr(&path, v)?),
            "CreationPolicy" => r.creation_policy = Some(expr(&path, v)?),
            _ => return err(&path, "unknown resource attribute"),
        }
    }
    Ok(r)
}

fn output(path: &str, v: &Value) -> Result<Output> {
    let m = object(path, v)?;
    let Some(value) = m.get("Value") else {
        return err(path, "an output needs a Value");
    };
    let mut o = Output::new(expr(&child(path, "Value"), value)?);
    for (key, v) in m {
        let path = child(path, key);
        match key.as_str() {
            "Value" => {}
            "Description" => o.description = Some(string(&path, v)?.to_owned()),
            "Condition" => o.condition = Some(string(&path, v)?.to_owned()),
            "Export" => {
                let em = object(&path, v)?;
                match (em.get("Name"), em.len()) {
                    (Some(name), 1) => o.export_name = Some(expr(&child(&path, "Name"), name)?),
                    _ => return err(&path, "an export must be an object with exactly one key, Name"),
                }
            }
            _ => return err(&path, "unknown output attribute"),
        }
    }
    Ok(o)
}

/// A value in CloudFormation's JSON (e.g. a serialized struct holding [`Expr`]s) as an
/// expression; `path` names it in errors.
pub fn parse_expr(path: &str, v: &Value) -> Result<Expr> {
    expr(path, v)
}

/// Parses one value: an intrinsic when it is a one-key object whose key is `Ref`,
/// `Condition` (with a string) or `Fn::*`; a literal otherwise.
pub(crate) fn expr(path: &str, v: &Value) -> Result<Expr> {
    match v {
        Value::Null => Ok(Expr::Null),
        Value::Bool(b) => Ok(Expr::Bool(*b)),
        Value::Number(n) => Ok(Expr::Number(n.clone())),
        Value::String(s) => Ok(Expr::String(s.clone())),
        Value::Array(items) => {
            items.iter().enumerate().map(|(i, x)| expr(&index(path, i), x)).collect::<Result<_>>().map(Expr::List)
        }
        Value::Object(m) => {
            if m.len() == 1 {
                let (key, arg) = m.iter().next().expect("one entry");
                if key == "Ref" || key.starts_with("Fn::") || (key == "Condition" && arg.is_string()) {
                    return intrinsic(&child(path, key), key, arg);
                }
            }
            m.iter().map(|(k, v)| Ok((k.clone(), expr(&child(path, k), v)?))).collect::<Result<_>>().map(Expr::Map)
        }
    }
}

fn boxed(path: &str, v: &Value) -> Result<Box<Expr>> {
    expr(path, v).map(Box::new)
}

/// The arguments of a list-taking function, checked for their count.
fn args<'a>(path: &str, v: &'a Value, name: &str, count: usize) -> Result<&'a [Value]> {
    match v {
        Value::Array(items) if items.len() == count => Ok(items),
        Value::Array(items) => err(path, format!("{name} takes {count} arguments, found {}", items.len())),
        other => err(path, format!("{name} takes a list of {count} arguments, found {}", kind(other))),
    }
}

fn intrinsic(path: &str, name: &str, arg: &Value) -> Result<Expr> {
    Ok(match name {
        "Ref" => Expr::Ref(string(path, arg)?.to_owned()),
        "Condition" => Expr::Condition(string(path, arg)?.to_owned()),
        "Fn::GetAtt" => match arg {
            Value::String(s) => match s.split_once('.') {
                Some((resource, attribute)) => Expr::get_att(resource, attribute),
                None => return err(path, format!("Fn::GetAtt {s:?} needs the form Resource.Attribute")),
            },
            _ => {
                let a = args(path, arg, "Fn::GetAtt", 2)?;
                Expr::get_att(string(&index(path, 0), &a[0])?, string(&index(path, 1), &a[1])?)
            }
        },
        "Fn::Sub" => match arg {
            Value::String(s) => Expr::sub(s.clone()),
            _ => {
                let a = args(path, arg, "Fn::Sub", 2)?;
                let template = string(&index(path, 0), &a[0])?.to_owned();
                Expr::Sub { template, vars: Some(expr_map(&index(path, 1), &a[1])?) }
            }
        },
        "Fn::Join" => {
            let a = args(path, arg, "Fn::Join", 2)?;
            Expr::Join { delimiter: string(&index(path, 0), &a[0])?.to_owned(), values: boxed(&index(path, 1), &a[1])? }
        }
        "Fn::Select" => {
            let a = args(path, arg, "Fn::Select", 2)?;
            Expr::Select { index: boxed(&index(path, 0), &a[0])?, list: boxed(&index(path, 1), &a[1])? }
        }
        "Fn::Split" => {
            let a = args(path, arg, "Fn::Split", 2)?;
            Expr::Split {
                delimiter: string(&index(path, 0), &a[0])?.to_owned(),
                source: boxed(&index(path, 1), &a[1])?,
            }
        }
        "Fn::If" => {
            let a = args(path, arg, "Fn::If", 3)?;
            Expr::If {
                condition: string(&index(path, 0), &a[0])?.to_owned(),
                then: boxed(&index(path, 1), &a[1])?,
                otherwise: boxed(&index(path, 2), &a[2])?,
            }
        }
        "Fn::Equals" => {
            let a = args(path, arg, "Fn::Equals", 2)?;
            Expr::Equals(boxed(&index(path, 0), &a[0])?, boxed(&index(path, 1), &a[1])?)
        }
        "Fn::Not" => {
            let a = args(path, arg, "Fn::Not", 1)?;
            Expr::Not(boxed(&index(path, 0), &a[0])?)
        }
        "Fn::And" | "Fn::Or" => {
            let items = array(path, arg)?
                .iter()
                .enumerate()
                .map(|(i, x)| expr(&index(path, i), x))
                .collect::<Result<Vec<_>>>()?;
            if name == "Fn::And" { Expr::And(items) } else { Expr::Or(items) }
        }
        "Fn::ImportValue" => Expr::ImportValue(boxed(path, arg)?),
        // The three-argument form; the language extension's default-value form stays verbatim.
        "Fn::FindInMap" if arg.as_array().is_some_and(|a| a.len() == 3) => {
            let a = args(path, arg, "Fn::FindInMap", 3)?;
            Expr::FindInMap {
                map: boxed(&index(path, 0), &a[0])?,
                top_key: boxed(&index(path, 1), &a[1])?,
                second_key: boxed(&index(path, 2), &a[2])?,
            }
        }
        "Fn::Base64" => Expr::Base64(boxed(path, arg)?),
        "Fn::GetAZs" => Expr::GetAzs(boxed(path, arg)?),
        "Fn::Cidr" => {
            let a = args(path, arg, "Fn::Cidr", 3)?;
            Expr::Cidr {
                ip_block: boxed(&index(path, 0), &a[0])?,
                count: boxed(&index(path, 1), &a[1])?,
                cidr_bits: boxed(&index(path, 2), &a[2])?,
            }
        }
        other => Expr::Function { name: other.to_owned(), args: boxed(path, arg)? },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_expr(json: &str) -> Result<Expr> {
        expr("", &serde_json::from_str(json).unwrap())
    }

    #[test]
    fn get_att_string_form_splits_at_the_first_dot() {
        assert_eq!(
            parse_expr(r#"{"Fn::GetAtt": "Fn.SnapStartResponse.ApplyOn"}"#).unwrap(),
            Expr::get_att("Fn", "SnapStartResponse.ApplyOn")
        );
    }

    #[test]
    fn condition_key_with_an_object_is_a_plain_map() {
        // An IAM statement's Condition block is data, not a condition reference.
        let e = parse_expr(r#"{"Condition": {"Bool": {"aws:SecureTransport": "false"}}}"#).unwrap();
        assert!(matches!(e, Expr::Map(_)));
    }

    #[test]
    fn malformed_intrinsics_name_the_path_and_the_shape() {
        let e = parse_expr(r#"{"a": [{"Fn::Join": ["-"]}]}"#).unwrap_err();
        assert_eq!(e.to_string(), "a[0].Fn::Join: Fn::Join takes 2 arguments, found 1");
        let e = parse_expr(r#"{"Ref": 5}"#).unwrap_err();
        assert_eq!(e.to_string(), "Ref: expected a string, found a number");
        let e = parse_expr(r#"{"Fn::GetAtt": "NoDot"}"#).unwrap_err();
        assert_eq!(e.to_string(), r#"Fn::GetAtt: Fn::GetAtt "NoDot" needs the form Resource.Attribute"#);
    }

    #[test]
    fn unknown_functions_are_kept_verbatim() {
        let e = parse_expr(r#"{"Fn::Contains": [["a"], {"Ref": "P"}]}"#).unwrap();
        assert_eq!(
            e,
            Expr::Function {
                name: "Fn::Contains".into(),
                args: Box::new(Expr::List(vec![Expr::list(["a"]), Expr::reference("P")]))
            }
        );
    }

    #[test]
    fn template_level_errors() {
        assert_eq!(parse("[]").unwrap_err().to_string(), "a template must be a JSON object");
        assert_eq!(parse(r#"{"Resourcez": {}}"#).unwrap_err().path, "Resourcez");
        assert_eq!(
            parse(r#"{"Resources": {"A": {"Properties": {}}}}"#).unwrap_err().to_string(),
            "Resources.A: a resource needs a Type"
        );
        assert_eq!(
            parse(r#"{"Resources": {"A": {"Type": "AWS::SNS::Topic", "DeletionPolicy": "Keep"}}}"#)
                .unwrap_err()
                .to_string(),
            "Resources.A.DeletionPolicy: unknown policy \"Keep\" (expected Delete, Retain, RetainExceptOnCreate or Snapshot)"
        );
        assert!(parse("{").unwrap_err().message.starts_with("not valid JSON (line 1, column 1)"));
    }

    #[test]
    fn depends_on_accepts_a_single_id() {
        let t =
            parse(r#"{"Resources": {"A": {"Type": "X::Y::Z", "DependsOn": "B"}, "B": {"Type": "X::Y::Z"}}}"#).unwrap();
        assert_eq!(t.resources["A"].depends_on, vec!["B".to_owned()]);
    }
}
