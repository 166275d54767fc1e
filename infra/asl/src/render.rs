//! State machine → definition JSON and `DefinitionSubstitutions`; the rules are documented on
//! [`Rendered`].

use indexmap::IndexMap;
use sdlf_cfn::Expr;

use crate::machine::{Branch, StateMachine};
use crate::state::{Catch, Cond, Condition, Retry, State, Transition, WaitFor};
use crate::value::{ResultPath, number};

/// What an `AWS::StepFunctions::StateMachine` resource takes.
///
/// Key order. The top level: `Comment`, `StartAt`, `TimeoutSeconds`, `States`; a branch:
/// `Comment`, `StartAt`, `States`; an item processor: `Comment`, `ProcessorConfig`, `StartAt`,
/// `States`. Inside every state, whatever its type has, in this order: `Type`, `Comment`,
/// `Resource`, `InputPath`, `ItemsPath`, `Parameters`, `ItemSelector`, `Result`, `Branches`,
/// `ItemProcessor`, `MaxConcurrency`, `Seconds` / `SecondsPath` / `Timestamp` /
/// `TimestampPath`, `Choices`, `Default`, `ResultSelector`, `ResultPath`, `OutputPath`,
/// `TimeoutSeconds`, `HeartbeatSeconds`, `Retry`, `Catch`, `Error`, `Cause`, `Next` / `End`.
/// A retrier: `ErrorEquals`, `IntervalSeconds`, `MaxAttempts`, `BackoffRate`,
/// `MaxDelaySeconds`; a catcher: `ErrorEquals`, `ResultPath`, `Next`; a choice rule: the
/// condition (`Variable` then the operator, or `And` / `Or` / `Not`), then `Next`. States
/// and object keys keep the order they were added in.
///
/// Substitutions. Every value that is not a literal (a `Ref`, `Fn::GetAtt`, `Fn::Sub`, ...)
/// is replaced by the string `"${Name}"`, and `Name → value` is recorded. `Name` is the state
/// name and the nearest object key (or field) in PascalCase, letters and digits only:
/// `FunctionName` of state `Pre-update Catalog` is `${PreUpdateCatalogFunctionName}`. The
/// same value used twice shares one name (the first one); two different values that would
/// get the same name are told apart by a counter (`...Name2`, `...Name3`). Names are given in
/// rendering order, so the same machine always gets the same names.
///
/// A placeholder is a JSON string, so what is substituted lands as a string: a template value
/// for a number or boolean field (a `Ref` to a Number parameter as `NumberOfWorkers`) would
/// arrive as `"10"`. Use literals there. The value must also resolve to a single string
/// (not a list).
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// `Definition`: the state machine as a JSON object, template values replaced by
    /// `${Name}` placeholders.
    pub definition: Expr,
    /// `DefinitionSubstitutions`: placeholder name → template value, in order of first use.
    pub substitutions: IndexMap<String, Expr>,
}

impl Rendered {
    /// The `DefinitionSubstitutions` property: `None` when the definition has no template
    /// values.
    pub fn definition_substitutions(&self) -> Option<Expr> {
        if self.substitutions.is_empty() { None } else { Some(Expr::Map(self.substitutions.clone())) }
    }

    /// The `Definition` and `DefinitionSubstitutions` properties, moved out rather than
    /// copied (a definition is a large tree).
    pub fn into_properties(self) -> (Expr, Option<Expr>) {
        let substitutions = (!self.substitutions.is_empty()).then_some(Expr::Map(self.substitutions));
        (self.definition, substitutions)
    }
}

pub(crate) fn render_machine(machine: &StateMachine) -> Rendered {
    let mut r = Renderer { substitutions: IndexMap::new() };
    let mut top = IndexMap::new();
    put_str(&mut top, "Comment", machine.graph.comment.as_deref());
    top.insert("StartAt".to_owned(), Expr::string(&machine.graph.start_at));
    if let Some(t) = machine.timeout_seconds {
        top.insert("TimeoutSeconds".to_owned(), Expr::from(t));
    }
    top.insert("States".to_owned(), r.states(&machine.graph));
    Rendered { definition: Expr::Map(top), substitutions: r.substitutions }
}

fn put_str(m: &mut IndexMap<String, Expr>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        m.insert(key.to_owned(), Expr::string(v));
    }
}

fn put_u32(m: &mut IndexMap<String, Expr>, key: &str, value: Option<u32>) {
    if let Some(v) = value {
        m.insert(key.to_owned(), Expr::from(v));
    }
}

fn put_result_path(m: &mut IndexMap<String, Expr>, key: &str, value: Option<&ResultPath>) {
    match value {
        Some(ResultPath::Path(p)) => m.insert(key.to_owned(), Expr::string(p)),
        Some(ResultPath::Discard) => m.insert(key.to_owned(), Expr::Null),
        None => None,
    };
}

fn put_list(m: &mut IndexMap<String, Expr>, key: &str, items: Vec<Expr>) {
    if !items.is_empty() {
        m.insert(key.to_owned(), Expr::List(items));
    }
}

