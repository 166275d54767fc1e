//! The template model: every section of a CloudFormation template.

use indexmap::IndexMap;

use crate::expr::Expr;
use crate::typed::{ConditionHandle, Handle, ParamHandle, ResourceType};

/// The only template format version CloudFormation has.
pub const FORMAT_VERSION: &str = "2010-09-09";

/// A CloudFormation template.
///
/// Maps keep insertion order, which is the order of the synthesized JSON: the same program
/// produces the same bytes.
#[derive(Debug, Clone, Default)]
pub struct Template {
    /// A name for messages (the stack it becomes); not part of the JSON.
    pub name: String,
    pub format_version: Option<String>,
    pub description: Option<String>,
    pub metadata: IndexMap<String, Expr>,
    pub parameters: IndexMap<String, Parameter>,
    pub rules: IndexMap<String, Rule>,
    pub mappings: IndexMap<String, Mapping>,
    pub conditions: IndexMap<String, Expr>,
    /// A macro name, a list of them, or `AWS::Include` objects.
    pub transform: Option<Expr>,
    pub resources: IndexMap<String, Resource>,
    pub outputs: IndexMap<String, Output>,
    /// Names added twice through the builder, reported by validation.
    pub(crate) duplicates: Vec<(Section, String)>,
}

/// Two templates are equal when their JSON would be; the name and builder bookkeeping
/// are not part of it.
impl PartialEq for Template {
    fn eq(&self, other: &Self) -> bool {
        self.format_version == other.format_version
            && self.description == other.description
            && self.metadata == other.metadata
            && self.parameters == other.parameters
            && self.rules == other.rules
            && self.mappings == other.mappings
            && self.conditions == other.conditions
            && self.transform == other.transform
            && self.resources == other.resources
            && self.outputs == other.outputs
    }
}

/// The sections whose entries are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    Parameters,
    Rules,
    Mappings,
    Conditions,
    Resources,
    Outputs,
}

impl Section {
    pub fn key(self) -> &'static str {
        match self {
            Section::Parameters => "Parameters",
            Section::Rules => "Rules",
            Section::Mappings => "Mappings",
            Section::Conditions => "Conditions",
            Section::Resources => "Resources",
            Section::Outputs => "Outputs",
        }
    }
}

/// A mapping: top-level key → second-level key → value.
pub type Mapping = IndexMap<String, IndexMap<String, Expr>>;

/// A resource and its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub type_name: String,
    pub condition: Option<String>,
    pub depends_on: Vec<String>,
    pub metadata: Option<Expr>,
    pub properties: IndexMap<String, Expr>,
    pub deletion_policy: Option<DeletionPolicy>,
    pub update_replace_policy: Option<DeletionPolicy>,
    pub update_policy: Option<Expr>,
    pub creation_policy: Option<Expr>,
}

impl Resource {
    pub fn new(type_name: impl Into<String>, properties: IndexMap<String, Expr>) -> Resource {
        Resource {
            type_name: type_name.into(),
            condition: None,
            depends_on: Vec::new(),
            metadata: None,
            properties,
            deletion_policy: None,
            update_replace_policy: None,
            update_policy: None,
            creation_policy: None,
        }
    }
}

/// What CloudFormation does with a resource's physical resource when it deletes or replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeletionPolicy {
    Delete,
    Retain,
    RetainExceptOnCreate,
    Snapshot,
}

