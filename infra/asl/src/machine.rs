//! State machines and the sub-machines nested in `Parallel` and `Map` states.

use crate::render::{Rendered, render_machine};
use crate::state::State;
use crate::validate::{AslError, validate_machine};

/// A group of states with a start: a branch of a [`crate::Parallel`] or the item processor of
/// a [`crate::Map`]. Validated with the state machine that contains it.
#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    pub(crate) comment: Option<String>,
    pub(crate) start_at: String,
    pub(crate) states: Vec<(String, State)>,
}

impl Branch {
    /// A branch starting at the state named `start_at`.
    pub fn new(start_at: impl Into<String>) -> Branch {
        Branch { comment: None, start_at: start_at.into(), states: Vec::new() }
    }

    /// `Comment`.
    pub fn comment(mut self, comment: impl Into<String>) -> Branch {
        self.comment = Some(comment.into());
        self
    }

    /// Adds a state; states render in the order added.
    pub fn state(mut self, name: impl Into<String>, state: impl Into<State>) -> Branch {
        self.states.push((name.into(), state.into()));
        self
    }

    pub fn start_at(&self) -> &str {
        &self.start_at
    }

    /// The states, in order.
    pub fn states(&self) -> impl Iterator<Item = (&str, &State)> {
        self.states.iter().map(|(n, s)| (n.as_str(), s))
    }
}

/// A validated state machine definition. Build one with [`StateMachine::builder`], then
/// [`render`](StateMachine::render) it for an `AWS::StepFunctions::StateMachine` resource.
#[derive(Debug, Clone, PartialEq)]
pub struct StateMachine {
    pub(crate) graph: Branch,
    pub(crate) timeout_seconds: Option<u32>,
}

impl StateMachine {
    /// A builder for a state machine starting at the state named `start_at`.
    pub fn builder(start_at: impl Into<String>) -> StateMachineBuilder {
        StateMachineBuilder { graph: Branch::new(start_at), timeout_seconds: None }
    }

    pub fn comment(&self) -> Option<&str> {
        self.graph.comment.as_deref()
    }

    pub fn start_at(&self) -> &str {
        &self.graph.start_at
    }

    pub fn timeout_seconds(&self) -> Option<u32> {
        self.timeout_seconds
    }

    /// The top-level states, in order.
    pub fn states(&self) -> impl Iterator<Item = (&str, &State)> {
        self.graph.states()
    }

    /// The top-level state named `name`.
    pub fn state(&self, name: &str) -> Option<&State> {
        self.graph.states.iter().find(|(n, _)| n == name).map(|(_, s)| s)
    }

    /// The definition as a JSON object, with every template value replaced by a `${name}`
    /// placeholder, and the substitutions that fill them in. Same machine, same output.
    pub fn render(&self) -> Rendered {
        render_machine(self)
    }
}

/// Collects the states of a [`StateMachine`]; [`build`](StateMachineBuilder::build) checks
/// them.
#[derive(Debug, Clone)]
pub struct StateMachineBuilder {
    graph: Branch,
    timeout_seconds: Option<u32>,
}

impl StateMachineBuilder {
    /// `Comment`.
    pub fn comment(mut self, comment: impl Into<String>) -> StateMachineBuilder {
        self.graph.comment = Some(comment.into());
        self
    }

    /// `TimeoutSeconds`: the longest an execution may run.
    pub fn timeout_seconds(mut self, seconds: u32) -> StateMachineBuilder {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// Adds a state; states render in the order added.
    pub fn state(mut self, name: impl Into<String>, state: impl Into<State>) -> StateMachineBuilder {
        self.graph = self.graph.state(name, state);
        self
    }

    /// Checks the whole machine, nested branches and item processors included, and returns
    /// the first problem found (in definition order).
    pub fn build(self) -> Result<StateMachine, AslError> {
        let machine = StateMachine { graph: self.graph, timeout_seconds: self.timeout_seconds };
        validate_machine(&machine)?;
        Ok(machine)
    }
}
