//! What changes between a deployed stack and a synthesized one, what that does to each
//! resource, and how to show it.
//!
//! - [`diff`] compares two templates section by section. Each resource change gets an
//!   [`Impact`] from the resource spec (`replace_always` / `replace_conditional` paths),
//!   replacements are followed to every property that references a replaced resource
//!   (`Ref`, `Fn::GetAtt`, `Fn::Sub`) until nothing more changes, and resources holding data
//!   that may go away say so ([`ResourceChange::loses_data`]). IAM statements added or removed
//!   are listed apart, as table rows.
//! - [`TemplateDiff::merge_change_set`] folds CloudFormation's own answer in: the change set
//!   wins, and every disagreement is kept so it can be shown.
//! - [`render_text`] and [`render_json`] show the diffs of several stacks with a [`Plan`]
//!   line each (`Plan: 1 to add, 2 to change (1 replace), 0 to destroy`) and a total.
//!
//! Pure functions over data (no I/O, no AWS SDK), linear in the size of the templates.
//!
//! ```
//! use sdlf_cfn::{Expr, Resource, ResourceSpec, SpecLookup, Template};
//! use sdlf_diff::{Style, diff, render_text};
//!
//! let mut old = Template::new("demo");
//! old.add_resource("Queue", Resource::new("AWS::SQS::Queue", [("QueueName".to_owned(), Expr::string("a"))].into()));
//! let mut new = old.clone();
//! new.resources["Queue"].properties["QueueName"] = Expr::string("b");
//!
//! // In the lake: `sdlf_cfn_types::Registry`, the specs of every generated type.
//! struct Specs;
//! impl SpecLookup for Specs {
//!     fn spec(&self, _type_name: &str) -> Option<&ResourceSpec> {
//!         const QUEUE: ResourceSpec = ResourceSpec {
//!             type_name: "AWS::SQS::Queue",
//!             attributes: &["Arn"],
//!             primary_identifier: &["QueueUrl"],
//!             replace_always: &["/QueueName"],
//!             replace_conditional: &[],
//!             holds_data: Some("messages"),
//!         };
//!         Some(&QUEUE)
//!     }
//! }
//!
//! let d = diff(Some(&old), &new, &Specs);
//! assert_eq!((d.plan().change, d.plan().replace), (1, 1));
//! assert_eq!(d.data_losses().collect::<Vec<_>>(), [("Queue", "messages")]);
//! assert!(render_text(&[d], &Style::PLAIN).contains("Properties.QueueName: \"a\" → \"b\" (requires replacement)"));
//! ```

mod changeset;
mod engine;
mod iam;
mod impact;
mod model;
mod plan;
mod refs;
mod render;
mod tree;

pub use changeset::{ChangeSetAction, ChangeSetChange, Replacement};
pub use engine::diff;
pub use model::{
    Cause, Disagreement, EntryChange, EntryChangeKind, IamChange, IamChangeKind, Impact, Origin, Path, ResourceChange,
    ResourceChangeKind, Segment, TemplateDiff, ValueChange,
};
pub use plan::Plan;
pub use render::{
    EnvironmentPlan, JSON_FORMAT_VERSION, MarkdownOptions, Style, render_json, render_markdown, render_table,
    render_text, strip_escapes, summary_line,
};
