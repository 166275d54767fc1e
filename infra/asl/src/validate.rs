//! The checks [`crate::StateMachineBuilder::build`] runs: what Step Functions would refuse
//! at deploy time (or fail on at run time), refused before a template is written.

use std::collections::{HashMap, HashSet};

use sdlf_cfn::Expr;

use crate::machine::{Branch, StateMachine};
use crate::state::{Catch, Cond, Condition, Retry, State, Transition, WaitFor, errors};
use crate::value::ResultPath;

/// The longest state name Step Functions accepts, in characters.
pub const MAX_STATE_NAME_CHARS: usize = 80;

/// Why a state machine cannot be built. `scope` says which group of states: `the state
/// machine`, ``Branches[0] of `Try` `` or ``the ItemProcessor of `Records` ``.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AslError {
    #[error("the state machine: TimeoutSeconds must be at least 1")]
    ZeroMachineTimeout,
    #[error("{scope}: StartAt `{start_at}` is not one of its states; add it or fix the name")]
    UnknownStartAt { scope: String, start_at: String },
    #[error("{scope}: a state has an empty name")]
    EmptyName { scope: String },
    #[error("state `{state}`: the name is {chars} characters long; the limit is 80")]
    NameTooLong { state: String, chars: usize },
    #[error(
        "state `{state}` is defined twice; state names must be unique in the whole state machine, branches included"
    )]
    DuplicateName { state: String },
    #[error("state `{state}` has neither Next nor End; add one")]
    NoTransition { state: String },
    #[error("state `{state}`: {field} `{target}` is not a state of {scope}; add it or fix the name")]
    UnknownTarget { state: String, field: String, target: String, scope: String },
    #[error("state `{state}` is unreachable: nothing in {scope} leads to it from StartAt `{start_at}`")]
    Unreachable { state: String, scope: String, start_at: String },
    #[error("state `{state}`: a Choice needs at least one rule in Choices")]
    NoChoices { state: String },
    #[error("state `{state}`: a Parallel needs at least one branch")]
    NoBranches { state: String },
    #[error("state `{state}`: {field} `{path}` is not a JSONPath; it must start with `$`")]
    InvalidPath { state: String, field: String, path: String },
    #[error("state `{state}`: {field} must be a JSON object")]
    NotAnObject { state: String, field: String },
    #[error(
        "state `{state}`: {field} key `{key}` ends in `.$`, so its value must be a string holding a JSONPath or \
         intrinsic function (starting with `$` or `States.`)"
    )]
    InvalidDynamicValue { state: String, field: String, key: String },
    #[error("state `{state}`: {field} {problem}")]
    InvalidValue { state: String, field: String, problem: String },
}

type Result<T = ()> = std::result::Result<T, AslError>;

const TOP: &str = "the state machine";

pub(crate) fn validate_machine(machine: &StateMachine) -> Result {
    if machine.timeout_seconds == Some(0) {
        return Err(AslError::ZeroMachineTimeout);
    }
    check_names(&machine.graph, TOP, &mut HashSet::new())?;
    check_graph(&machine.graph, TOP)
}

/// The branches nested in a state, each with the scope name its errors use.
pub(crate) fn nested<'a>(name: &str, state: &'a State) -> Vec<(String, &'a Branch)> {
    match state {
        State::Parallel(p) => {
            p.branches.iter().enumerate().map(|(i, b)| (format!("Branches[{i}] of `{name}`"), b)).collect()
        }
        State::Map(m) => vec![(format!("the ItemProcessor of `{name}`"), &m.item_processor)],
        _ => Vec::new(),
    }
}

