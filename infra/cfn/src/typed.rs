//! The typed layer over [`Expr`]: typed property values, resource types and handles.
//!
//! Generated resource structs (crate `sdlf-cfn-types`) use these: scalar properties are
//! [`Val<T>`], so a literal of the wrong kind does not compile, while any intrinsic still fits
//! (CloudFormation itself does not type intrinsics). Adding a resource to a template returns a
//! [`Handle`], whose `get_att` accepts only the attributes the resource type really has.

use std::fmt;
use std::marker::PhantomData;

use indexmap::IndexMap;

use crate::expr::Expr;

/// A property value of type `T`: a literal of that type, or any intrinsic.
pub struct Val<T> {
    expr: Expr,
    ty: PhantomData<fn() -> T>,
}

impl<T> Val<T> {
    /// Wraps any expression (an intrinsic, usually) as a value of type `T`.
    pub fn expr(expr: Expr) -> Val<T> {
        Val { expr, ty: PhantomData }
    }

    pub fn as_expr(&self) -> &Expr {
        &self.expr
    }
}

impl<T> Clone for Val<T> {
    fn clone(&self) -> Self {
        Val::expr(self.expr.clone())
    }
}

impl<T> PartialEq for Val<T> {
    fn eq(&self, other: &Self) -> bool {
        self.expr == other.expr
    }
}

impl<T> fmt::Debug for Val<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expr.fmt(f)
    }
}

impl<T> From<Expr> for Val<T> {
    fn from(expr: Expr) -> Val<T> {
        Val::expr(expr)
    }
}

impl<T> From<&Expr> for Val<T> {
    fn from(expr: &Expr) -> Val<T> {
        Val::expr(expr.clone())
    }
}

impl From<&str> for Val<String> {
    fn from(s: &str) -> Self {
        Val::expr(Expr::from(s))
    }
}

impl From<String> for Val<String> {
    fn from(s: String) -> Self {
        Val::expr(Expr::String(s))
    }
}

impl From<&String> for Val<String> {
    fn from(s: &String) -> Self {
        Val::expr(Expr::String(s.clone()))
    }
}

impl From<i64> for Val<i64> {
    fn from(n: i64) -> Self {
        Val::expr(Expr::int(n))
    }
}

impl From<f64> for Val<f64> {
    fn from(n: f64) -> Self {
        Val::expr(Expr::float(n))
    }
}

impl From<i64> for Val<f64> {
    fn from(n: i64) -> Self {
        Val::expr(Expr::int(n))
    }
}

impl From<bool> for Val<bool> {
    fn from(b: bool) -> Self {
        Val::expr(Expr::Bool(b))
    }
}

/// Turns a typed value into its template form.
pub trait IntoExpr {
    fn into_expr(self) -> Expr;
}

impl IntoExpr for Expr {
    fn into_expr(self) -> Expr {
        self
    }
}

impl<T> IntoExpr for Val<T> {
    fn into_expr(self) -> Expr {
        self.expr
    }
}

impl<T: IntoExpr> IntoExpr for Vec<T> {
    fn into_expr(self) -> Expr {
        Expr::List(self.into_iter().map(IntoExpr::into_expr).collect())
    }
}

impl<T: IntoExpr> IntoExpr for IndexMap<String, T> {
    fn into_expr(self) -> Expr {
        Expr::Map(self.into_iter().map(|(k, v)| (k, v.into_expr())).collect())
    }
}

/// Builds a property object in declaration order; generated `IntoExpr` impls use it.
#[derive(Default)]
pub struct PropsBuilder(IndexMap<String, Expr>);

impl PropsBuilder {
    pub fn new() -> PropsBuilder {
        PropsBuilder::default()
    }

    pub fn set(&mut self, name: &str, value: impl IntoExpr) {
        self.0.insert(name.to_owned(), value.into_expr());
    }

    pub fn set_opt(&mut self, name: &str, value: Option<impl IntoExpr>) {
        if let Some(v) = value {
            self.set(name, v);
        }
    }

    pub fn build(self) -> IndexMap<String, Expr> {
        self.0
    }
}

/// A CloudFormation resource type with typed properties.
pub trait ResourceType: IntoProps {
    /// The type name, e.g. `AWS::S3::Bucket`.
    const TYPE_NAME: &'static str;
    /// The attributes `Fn::GetAtt` can read from this type.
    type Attr: Attribute;
}

/// Turns typed properties into the `Properties` object of a resource.
pub trait IntoProps {
    fn into_props(self) -> IndexMap<String, Expr>;
}

/// An attribute name `Fn::GetAtt` accepts for some resource type.
pub trait Attribute: Copy {
    fn name(self) -> &'static str;
}

/// The attribute set of a type whose `Fn::GetAtt` reads nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoAttributes {}

impl Attribute for NoAttributes {
    fn name(self) -> &'static str {
        match self {}
    }
}

/// Types whose ARN `Fn::GetAtt` can read.
pub trait HasArn: ResourceType {
    const ARN: Self::Attr;
}

/// Types with a name: the `Ref` value when the primary identifier is the name, otherwise a
/// `Name`-like attribute.
pub trait HasName: ResourceType {
    fn name_of(logical_id: &str) -> Expr;
}

/// A resource in a template, typed by its resource type.
pub struct Handle<R> {
    logical_id: String,
    ty: PhantomData<fn() -> R>,
}

impl<R> Handle<R> {
    pub(crate) fn new(logical_id: String) -> Handle<R> {
        Handle { logical_id, ty: PhantomData }
    }

    pub fn logical_id(&self) -> &str {
        &self.logical_id
    }

    /// `{"Ref": logical id}`.
    pub fn reference(&self) -> Expr {
        Expr::Ref(self.logical_id.clone())
    }
}

impl<R: ResourceType> Handle<R> {
    /// `{"Fn::GetAtt": [logical id, attribute]}` for an attribute this type has.
    pub fn get_att(&self, attribute: R::Attr) -> Expr {
        Expr::get_att(self.logical_id.clone(), attribute.name())
    }
}

impl<R: HasArn> Handle<R> {
    pub fn arn(&self) -> Expr {
        self.get_att(R::ARN)
    }
}

impl<R: HasName> Handle<R> {
    pub fn name(&self) -> Expr {
        R::name_of(&self.logical_id)
    }
}

impl<R> Clone for Handle<R> {
    fn clone(&self) -> Self {
        Handle::new(self.logical_id.clone())
    }
}

impl<R> fmt::Debug for Handle<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Handle({})", self.logical_id)
    }
}

/// A template parameter.
#[derive(Debug, Clone)]
pub struct ParamHandle {
    name: String,
}

impl ParamHandle {
    pub(crate) fn new(name: String) -> ParamHandle {
        ParamHandle { name }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn reference(&self) -> Expr {
        Expr::Ref(self.name.clone())
    }
}

/// A named condition.
#[derive(Debug, Clone)]
pub struct ConditionHandle {
    name: String,
}

impl ConditionHandle {
    pub(crate) fn new(name: String) -> ConditionHandle {
        ConditionHandle { name }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `{"Condition": name}`, for use inside `Fn::And` / `Fn::Or` / `Fn::Not`.
    pub fn expr(&self) -> Expr {
        Expr::Condition(self.name.clone())
    }

    /// `{"Fn::If": [name, then, otherwise]}`.
    pub fn if_(&self, then: impl Into<Expr>, otherwise: impl Into<Expr>) -> Expr {
        Expr::if_(self.name.clone(), then, otherwise)
    }
}
