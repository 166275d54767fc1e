//! A typed model of CloudFormation templates.
//!
//! Build a [`Template`] from typed resources (crate `sdlf-cfn-types`), then [`synth`] it:
//! validation refuses anything CloudFormation would reject late (a dangling `Ref`, an
//! attribute the type lacks, a limit exceeded) and the JSON comes out in canonical order,
//! byte for byte the same on every run. [`parse`] reads a template back into the model, so a
//! deployed template can be compared with a synthesized one.
//!
//! No I/O and no AWS SDK here: everything is a pure function over data.

mod expr;
mod json;
mod parse;
mod pretty;
mod spec;
mod template;
mod typed;
mod validate;

pub use expr::{Expr, Pseudo, dynamic};
pub use json::{template_to_json, to_json_value};
pub use parse::{ParseError, parse, parse_expr, parse_value};
pub use spec::{ChangeImpact, ResourceSpec, SpecLookup, has_open_attributes};
pub use template::{
    Assertion, DeletionPolicy, FORMAT_VERSION, Mapping, Output, Parameter, ParameterType, Resource, ResourceOptions,
    Rule, Section, Template,
};
pub use typed::{
    Attribute, ConditionHandle, Handle, HasArn, HasName, IntoExpr, IntoProps, NoAttributes, ParamHandle, PropsBuilder,
    ResourceType, Val,
};
pub use validate::{Limits, SynthError, SynthErrorKind, SynthErrors, Synthesized, synth, validate};