impl DeletionPolicy {
    pub const ALL: [DeletionPolicy; 4] = [
        DeletionPolicy::Delete,
        DeletionPolicy::Retain,
        DeletionPolicy::RetainExceptOnCreate,
        DeletionPolicy::Snapshot,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeletionPolicy::Delete => "Delete",
            DeletionPolicy::Retain => "Retain",
            DeletionPolicy::RetainExceptOnCreate => "RetainExceptOnCreate",
            DeletionPolicy::Snapshot => "Snapshot",
        }
    }

    pub fn parse(s: &str) -> Option<DeletionPolicy> {
        DeletionPolicy::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Options for a resource beyond its properties.
#[derive(Debug, Clone, Default)]
pub struct ResourceOptions {
    pub condition: Option<String>,
    pub depends_on: Vec<String>,
    pub metadata: Option<Expr>,
    pub deletion_policy: Option<DeletionPolicy>,
    pub update_replace_policy: Option<DeletionPolicy>,
    pub update_policy: Option<Expr>,
    pub creation_policy: Option<Expr>,
}

impl ResourceOptions {
    pub fn new() -> ResourceOptions {
        ResourceOptions::default()
    }

    pub fn depends_on<R>(mut self, other: &Handle<R>) -> Self {
        self.depends_on.push(other.logical_id().to_owned());
        self
    }

    pub fn condition(mut self, condition: &ConditionHandle) -> Self {
        self.condition = Some(condition.name().to_owned());
        self
    }

    /// Sets both the deletion and the update-replace policy, as stateful resources want.
    pub fn retain_policy(mut self, policy: DeletionPolicy) -> Self {
        self.deletion_policy = Some(policy);
        self.update_replace_policy = Some(policy);
        self
    }

    pub fn metadata(mut self, metadata: Expr) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// A template parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub param_type: ParameterType,
    pub description: Option<String>,
    pub default: Option<Expr>,
    pub allowed_values: Vec<Expr>,
    pub allowed_pattern: Option<String>,
    pub constraint_description: Option<String>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_value: Option<serde_json::Number>,
    pub max_value: Option<serde_json::Number>,
    pub no_echo: Option<bool>,
}

impl Parameter {
    pub fn new(param_type: ParameterType) -> Parameter {
        Parameter {
            param_type,
            description: None,
            default: None,
            allowed_values: Vec::new(),
            allowed_pattern: None,
            constraint_description: None,
            min_length: None,
            max_length: None,
            min_value: None,
            max_value: None,
            no_echo: None,
        }
    }

    pub fn string() -> Parameter {
        Parameter::new(ParameterType::String)
    }

    pub fn number() -> Parameter {
        Parameter::new(ParameterType::Number)
    }

    /// `AWS::SSM::Parameter::Value<String>`: the stack reads an SSM parameter at deploy time.
    pub fn ssm_string() -> Parameter {
        Parameter::new(ParameterType::Ssm(Box::new(ParameterType::String)))
    }

    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }

    pub fn default(mut self, d: impl Into<Expr>) -> Self {
        self.default = Some(d.into());
        self
    }

    pub fn allowed_values(mut self, values: impl IntoIterator<Item = impl Into<Expr>>) -> Self {
        self.allowed_values = values.into_iter().map(Into::into).collect();
        self
    }

    pub fn allowed_pattern(mut self, pattern: impl Into<String>) -> Self {
        self.allowed_pattern = Some(pattern.into());
        self
    }

    pub fn constraint_description(mut self, d: impl Into<String>) -> Self {
        self.constraint_description = Some(d.into());
        self
    }

    pub fn length(mut self, min: Option<u64>, max: Option<u64>) -> Self {
        self.min_length = min;
        self.max_length = max;
        self
    }

    pub fn value_range(mut self, min: Option<i64>, max: Option<i64>) -> Self {
        self.min_value = min.map(Into::into);
        self.max_value = max.map(Into::into);
        self
    }

    pub fn no_echo(mut self) -> Self {
        self.no_echo = Some(true);
        self
    }
}

/// A parameter's `Type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterType {
    String,
    Number,
    /// `List<Number>`.
    NumberList,
    CommaDelimitedList,
    /// An AWS-specific type such as `AWS::EC2::VPC::Id`.
    Aws(String),
    /// `List<AWS::EC2::Subnet::Id>` and the like.
    AwsList(String),
    /// `AWS::SSM::Parameter::Name`.
    SsmParameterName,
    /// `AWS::SSM::Parameter::Value<T>`.
    Ssm(Box<ParameterType>),
}

impl ParameterType {
    pub fn type_string(&self) -> String {
        match self {
            ParameterType::String => "String".to_owned(),
            ParameterType::Number => "Number".to_owned(),
            ParameterType::NumberList => "List<Number>".to_owned(),
            ParameterType::CommaDelimitedList => "CommaDelimitedList".to_owned(),
            ParameterType::Aws(t) => t.clone(),
            ParameterType::AwsList(t) => format!("List<{t}>"),
            ParameterType::SsmParameterName => "AWS::SSM::Parameter::Name".to_owned(),
            ParameterType::Ssm(inner) => format!("AWS::SSM::Parameter::Value<{}>", inner.type_string()),
        }
    }

    /// Parses a `Type` string; `None` for strings CloudFormation would reject.
    pub fn parse(s: &str) -> Option<ParameterType> {
        let inner_of = |prefix: &str| s.strip_prefix(prefix).and_then(|r| r.strip_suffix('>'));
        Some(match s {
            "String" => ParameterType::String,
            "Number" => ParameterType::Number,
            "List<Number>" => ParameterType::NumberList,
            "CommaDelimitedList" => ParameterType::CommaDelimitedList,
            "AWS::SSM::Parameter::Name" => ParameterType::SsmParameterName,
            _ => {
                if let Some(inner) = inner_of("AWS::SSM::Parameter::Value<") {
                    ParameterType::Ssm(Box::new(ParameterType::parse(inner)?))
                } else if let Some(inner) = inner_of("List<") {
                    if !inner.starts_with("AWS::") {
                        return None;
                    }
                    ParameterType::AwsList(inner.to_owned())
                } else if s.starts_with("AWS::") && !s.contains('<') {
                    ParameterType::Aws(s.to_owned())
                } else {
                    return None;
                }
            }
        })
    }
}

