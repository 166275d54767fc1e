//! Template → CloudFormation JSON, in canonical key order.
//!
//! Section order: AWSTemplateFormatVersion, Description, Metadata, Parameters, Rules, Mappings,
//! Conditions, Transform, Resources, Outputs. Resource attribute order: Type, Condition,
//! DependsOn, Metadata, Properties, DeletionPolicy, UpdateReplacePolicy, UpdatePolicy,
//! CreationPolicy. Named entries keep the order they were added in. `serde_json` is built with
//! `preserve_order`, so this order is the order of the bytes.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use crate::expr::Expr;
use crate::template::{Assertion, Output, Parameter, Resource, Rule, Template};

/// The template as pretty-printed JSON with a trailing newline: same template, same bytes.
///
/// The bytes are `serde_json::to_string_pretty` of the template (the `Serialize` impls below),
/// written directly: synthesis of large lakes is dominated by this step.
pub fn template_to_json(template: &Template) -> String {
    crate::pretty::template(template)
}

/// The template as a JSON value.
pub fn to_json_value(template: &Template) -> Value {
    serde_json::to_value(template).expect("a template always converts to a JSON value")
}

/// A map entry written only when the value is present.
fn entry_opt<M: SerializeMap, V: Serialize>(m: &mut M, key: &str, value: Option<V>) -> Result<(), M::Error> {
    match value {
        Some(v) => m.serialize_entry(key, &v),
        None => Ok(()),
    }
}

/// A named section written only when it has entries.
fn section<M: SerializeMap, V: Serialize>(
    m: &mut M,
    key: &str,
    entries: &indexmap::IndexMap<String, V>,
) -> Result<(), M::Error> {
    if entries.is_empty() { Ok(()) } else { m.serialize_entry(key, entries) }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        entry_opt(&mut m, "AWSTemplateFormatVersion", self.format_version.as_ref())?;
        entry_opt(&mut m, "Description", self.description.as_ref())?;
        section(&mut m, "Metadata", &self.metadata)?;
        section(&mut m, "Parameters", &self.parameters)?;
        section(&mut m, "Rules", &self.rules)?;
        section(&mut m, "Mappings", &self.mappings)?;
        section(&mut m, "Conditions", &self.conditions)?;
        entry_opt(&mut m, "Transform", self.transform.as_ref())?;
        // Resources is required even when empty, so CloudFormation gives its own clear error.
        m.serialize_entry("Resources", &self.resources)?;
        section(&mut m, "Outputs", &self.outputs)?;
        m.end()
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("Type", &self.type_name)?;
        entry_opt(&mut m, "Condition", self.condition.as_ref())?;
        if !self.depends_on.is_empty() {
            m.serialize_entry("DependsOn", &self.depends_on)?;
        }
        entry_opt(&mut m, "Metadata", self.metadata.as_ref())?;
        section(&mut m, "Properties", &self.properties)?;
        entry_opt(&mut m, "DeletionPolicy", self.deletion_policy.map(|p| p.as_str()))?;
        entry_opt(&mut m, "UpdateReplacePolicy", self.update_replace_policy.map(|p| p.as_str()))?;
        entry_opt(&mut m, "UpdatePolicy", self.update_policy.as_ref())?;
        entry_opt(&mut m, "CreationPolicy", self.creation_policy.as_ref())?;
        m.end()
    }
}

impl Serialize for Parameter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("Type", &self.param_type.type_string())?;
        entry_opt(&mut m, "Description", self.description.as_ref())?;
        entry_opt(&mut m, "Default", self.default.as_ref())?;
        if !self.allowed_values.is_empty() {
            m.serialize_entry("AllowedValues", &self.allowed_values)?;
        }
        entry_opt(&mut m, "AllowedPattern", self.allowed_pattern.as_ref())?;
        entry_opt(&mut m, "ConstraintDescription", self.constraint_description.as_ref())?;
        entry_opt(&mut m, "MinLength", self.min_length)?;
        entry_opt(&mut m, "MaxLength", self.max_length)?;
        entry_opt(&mut m, "MinValue", self.min_value.as_ref())?;
        entry_opt(&mut m, "MaxValue", self.max_value.as_ref())?;
        entry_opt(&mut m, "NoEcho", self.no_echo)?;
        m.end()
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        entry_opt(&mut m, "RuleCondition", self.rule_condition.as_ref())?;
        m.serialize_entry("Assertions", &self.assertions)?;
        m.end()
    }
}

