//! CloudFormation values: literals and intrinsic functions.
//!
//! Every property of every resource is an [`Expr`]. Literals and intrinsics share one type
//! because CloudFormation lets an intrinsic stand wherever a literal may; the typed layer
//! ([`crate::Val`] and the generated resource structs) restricts which literal fits where.

use indexmap::IndexMap;
use serde_json::Number;

/// A value in a template: a JSON literal or an intrinsic function.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Expr>),
    Map(IndexMap<String, Expr>),
    /// `{"Ref": name}`: a parameter, a resource or a pseudo parameter (`AWS::Region`, ...).
    Ref(String),
    /// `{"Fn::GetAtt": [resource, attribute]}`.
    GetAtt {
        resource: String,
        attribute: String,
    },
    /// `{"Fn::Sub": template}` or, with variables, `{"Fn::Sub": [template, {vars}]}`.
    Sub {
        template: String,
        vars: Option<IndexMap<String, Expr>>,
    },
    /// `{"Fn::Join": [delimiter, values]}`; `values` is a list or an intrinsic returning one.
    Join {
        delimiter: String,
        values: Box<Expr>,
    },
    /// `{"Fn::Select": [index, list]}`.
    Select {
        index: Box<Expr>,
        list: Box<Expr>,
    },
    /// `{"Fn::Split": [delimiter, source]}`.
    Split {
        delimiter: String,
        source: Box<Expr>,
    },
    /// `{"Fn::If": [condition, then, otherwise]}`.
    If {
        condition: String,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `{"Fn::Equals": [a, b]}`.
    Equals(Box<Expr>, Box<Expr>),
    /// `{"Fn::Not": [condition]}`.
    Not(Box<Expr>),
    /// `{"Fn::And": [conditions]}` (2 to 10 of them).
    And(Vec<Expr>),
    /// `{"Fn::Or": [conditions]}` (2 to 10 of them).
    Or(Vec<Expr>),
    /// `{"Condition": name}`: a named condition used inside a condition function.
    Condition(String),
    /// `{"Fn::ImportValue": export name}`.
    ImportValue(Box<Expr>),
    /// `{"Fn::FindInMap": [map, top-level key, second-level key]}`.
    FindInMap {
        map: Box<Expr>,
        top_key: Box<Expr>,
        second_key: Box<Expr>,
    },
    /// `{"Fn::Base64": value}`.
    Base64(Box<Expr>),
    /// `{"Fn::GetAZs": region}`; an empty string means the stack's region.
    GetAzs(Box<Expr>),
    /// `{"Fn::Cidr": [ip block, count, cidr bits]}`.
    Cidr {
        ip_block: Box<Expr>,
        count: Box<Expr>,
        cidr_bits: Box<Expr>,
    },
    /// Any other `Fn::` function, kept verbatim: rule functions (`Fn::Contains`,
    /// `Fn::EachMemberEquals`, `Fn::ValueOf`, ...) and language extensions (`Fn::Length`, ...).
    Function {
        name: String,
        args: Box<Expr>,
    },
}

/// The pseudo parameters CloudFormation defines in every template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pseudo {
    AccountId,
    NotificationArns,
    NoValue,
    Partition,
    Region,
    StackId,
    StackName,
    UrlSuffix,
}

impl Pseudo {
    pub const ALL: [Pseudo; 8] = [
        Pseudo::AccountId,
        Pseudo::NotificationArns,
        Pseudo::NoValue,
        Pseudo::Partition,
        Pseudo::Region,
        Pseudo::StackId,
        Pseudo::StackName,
        Pseudo::UrlSuffix,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::NotificationArns => "AWS::NotificationARNs",
            Pseudo::NoValue => "AWS::NoValue",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::Region => "AWS::Region",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
        }
    }

    pub fn from_name(name: &str) -> Option<Pseudo> {
        Pseudo::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn expr(self) -> Expr {
        Expr::Ref(self.name().to_owned())
    }
}

impl Expr {
    pub fn string(s: impl Into<String>) -> Expr {
        Expr::String(s.into())
    }

    pub fn int(n: i64) -> Expr {
        Expr::Number(n.into())
    }

    /// A float literal; non-finite values have no JSON form and become `null`.
    pub fn float(n: f64) -> Expr {
        Number::from_f64(n).map_or(Expr::Null, Expr::Number)
    }