/// A template rule: assertions on parameter values, checked before any resource changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub rule_condition: Option<Expr>,
    pub assertions: Vec<Assertion>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    pub assert: Expr,
    pub description: Option<String>,
}

/// A stack output, optionally exported for `Fn::ImportValue`.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub description: Option<String>,
    pub condition: Option<String>,
    pub value: Expr,
    pub export_name: Option<Expr>,
}

impl Output {
    pub fn new(value: impl Into<Expr>) -> Output {
        Output { description: None, condition: None, value: value.into(), export_name: None }
    }

    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }

    pub fn export(mut self, name: impl Into<Expr>) -> Self {
        self.export_name = Some(name.into());
        self
    }
}

impl Template {
    /// An empty template named `name` (the stack it becomes, used in messages).
    pub fn new(name: impl Into<String>) -> Template {
        Template { name: name.into(), format_version: Some(FORMAT_VERSION.to_owned()), ..Template::default() }
    }

    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds a resource; returns its typed handle.
    pub fn add<R: ResourceType>(&mut self, logical_id: impl Into<String>, properties: R) -> Handle<R> {
        self.add_with(logical_id, properties, ResourceOptions::default())
    }

    /// Adds a resource with attributes beyond its properties.
    pub fn add_with<R: ResourceType>(
        &mut self,
        logical_id: impl Into<String>,
        properties: R,
        options: ResourceOptions,
    ) -> Handle<R> {
        let logical_id = logical_id.into();
        let resource = Resource {
            type_name: R::TYPE_NAME.to_owned(),
            condition: options.condition,
            depends_on: options.depends_on,
            metadata: options.metadata,
            properties: properties.into_props(),
            deletion_policy: options.deletion_policy,
            update_replace_policy: options.update_replace_policy,
            update_policy: options.update_policy,
            creation_policy: options.creation_policy,
        };
        self.add_resource(logical_id.clone(), resource);
        Handle::new(logical_id)
    }

    /// Adds an untyped resource (parsed templates, custom resources).
    pub fn add_resource(&mut self, logical_id: impl Into<String>, resource: Resource) {
        insert_named(&mut self.resources, &mut self.duplicates, Section::Resources, logical_id.into(), resource);
    }

    pub fn add_parameter(&mut self, name: impl Into<String>, parameter: Parameter) -> ParamHandle {
        let name = name.into();
        insert_named(&mut self.parameters, &mut self.duplicates, Section::Parameters, name.clone(), parameter);
        ParamHandle::new(name)
    }

    pub fn add_condition(&mut self, name: impl Into<String>, condition: Expr) -> ConditionHandle {
        let name = name.into();
        insert_named(&mut self.conditions, &mut self.duplicates, Section::Conditions, name.clone(), condition);
        ConditionHandle::new(name)
    }

    pub fn add_mapping(&mut self, name: impl Into<String>, mapping: Mapping) {
        insert_named(&mut self.mappings, &mut self.duplicates, Section::Mappings, name.into(), mapping);
    }

    pub fn add_rule(&mut self, name: impl Into<String>, rule: Rule) {
        insert_named(&mut self.rules, &mut self.duplicates, Section::Rules, name.into(), rule);
    }

    pub fn add_output(&mut self, name: impl Into<String>, output: Output) {
        insert_named(&mut self.outputs, &mut self.duplicates, Section::Outputs, name.into(), output);
    }
}

/// Inserts a named entry, remembering a name that was already taken so validation can
/// report it (the builder itself never fails, which keeps stack code free of `?` noise).
fn insert_named<V>(
    map: &mut IndexMap<String, V>,
    duplicates: &mut Vec<(Section, String)>,
    section: Section,
    name: String,
    value: V,
) {
    // One lookup: a name taken already keeps its place and gets the new value, as `insert`
    // would do.
    match map.entry(name) {
        indexmap::map::Entry::Occupied(mut taken) => {
            duplicates.push((section, taken.key().clone()));
            taken.insert(value);
        }
        indexmap::map::Entry::Vacant(free) => {
            free.insert(value);
        }
    }
}