/// Names are checked over the whole machine first: the later checks rely on them being unique.
fn check_names<'a>(graph: &'a Branch, scope: &str, seen: &mut HashSet<&'a str>) -> Result {
    for (name, state) in &graph.states {
        if name.is_empty() {
            return Err(AslError::EmptyName { scope: scope.to_owned() });
        }
        let chars = name.chars().count();
        if chars > MAX_STATE_NAME_CHARS {
            return Err(AslError::NameTooLong { state: name.clone(), chars });
        }
        if !seen.insert(name) {
            return Err(AslError::DuplicateName { state: name.clone() });
        }
        for (inner_scope, branch) in nested(name, state) {
            check_names(branch, &inner_scope, seen)?;
        }
    }
    Ok(())
}

fn check_graph(graph: &Branch, scope: &str) -> Result {
    let states: HashMap<&str, &State> = graph.states.iter().map(|(n, s)| (n.as_str(), s)).collect();
    let start = graph.start_at.as_str();
    if !states.contains_key(start) {
        return Err(AslError::UnknownStartAt { scope: scope.to_owned(), start_at: graph.start_at.clone() });
    }
    for (name, state) in &graph.states {
        check_state(name, state, &states, scope)?;
    }
    let mut reached = HashSet::from([start]);
    let mut queue = vec![start];
    while let Some(name) = queue.pop() {
        for (_, target) in targets(states[name]) {
            if reached.insert(target) {
                queue.push(target);
            }
        }
    }
    match graph.states.iter().find(|(n, _)| !reached.contains(n.as_str())) {
        Some((name, _)) => Err(AslError::Unreachable {
            state: name.clone(),
            scope: scope.to_owned(),
            start_at: graph.start_at.clone(),
        }),
        None => Ok(()),
    }
}

/// Every transition out of a state, with the field that names it.
fn targets(state: &State) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    if let Some(Transition::Next(next)) = transition(state).flatten() {
        out.push(("Next".to_owned(), next.as_str()));
    }
    if let State::Choice(c) = state {
        for (i, (_, next)) in c.choices.iter().enumerate() {
            out.push((format!("Choices[{i}].Next"), next.as_str()));
        }
        if let Some(d) = &c.default {
            out.push(("Default".to_owned(), d.as_str()));
        }
    }
    for (i, c) in catchers(state).iter().enumerate() {
        out.push((format!("Catch[{i}].Next"), c.next.as_str()));
    }
    out
}

/// `Some(transition)` for the states that need `Next` or `End`, `None` for the others.
fn transition(state: &State) -> Option<Option<&Transition>> {
    match state {
        State::Task(s) => Some(s.transition.as_ref()),
        State::Pass(s) => Some(s.transition.as_ref()),
        State::Wait(s) => Some(s.transition.as_ref()),
        State::Parallel(s) => Some(s.transition.as_ref()),
        State::Map(s) => Some(s.transition.as_ref()),
        State::Choice(_) | State::Succeed(_) | State::Fail(_) => None,
    }
}

fn retriers(state: &State) -> &[Retry] {
    match state {
        State::Task(s) => &s.retry,
        State::Parallel(s) => &s.retry,
        State::Map(s) => &s.retry,
        _ => &[],
    }
}

fn catchers(state: &State) -> &[Catch] {
    match state {
        State::Task(s) => &s.catch,
        State::Parallel(s) => &s.catch,
        State::Map(s) => &s.catch,
        _ => &[],
    }
}

/// The checks of one state, reporting against its name.
struct Check<'a> {
    state: &'a str,
}