fn error_equals(names: &[String]) -> Expr {
    Expr::list(names.iter().map(Expr::string))
}

fn retrier(r: &Retry) -> Expr {
    let mut m = IndexMap::new();
    m.insert("ErrorEquals".to_owned(), error_equals(&r.error_equals));
    put_u32(&mut m, "IntervalSeconds", r.interval_seconds);
    put_u32(&mut m, "MaxAttempts", r.max_attempts);
    if let Some(rate) = r.backoff_rate {
        m.insert("BackoffRate".to_owned(), number(rate));
    }
    put_u32(&mut m, "MaxDelaySeconds", r.max_delay_seconds);
    Expr::Map(m)
}

fn catcher(c: &Catch) -> Expr {
    let mut m = IndexMap::new();
    m.insert("ErrorEquals".to_owned(), error_equals(&c.error_equals));
    put_result_path(&mut m, "ResultPath", c.result_path.as_ref());
    m.insert("Next".to_owned(), Expr::string(&c.next));
    Expr::Map(m)
}

fn condition(c: &Condition) -> IndexMap<String, Expr> {
    let mut m = IndexMap::new();
    match &c.0 {
        Cond::Compare { variable, operator, value } => {
            m.insert("Variable".to_owned(), Expr::string(variable));
            m.insert((*operator).to_owned(), value.clone());
        }
        Cond::And(all) => {
            m.insert("And".to_owned(), Expr::list(all.iter().map(|c| Expr::Map(condition(c)))));
        }
        Cond::Or(all) => {
            m.insert("Or".to_owned(), Expr::list(all.iter().map(|c| Expr::Map(condition(c)))));
        }
        Cond::Not(inner) => {
            m.insert("Not".to_owned(), Expr::Map(condition(inner)));
        }
    }
    m
}

/// A placeholder name part: words of letters and digits, each capitalized.
fn pascal(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().expect("words are not empty").to_ascii_uppercase();
            std::iter::once(first).chain(chars).collect::<String>()
        })
        .collect()
}

struct Renderer {
    substitutions: IndexMap<String, Expr>,
}

impl Renderer {
    /// A value with every non-literal part replaced by a placeholder.
    fn value(&mut self, state: &str, field: &str, value: &Expr) -> Expr {
        match value {
            Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::String(_) => value.clone(),
            Expr::List(items) => Expr::List(items.iter().map(|v| self.value(state, field, v)).collect()),
            Expr::Map(entries) => {
                Expr::Map(entries.iter().map(|(k, v)| (k.clone(), self.value(state, k, v))).collect())
            }
            _ => Expr::String(format!("${{{}}}", self.placeholder(state, field, value))),
        }
    }

    fn placeholder(&mut self, state: &str, field: &str, value: &Expr) -> String {
        if let Some((name, _)) = self.substitutions.iter().find(|(_, v)| *v == value) {
            return name.clone();
        }
        let mut base = pascal(state);
        if !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
            base.insert_str(0, "State");
        }
        base.push_str(&pascal(field.trim_end_matches(".$")));
        let mut name = base.clone();
        let mut n = 2;
        while self.substitutions.contains_key(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.substitutions.insert(name.clone(), value.clone());
        name
    }

    fn states(&mut self, graph: &Branch) -> Expr {
        Expr::Map(graph.states.iter().map(|(name, s)| (name.clone(), self.state(name, s))).collect())
    }

    fn branch(&mut self, graph: &Branch, processor: bool) -> Expr {
        let mut m = IndexMap::new();
        put_str(&mut m, "Comment", graph.comment.as_deref());
        if processor {
            m.insert("ProcessorConfig".to_owned(), Expr::map([("Mode", "INLINE")]));
        }
        m.insert("StartAt".to_owned(), Expr::string(&graph.start_at));
        m.insert("States".to_owned(), self.states(graph));
        Expr::Map(m)
    }

    fn put_value(&mut self, m: &mut IndexMap<String, Expr>, state: &str, key: &str, value: Option<&Expr>) {
        if let Some(v) = value {
            let rendered = self.value(state, key, v);
            m.insert(key.to_owned(), rendered);
        }
    }