    pub fn list(items: impl IntoIterator<Item = impl Into<Expr>>) -> Expr {
        Expr::List(items.into_iter().map(Into::into).collect())
    }

    /// A JSON object from `(key, value)` pairs, in the order given.
    pub fn map<K: Into<String>, V: Into<Expr>>(entries: impl IntoIterator<Item = (K, V)>) -> Expr {
        Expr::Map(entries.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }

    /// `Ref` by name. Prefer [`crate::Handle::reference`] and [`Pseudo::expr`], which cannot
    /// name something that does not exist; this form is for parsed templates and escapes.
    pub fn reference(name: impl Into<String>) -> Expr {
        Expr::Ref(name.into())
    }

    pub fn no_value() -> Expr {
        Pseudo::NoValue.expr()
    }

    pub fn get_att(resource: impl Into<String>, attribute: impl Into<String>) -> Expr {
        Expr::GetAtt { resource: resource.into(), attribute: attribute.into() }
    }

    pub fn sub(template: impl Into<String>) -> Expr {
        Expr::Sub { template: template.into(), vars: None }
    }

    pub fn sub_with<K: Into<String>, V: Into<Expr>>(
        template: impl Into<String>,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Expr {
        Expr::Sub {
            template: template.into(),
            vars: Some(vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect()),
        }
    }

    pub fn join(delimiter: impl Into<String>, values: impl IntoIterator<Item = impl Into<Expr>>) -> Expr {
        Expr::Join { delimiter: delimiter.into(), values: Box::new(Expr::list(values)) }
    }

    pub fn select(index: impl Into<Expr>, list: impl Into<Expr>) -> Expr {
        Expr::Select { index: Box::new(index.into()), list: Box::new(list.into()) }
    }

    pub fn split(delimiter: impl Into<String>, source: impl Into<Expr>) -> Expr {
        Expr::Split { delimiter: delimiter.into(), source: Box::new(source.into()) }
    }

    pub fn if_(condition: impl Into<String>, then: impl Into<Expr>, otherwise: impl Into<Expr>) -> Expr {
        Expr::If { condition: condition.into(), then: Box::new(then.into()), otherwise: Box::new(otherwise.into()) }
    }

    pub fn equals(a: impl Into<Expr>, b: impl Into<Expr>) -> Expr {
        Expr::Equals(Box::new(a.into()), Box::new(b.into()))
    }

    pub fn not(condition: impl Into<Expr>) -> Expr {
        Expr::Not(Box::new(condition.into()))
    }

    pub fn and(conditions: impl IntoIterator<Item = Expr>) -> Expr {
        Expr::And(conditions.into_iter().collect())
    }

    pub fn or(conditions: impl IntoIterator<Item = Expr>) -> Expr {
        Expr::Or(conditions.into_iter().collect())
    }

    pub fn condition(name: impl Into<String>) -> Expr {
        Expr::Condition(name.into())
    }

    pub fn import_value(export_name: impl Into<Expr>) -> Expr {
        Expr::ImportValue(Box::new(export_name.into()))
    }

    pub fn find_in_map(map: impl Into<Expr>, top_key: impl Into<Expr>, second_key: impl Into<Expr>) -> Expr {
        Expr::FindInMap {
            map: Box::new(map.into()),
            top_key: Box::new(top_key.into()),
            second_key: Box::new(second_key.into()),
        }
    }

    pub fn base64(value: impl Into<Expr>) -> Expr {
        Expr::Base64(Box::new(value.into()))
    }

    /// `Fn::GetAZs` for the stack's own region.
    pub fn get_azs() -> Expr {
        Expr::GetAzs(Box::new(Expr::string("")))
    }

    pub fn cidr(ip_block: impl Into<Expr>, count: impl Into<Expr>, cidr_bits: impl Into<Expr>) -> Expr {
        Expr::Cidr {
            ip_block: Box::new(ip_block.into()),
            count: Box::new(count.into()),
            cidr_bits: Box::new(cidr_bits.into()),
        }
    }

    /// Whether this value is a literal all the way down (no intrinsic anywhere inside).
    pub fn is_literal(&self) -> bool {
        match self {
            Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::String(_) => true,
            Expr::List(items) => items.iter().all(Expr::is_literal),
            Expr::Map(entries) => entries.values().all(Expr::is_literal),
            _ => false,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expr::String(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for Expr {
    fn from(s: &str) -> Expr {
        Expr::String(s.to_owned())
    }
}

impl From<String> for Expr {
    fn from(s: String) -> Expr {
        Expr::String(s)
    }
}

impl From<&String> for Expr {
    fn from(s: &String) -> Expr {
        Expr::String(s.clone())
    }
}

impl From<bool> for Expr {
    fn from(b: bool) -> Expr {
        Expr::Bool(b)
    }
}

impl From<i64> for Expr {
    fn from(n: i64) -> Expr {
        Expr::int(n)
    }
}

impl From<i32> for Expr {
    fn from(n: i32) -> Expr {
        Expr::int(n.into())
    }
}

impl From<u32> for Expr {
    fn from(n: u32) -> Expr {
        Expr::int(n.into())
    }
}

impl From<f64> for Expr {
    fn from(n: f64) -> Expr {
        Expr::float(n)
    }
}

impl From<Pseudo> for Expr {
    fn from(p: Pseudo) -> Expr {
        p.expr()
    }
}

impl From<Vec<Expr>> for Expr {
    fn from(items: Vec<Expr>) -> Expr {
        Expr::List(items)
    }
}

impl From<IndexMap<String, Expr>> for Expr {
    fn from(entries: IndexMap<String, Expr>) -> Expr {
        Expr::Map(entries)
    }
}

/// Dynamic references: strings CloudFormation resolves at deploy time.
pub mod dynamic {
    use super::Expr;

    /// `{{resolve:ssm:name}}`, optionally pinned to a version.
    pub fn ssm(name: &str, version: Option<u32>) -> Expr {
        parameter_store("ssm", name, version)
    }

    /// `{{resolve:ssm-secure:name}}` (only some properties accept it).
    pub fn ssm_secure(name: &str, version: Option<u32>) -> Expr {
        parameter_store("ssm-secure", name, version)
    }

    fn parameter_store(service: &str, name: &str, version: Option<u32>) -> Expr {
        let version = version.map(|v| format!(":{v}")).unwrap_or_default();
        Expr::String(format!("{{{{resolve:{service}:{name}{version}}}}}"))
    }

    /// `{{resolve:secretsmanager:secret-id:SecretString:json-key:version-stage:version-id}}`;
    /// empty trailing parts are left out.
    pub fn secrets_manager(
        secret_id: &str,
        json_key: Option<&str>,
        version_stage: Option<&str>,
        version_id: Option<&str>,
    ) -> Expr {
        let mut parts = vec![secret_id.to_owned()];
        let tail = [json_key, version_stage, version_id];
        if let Some(last) = tail.iter().rposition(Option::is_some) {
            parts.push("SecretString".to_owned());
            parts.extend(tail[..=last].iter().map(|p| p.unwrap_or("").to_owned()));
        }
        Expr::String(format!("{{{{resolve:secretsmanager:{}}}}}", parts.join(":")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamic_references_render_the_documented_syntax() {
        assert_eq!(dynamic::ssm("/sdlf/x", None), Expr::string("{{resolve:ssm:/sdlf/x}}"));
        assert_eq!(dynamic::ssm("/sdlf/x", Some(3)), Expr::string("{{resolve:ssm:/sdlf/x:3}}"));
        assert_eq!(dynamic::ssm_secure("/p", None), Expr::string("{{resolve:ssm-secure:/p}}"));
        assert_eq!(dynamic::secrets_manager("db", None, None, None), Expr::string("{{resolve:secretsmanager:db}}"));
        assert_eq!(
            dynamic::secrets_manager("db", Some("password"), None, None),
            Expr::string("{{resolve:secretsmanager:db:SecretString:password}}")
        );
        assert_eq!(
            dynamic::secrets_manager("db", None, None, Some("v1")),
            Expr::string("{{resolve:secretsmanager:db:SecretString:::v1}}")
        );
    }

    #[test]
    fn pseudo_parameters_round_trip_by_name() {
        for p in Pseudo::ALL {
            assert_eq!(Pseudo::from_name(p.name()), Some(p));
        }
        assert_eq!(Pseudo::from_name("AWS::Nope"), None);
    }

    #[test]
    fn literal_detection_looks_inside_collections() {
        assert!(Expr::map([("a", Expr::list([1, 2]))]).is_literal());
        assert!(!Expr::map([("a", Expr::list([Pseudo::Region.expr()]))]).is_literal());
    }
}