impl Check<'_> {
    fn invalid(&self, field: impl Into<String>, problem: impl Into<String>) -> AslError {
        AslError::InvalidValue { state: self.state.to_owned(), field: field.into(), problem: problem.into() }
    }

    fn path(&self, field: &str, path: Option<&str>) -> Result {
        match path {
            Some(p) if !p.starts_with('$') => {
                Err(AslError::InvalidPath { state: self.state.to_owned(), field: field.to_owned(), path: p.to_owned() })
            }
            _ => Ok(()),
        }
    }

    fn result_path(&self, field: &str, path: Option<&ResultPath>) -> Result {
        match path {
            Some(ResultPath::Path(p)) => self.path(field, Some(p)),
            _ => Ok(()),
        }
    }

    fn io(&self, input_path: &Option<String>, output_path: &Option<String>) -> Result {
        self.path("InputPath", input_path.as_deref())?;
        self.path("OutputPath", output_path.as_deref())
    }

    /// A payload template (`Parameters`, `ResultSelector`, `ItemSelector`): a JSON object
    /// whose `.$` keys hold paths.
    fn template(&self, field: &str, value: Option<&Expr>) -> Result {
        match value {
            None => Ok(()),
            Some(object @ Expr::Map(_)) => self.dynamic_keys(field, "", object),
            Some(_) => Err(AslError::NotAnObject { state: self.state.to_owned(), field: field.to_owned() }),
        }
    }

    fn dynamic_keys(&self, field: &str, prefix: &str, value: &Expr) -> Result {
        match value {
            Expr::Map(entries) => {
                for (key, v) in entries {
                    let key_path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    if key.ends_with(".$") {
                        let ok = v.as_str().is_some_and(|s| s.starts_with('$') || s.starts_with("States."));
                        if !ok {
                            return Err(AslError::InvalidDynamicValue {
                                state: self.state.to_owned(),
                                field: field.to_owned(),
                                key: key_path,
                            });
                        }
                    } else {
                        self.dynamic_keys(field, &key_path, v)?;
                    }
                }
                Ok(())
            }
            Expr::List(items) => items.iter().try_for_each(|v| self.dynamic_keys(field, prefix, v)),
            _ => Ok(()),
        }
    }

    fn error_names(&self, field: &str, names: &[String], last: bool, what: &str) -> Result {
        if names.is_empty() {
            return Err(self.invalid(format!("{field}.ErrorEquals"), "is empty; name at least one error"));
        }
        if names.iter().any(|n| n == errors::ALL) {
            if names.len() > 1 {
                return Err(self.invalid(
                    format!("{field}.ErrorEquals"),
                    format!("lists `{}` with other errors; it must stand alone", errors::ALL),
                ));
            }
            if !last {
                return Err(self.invalid(
                    format!("{field}.ErrorEquals"),
                    format!("is `{}`; it must be the last {what}", errors::ALL),
                ));
            }
        }
        Ok(())
    }

    fn retry(&self, retry: &[Retry]) -> Result {
        for (i, r) in retry.iter().enumerate() {
            let field = format!("Retry[{i}]");
            self.error_names(&field, &r.error_equals, i + 1 == retry.len(), "retrier")?;
            if r.interval_seconds == Some(0) {
                return Err(self.invalid(format!("{field}.IntervalSeconds"), "must be at least 1"));
            }
            if r.max_delay_seconds == Some(0) {
                return Err(self.invalid(format!("{field}.MaxDelaySeconds"), "must be at least 1"));
            }
            if let Some(rate) = r.backoff_rate
                && !(rate >= 1.0 && rate.is_finite())
            {
                return Err(self.invalid(format!("{field}.BackoffRate"), format!("is {rate}; it must be at least 1.0")));
            }
        }
        Ok(())
    }

    fn catch(&self, catch: &[Catch]) -> Result {
        for (i, c) in catch.iter().enumerate() {
            let field = format!("Catch[{i}]");
            self.error_names(&field, &c.error_equals, i + 1 == catch.len(), "catcher")?;
            self.result_path(&format!("{field}.ResultPath"), c.result_path.as_ref())?;
        }
        Ok(())
    }

    fn condition(&self, field: &str, condition: &Condition) -> Result {
        match &condition.0 {
            Cond::Compare { variable, .. } => self.path(&format!("{field}.Variable"), Some(variable)),
            Cond::And(all) | Cond::Or(all) => {
                let op = if matches!(condition.0, Cond::And(_)) { "And" } else { "Or" };
                if all.is_empty() {
                    return Err(self.invalid(format!("{field}.{op}"), "needs at least one condition"));
                }
                all.iter().enumerate().try_for_each(|(i, c)| self.condition(&format!("{field}.{op}[{i}]"), c))
            }
            Cond::Not(inner) => self.condition(&format!("{field}.Not"), inner),
        }
    }

    fn seconds(&self, field: &str, seconds: Option<u32>) -> Result {
        if seconds == Some(0) { Err(self.invalid(field, "must be at least 1")) } else { Ok(()) }
    }
}

