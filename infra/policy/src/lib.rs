//! IAM policy documents for `sdlf-cfn` templates: a typed builder, statement extraction and a
//! security-baseline audit.
//!
//! - **Build** documents with [`PolicyDocument`], [`Statement`], [`Principal`] and
//!   [`Condition`]; [`PolicyDocument::build`] gives the [`Expr`](sdlf_cfn::Expr) that goes into
//!   `PolicyDocument`, `AssumeRolePolicyDocument`, `KeyPolicy` or a bucket, queue or topic
//!   policy. `Version` is always `2012-10-17`; a one-element list renders as the element alone.
//! - **Extract** every statement of every policy document of a template with
//!   [`statements_of`]: flat, string-valued, located by path — what a diff of two templates'
//!   IAM statements needs.
//! - **Audit** a template with [`audit`]: an `Allow` of `*` or `service:*`, on resource `*`, or
//!   to principal `*` without a condition saying who, is a finding; a finding an [`Allowlist`]
//!   entry accepts is returned with the entry's reason, every other one is a violation. The
//!   crate ships no entries: the lake owns its list.
//!
//! ```
//! use sdlf_cfn::{Expr, Pseudo, Resource, Template};
//! use sdlf_policy::{
//!     Allowance, Allowlist, Condition, FindingKind, PolicyDocument, Principal, Statement, audit,
//! };
//!
//! let policy = PolicyDocument::new()
//!     .statement(
//!         Statement::allow()
//!             .sid("ReadRaw")
//!             .principal(Principal::service("glue.amazonaws.com"))
//!             .actions(["s3:GetObject", "s3:ListBucket"])
//!             .resources([Expr::get_att("RawBucket", "Arn"), Expr::sub("${RawBucket.Arn}/engineering/*")])
//!             .condition(Condition::string_equals("aws:SourceAccount", Pseudo::AccountId)),
//!     )
//!     .statement(Statement::deny_insecure_transport([
//!         Expr::get_att("RawBucket", "Arn"),
//!         Expr::sub("${RawBucket.Arn}/*"),
//!     ]))
//!     .build();
//!
//! let mut template = Template::new("sdlf-foundations");
//! let props = [("Bucket".to_owned(), Expr::reference("RawBucket")), ("PolicyDocument".to_owned(), policy)];
//! template.add_resource("RawBucketPolicy", Resource::new("AWS::S3::BucketPolicy", props.into_iter().collect()));
//!
//! let report = audit(&template, &Allowlist::new());
//! assert!(report.is_clean(), "{report}");
//!
//! // An allowlist entry: a scope, a finding kind, optionally an action pattern, and the reason
//! // printed next to every finding it accepts (`report.accepted`).
//! let allow = Allowlist::new().allow(
//!     Allowance::logical_id("*", FindingKind::WildcardResource, "X-Ray has no resource-level permissions")
//!         .actions("xray:Put*"),
//! );
//! for accepted in audit(&template, &allow).accepted {
//!     println!("{accepted}");
//! }
//! ```

mod audit;
mod document;
mod extract;

pub use audit::{
    Accepted, Allowance, Allowlist, AuditReport, Finding, FindingKind, RESTRICTING_CONDITION_KEYS, Scope, audit,
    findings, is_restricting, is_wildcard_action,
};
pub use document::{
    Condition, ConditionValues, Effect, Operator, POLICY_VERSION, PolicyDocument, PolicyError, PolicyErrors, Principal,
    Problem, SetQualifier, Statement,
};
pub use extract::{
    DocumentKind, FlatCondition, FlatPrincipal, FlatStatement, LocatedStatement, POLICY_SITES, PolicySite, PolicyValue,
    Scan, Unreadable, flatten_statement, render_list, render_value, scan, statements_of,
};