    fn state(&mut self, name: &str, state: &State) -> Expr {
        let mut m = IndexMap::new();
        m.insert("Type".to_owned(), Expr::string(state.type_name()));
        let (transition, retry, catch): (Option<&Transition>, &[Retry], &[Catch]) = match state {
            State::Task(t) => {
                put_str(&mut m, "Comment", t.comment.as_deref());
                self.put_value(&mut m, name, "Resource", Some(&t.resource));
                put_str(&mut m, "InputPath", t.input_path.as_deref());
                self.put_value(&mut m, name, "Parameters", t.parameters.as_ref());
                self.put_value(&mut m, name, "ResultSelector", t.result_selector.as_ref());
                put_result_path(&mut m, "ResultPath", t.result_path.as_ref());
                put_str(&mut m, "OutputPath", t.output_path.as_deref());
                put_u32(&mut m, "TimeoutSeconds", t.timeout_seconds);
                put_u32(&mut m, "HeartbeatSeconds", t.heartbeat_seconds);
                (t.transition.as_ref(), &t.retry, &t.catch)
            }
            State::Pass(p) => {
                put_str(&mut m, "Comment", p.comment.as_deref());
                put_str(&mut m, "InputPath", p.input_path.as_deref());
                self.put_value(&mut m, name, "Parameters", p.parameters.as_ref());
                self.put_value(&mut m, name, "Result", p.result.as_ref());
                put_result_path(&mut m, "ResultPath", p.result_path.as_ref());
                put_str(&mut m, "OutputPath", p.output_path.as_deref());
                (p.transition.as_ref(), &[], &[])
            }
            State::Choice(c) => {
                put_str(&mut m, "Comment", c.comment.as_deref());
                put_str(&mut m, "InputPath", c.input_path.as_deref());
                let rules = c.choices.iter().map(|(cond, next)| {
                    let mut rule = condition(cond);
                    rule.insert("Next".to_owned(), Expr::string(next));
                    Expr::Map(rule)
                });
                m.insert("Choices".to_owned(), Expr::list(rules));
                put_str(&mut m, "Default", c.default.as_deref());
                put_str(&mut m, "OutputPath", c.output_path.as_deref());
                (None, &[], &[])
            }
            State::Wait(w) => {
                put_str(&mut m, "Comment", w.comment.as_deref());
                put_str(&mut m, "InputPath", w.input_path.as_deref());
                let (key, value) = match &w.wait_for {
                    WaitFor::Seconds(s) => ("Seconds", Expr::from(*s)),
                    WaitFor::SecondsPath(p) => ("SecondsPath", Expr::string(p)),
                    WaitFor::Timestamp(t) => ("Timestamp", Expr::string(t)),
                    WaitFor::TimestampPath(p) => ("TimestampPath", Expr::string(p)),
                };
                m.insert(key.to_owned(), value);
                put_str(&mut m, "OutputPath", w.output_path.as_deref());
                (w.transition.as_ref(), &[], &[])
            }
            State::Parallel(p) => {
                put_str(&mut m, "Comment", p.comment.as_deref());
                put_str(&mut m, "InputPath", p.input_path.as_deref());
                self.put_value(&mut m, name, "Parameters", p.parameters.as_ref());
                let branches = p.branches.iter().map(|b| self.branch(b, false)).collect();
                m.insert("Branches".to_owned(), Expr::List(branches));
                self.put_value(&mut m, name, "ResultSelector", p.result_selector.as_ref());
                put_result_path(&mut m, "ResultPath", p.result_path.as_ref());
                put_str(&mut m, "OutputPath", p.output_path.as_deref());
                (p.transition.as_ref(), &p.retry, &p.catch)
            }
            State::Map(mp) => {
                put_str(&mut m, "Comment", mp.comment.as_deref());
                put_str(&mut m, "InputPath", mp.input_path.as_deref());
                put_str(&mut m, "ItemsPath", mp.items_path.as_deref());
                self.put_value(&mut m, name, "ItemSelector", mp.item_selector.as_ref());
                let processor = self.branch(&mp.item_processor, true);
                m.insert("ItemProcessor".to_owned(), processor);
                put_u32(&mut m, "MaxConcurrency", mp.max_concurrency);
                self.put_value(&mut m, name, "ResultSelector", mp.result_selector.as_ref());
                put_result_path(&mut m, "ResultPath", mp.result_path.as_ref());
                put_str(&mut m, "OutputPath", mp.output_path.as_deref());
                (mp.transition.as_ref(), &mp.retry, &mp.catch)
            }
            State::Succeed(s) => {
                put_str(&mut m, "Comment", s.comment.as_deref());
                put_str(&mut m, "InputPath", s.input_path.as_deref());
                put_str(&mut m, "OutputPath", s.output_path.as_deref());
                (None, &[], &[])
            }
            State::Fail(f) => {
                put_str(&mut m, "Comment", f.comment.as_deref());
                (None, &[], &[])
            }
        };
        put_list(&mut m, "Retry", retry.iter().map(retrier).collect());
        put_list(&mut m, "Catch", catch.iter().map(catcher).collect());
        if let State::Fail(f) = state {
            put_str(&mut m, "Error", f.error.as_deref());
            put_str(&mut m, "Cause", f.cause.as_deref());
        }
        match transition {
            Some(Transition::Next(next)) => m.insert("Next".to_owned(), Expr::string(next)),
            Some(Transition::End) => m.insert("End".to_owned(), Expr::Bool(true)),
            None => None,
        };
        Expr::Map(m)
    }
}

#[cfg(test)]
mod tests {
    use super::pascal;

    #[test]
    fn placeholder_parts_are_pascal_case_letters_and_digits() {
        assert_eq!(pascal("Pre-update Catalog"), "PreUpdateCatalog");
        assert_eq!(pascal("Crawler Complete?"), "CrawlerComplete");
        assert_eq!(pascal("--SOURCE_LOCATION"), "SOURCELOCATION");
        assert_eq!(pascal("run_output"), "RunOutput");
        assert_eq!(pascal("Étape 2"), "Tape2");
    }
}