fn check_state(name: &str, state: &State, states: &HashMap<&str, &State>, scope: &str) -> Result {
    let check = Check { state: name };
    if transition(state) == Some(None) {
        return Err(AslError::NoTransition { state: name.to_owned() });
    }
    match state {
        State::Choice(c) if c.choices.is_empty() => return Err(AslError::NoChoices { state: name.to_owned() }),
        State::Parallel(p) if p.branches.is_empty() => return Err(AslError::NoBranches { state: name.to_owned() }),
        _ => {}
    }
    for (field, target) in targets(state) {
        if !states.contains_key(target) {
            return Err(AslError::UnknownTarget {
                state: name.to_owned(),
                field,
                target: target.to_owned(),
                scope: scope.to_owned(),
            });
        }
    }
    match state {
        State::Task(t) => {
            if let Some(r) = t.resource.as_str()
                && !r.starts_with("arn:")
            {
                return Err(check.invalid("Resource", format!("`{r}` is not an ARN")));
            }
            check.io(&t.input_path, &t.output_path)?;
            check.template("Parameters", t.parameters.as_ref())?;
            check.template("ResultSelector", t.result_selector.as_ref())?;
            check.result_path("ResultPath", t.result_path.as_ref())?;
            check.seconds("TimeoutSeconds", t.timeout_seconds)?;
            check.seconds("HeartbeatSeconds", t.heartbeat_seconds)?;
            if let (Some(h), Some(t)) = (t.heartbeat_seconds, t.timeout_seconds)
                && h >= t
            {
                return Err(check.invalid("HeartbeatSeconds", format!("({h}) must be less than TimeoutSeconds ({t})")));
            }
        }
        State::Pass(p) => {
            check.io(&p.input_path, &p.output_path)?;
            check.template("Parameters", p.parameters.as_ref())?;
            check.result_path("ResultPath", p.result_path.as_ref())?;
        }
        State::Choice(c) => {
            check.io(&c.input_path, &c.output_path)?;
            for (i, (condition, _)) in c.choices.iter().enumerate() {
                check.condition(&format!("Choices[{i}]"), condition)?;
            }
        }
        State::Wait(w) => {
            check.io(&w.input_path, &w.output_path)?;
            match &w.wait_for {
                WaitFor::SecondsPath(p) => check.path("SecondsPath", Some(p))?,
                WaitFor::TimestampPath(p) => check.path("TimestampPath", Some(p))?,
                WaitFor::Seconds(_) | WaitFor::Timestamp(_) => {}
            }
        }
        State::Parallel(p) => {
            check.io(&p.input_path, &p.output_path)?;
            check.template("Parameters", p.parameters.as_ref())?;
            check.template("ResultSelector", p.result_selector.as_ref())?;
            check.result_path("ResultPath", p.result_path.as_ref())?;
        }
        State::Map(m) => {
            check.io(&m.input_path, &m.output_path)?;
            check.path("ItemsPath", m.items_path.as_deref())?;
            check.template("ItemSelector", m.item_selector.as_ref())?;
            check.template("ResultSelector", m.result_selector.as_ref())?;
            check.result_path("ResultPath", m.result_path.as_ref())?;
        }
        State::Succeed(s) => check.io(&s.input_path, &s.output_path)?,
        State::Fail(_) => {}
    }
    check.retry(retriers(state))?;
    check.catch(catchers(state))?;
    for (inner_scope, branch) in nested(name, state) {
        check_graph(branch, &inner_scope)?;
    }
    Ok(())
}