impl Serialize for Assertion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("Assert", &self.assert)?;
        entry_opt(&mut m, "AssertDescription", self.description.as_ref())?;
        m.end()
    }
}

impl Serialize for Output {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        entry_opt(&mut m, "Description", self.description.as_ref())?;
        entry_opt(&mut m, "Condition", self.condition.as_ref())?;
        m.serialize_entry("Value", &self.value)?;
        if let Some(name) = &self.export_name {
            m.serialize_entry("Export", &Single("Name", name))?;
        }
        m.end()
    }
}

/// A one-key object: the shape of every intrinsic function.
struct Single<'a, V: Serialize + ?Sized>(&'a str, &'a V);

impl<V: Serialize + ?Sized> Serialize for Single<'_, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(self.0, self.1)?;
        m.end()
    }
}

/// A function's positional arguments, of mixed kinds.
enum Arg<'a> {
    Str(&'a str),
    Expr(&'a Expr),
    Vars(&'a indexmap::IndexMap<String, Expr>),
}

impl Serialize for Arg<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Arg::Str(v) => v.serialize(s),
            Arg::Expr(v) => v.serialize(s),
            Arg::Vars(v) => v.serialize(s),
        }
    }
}

fn function<S: Serializer>(s: S, name: &str, args: &[Arg<'_>]) -> Result<S::Ok, S::Error> {
    struct Args<'a, 'b>(&'a [Arg<'b>]);
    impl Serialize for Args<'_, '_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(self.0.len()))?;
            for a in self.0 {
                seq.serialize_element(a)?;
            }
            seq.end()
        }
    }
    Single(name, &Args(args)).serialize(s)
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use Arg::{Expr as E, Str};
        match self {
            Expr::Null => s.serialize_unit(),
            Expr::Bool(b) => s.serialize_bool(*b),
            Expr::Number(n) => n.serialize(s),
            Expr::String(v) => s.serialize_str(v),
            Expr::List(items) => items.serialize(s),
            Expr::Map(entries) => entries.serialize(s),
            Expr::Ref(name) => Single("Ref", name.as_str()).serialize(s),
            Expr::GetAtt { resource, attribute } => function(s, "Fn::GetAtt", &[Str(resource), Str(attribute)]),
            Expr::Sub { template, vars: None } => Single("Fn::Sub", template.as_str()).serialize(s),
            Expr::Sub { template, vars: Some(vars) } => function(s, "Fn::Sub", &[Str(template), Arg::Vars(vars)]),
            Expr::Join { delimiter, values } => function(s, "Fn::Join", &[Str(delimiter), E(values)]),
            Expr::Select { index, list } => function(s, "Fn::Select", &[E(index), E(list)]),
            Expr::Split { delimiter, source } => function(s, "Fn::Split", &[Str(delimiter), E(source)]),
            Expr::If { condition, then, otherwise } => function(s, "Fn::If", &[Str(condition), E(then), E(otherwise)]),
            Expr::Equals(a, b) => function(s, "Fn::Equals", &[E(a), E(b)]),
            Expr::Not(c) => function(s, "Fn::Not", &[E(c)]),
            Expr::And(cs) => Single("Fn::And", cs).serialize(s),
            Expr::Or(cs) => Single("Fn::Or", cs).serialize(s),
            Expr::Condition(name) => Single("Condition", name.as_str()).serialize(s),
            Expr::ImportValue(v) => Single("Fn::ImportValue", v.as_ref()).serialize(s),
            Expr::FindInMap { map, top_key, second_key } => {
                function(s, "Fn::FindInMap", &[E(map), E(top_key), E(second_key)])
            }
            Expr::Base64(v) => Single("Fn::Base64", v.as_ref()).serialize(s),
            Expr::GetAzs(v) => Single("Fn::GetAZs", v.as_ref()).serialize(s),
            Expr::Cidr { ip_block, count, cidr_bits } => {
                function(s, "Fn::Cidr", &[E(ip_block), E(count), E(cidr_bits)])
            }
            Expr::Function { name, args } => Single(name.as_str(), args.as_ref()).serialize(s),
        }
    }
}
