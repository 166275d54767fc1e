//! Amazon States Language as typed Rust: the lake's Step Functions state machines are built
//! from states, checked, and rendered to what an `AWS::StepFunctions::StateMachine` resource
//! takes.
//!
//! [`StateMachine::builder`] collects named states ([`Task`], [`Pass`], [`Choice`], [`Wait`],
//! [`Parallel`], [`Map`], [`Succeed`], [`Fail`]); [`build`](StateMachineBuilder::build) refuses
//! what Step Functions would refuse (a missing `StartAt` or `Next` target, an unreachable
//! state, a state with neither `Next` nor `End`, a name over 80 characters, ...) with an
//! [`AslError`] naming the state and the problem. Branches of a `Parallel` and the item
//! processor of a `Map` are checked the same way.
//!
//! [`StateMachine::render`] returns the `Definition` as a JSON object and its
//! `DefinitionSubstitutions`. CloudFormation does not resolve intrinsic functions inside
//! `Definition`, so every template value used in a state (a function ARN from `Fn::GetAtt`, a
//! queue URL from `Ref`, ...) is replaced by a `${Name}` placeholder and recorded as a
//! substitution; names are derived from the state and the field, so the output is the same,
//! byte for byte, for the same machine. The key order is fixed; [`Rendered`] lists it and the
//! naming rules.
//!
//! ```
//! use sdlf_asl::{Branch, Catch, Fail, Field, Parallel, ResultPath, Retry, StateMachine, Task};
//! use sdlf_cfn::Expr;
//!
//! let transform = Expr::get_att("TransformFunction", "Arn");
//! let machine = StateMachine::builder("Try")
//!     .comment("Light transform")
//!     .state(
//!         "Try",
//!         Parallel::new()
//!             .branch(
//!                 Branch::new("Transform").state(
//!                     "Transform",
//!                     Task::lambda_invoke(transform.clone(), Field::path("$"))
//!                         .output_path("$.Payload")
//!                         .retry(Retry::lambda_service_errors())
//!                         .end(),
//!                 ),
//!             )
//!             .catch(Catch::all("Failed", ResultPath::Discard))
//!             .end(),
//!     )
//!     .state("Failed", Fail::new().error("TransformFailed"))
//!     .build()?;
//!
//! let rendered = machine.render();
//! assert_eq!(rendered.substitutions["TransformFunctionName"], transform);
//! let json = serde_json::to_value(&rendered.definition)?;
//! let transform_state = &json["States"]["Try"]["Branches"][0]["States"]["Transform"];
//! assert_eq!(transform_state["Parameters"]["FunctionName"], "${TransformFunctionName}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! On the resource (`sdlf_cfn_types`' `StateMachine`), `definition` takes
//! `rendered.definition` and `definition_substitutions` takes
//! [`rendered.definition_substitutions()`](Rendered::definition_substitutions).
//!
//! Pure: no I/O, no AWS SDK.

mod machine;
mod render;
mod state;
mod validate;
mod value;

pub use machine::{Branch, StateMachine, StateMachineBuilder};
pub use render::Rendered;
pub use state::{
    Catch, Choice, Condition, Fail, Map, Parallel, Pass, Retry, State, Succeed, Task, Wait, errors, resource,
};
pub use validate::{AslError, MAX_STATE_NAME_CHARS};
pub use value::{Field, IntoJson, ResultPath};
