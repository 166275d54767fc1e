//! Selecting stacks and ordering them into waves.
//!
//! A user names stacks (or none: all of them). Deploying a stack needs the stacks it imports
//! from, so they are included unless the user says `--exclusively`; destroying goes the other
//! way round. Waves: every stack of a wave depends only on stacks of earlier waves, so the
//! stacks of one wave may deploy concurrently.

use std::collections::{BTreeMap, BTreeSet};

/// A stack and the stacks it depends on, in deploy order (as synthesized).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub depends_on: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error("no stack named `{name}` in environment `{env}`; its stacks are: {}", known.join(", "))]
    Unknown { name: String, env: String, known: Vec<String> },
    #[error("no stack of environment `{env}` matches `{pattern}`; its stacks are: {}", known.join(", "))]
    NoMatch { pattern: String, env: String, known: Vec<String> },
    #[error("`{pattern}` is not a valid stack pattern: {problem} (patterns take `*`, `?` and `[...]`)")]
    BadPattern { pattern: String, problem: String },
}

/// The graph of a synthesized environment's stacks.
pub fn nodes(output: &sdlf_lake::output::EnvironmentOutput) -> Vec<Node> {
    output.stacks.iter().map(|s| Node { name: s.name.clone(), depends_on: s.depends_on.clone() }).collect()
}

/// Which way dependencies pull in more stacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Deploy: a stack brings the stacks it depends on.
    Dependencies,
    /// Destroy: a stack brings the stacks that depend on it (they would break).
    Dependents,
    /// Only the named stacks.
    Exclusively,
}

/// Whether a stack argument is a glob pattern (`'*-team-*'`, as `cdk deploy` takes) rather
/// than a stack name.
fn is_pattern(name: &str) -> bool {
    name.contains(['*', '?', '['])
}

/// The stacks `names` stand for: full stack names, matched exactly (a guess could pick the
/// wrong stack), or glob patterns, each of which must match at least one stack.
fn named<'n>(nodes: &'n [Node], env: &str, names: &[String]) -> Result<BTreeSet<&'n str>, SelectError> {
    let known = || nodes.iter().map(|n| n.name.clone()).collect();
    let mut chosen = BTreeSet::new();
    for name in names {
        if is_pattern(name) {
            // `glob`'s matcher: the shell's syntax users already quote (`*`, `?`, `[...]`).
            let pattern = glob::Pattern::new(name)
                .map_err(|e| SelectError::BadPattern { pattern: name.clone(), problem: e.msg.to_owned() })?;
            let matched: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).filter(|n| pattern.matches(n)).collect();
            if matched.is_empty() {
                return Err(SelectError::NoMatch { pattern: name.clone(), env: env.to_owned(), known: known() });
            }
            chosen.extend(matched);
        } else {
            let Some(node) = nodes.iter().find(|n| &n.name == name) else {
                return Err(SelectError::Unknown { name: name.clone(), env: env.to_owned(), known: known() });
            };
            chosen.insert(node.name.as_str());
        }
    }
    Ok(chosen)
}

/// The selected stacks, in the given (deploy) order: those `names` stand for (see [`named`]),
/// with the stacks `direction` brings.
pub fn select(nodes: &[Node], env: &str, names: &[String], direction: Direction) -> Result<Vec<String>, SelectError> {
    if names.is_empty() {
        return Ok(nodes.iter().map(|n| n.name.clone()).collect());
    }
    let mut chosen = named(nodes, env, names)?;
    let edges: Vec<(&str, &str)> =
        nodes.iter().flat_map(|n| n.depends_on.iter().map(move |d| (n.name.as_str(), d.as_str()))).collect();
    loop {
        let before = chosen.len();
        for (stack, dependency) in &edges {
            match direction {
                Direction::Dependencies if chosen.contains(stack) => {
                    chosen.insert(dependency);
                }
                Direction::Dependents if chosen.contains(dependency) => {
                    chosen.insert(stack);
                }
                _ => {}
            }
        }
        if chosen.len() == before {
            break;
        }
    }
    Ok(nodes.iter().filter(|n| chosen.contains(n.name.as_str())).map(|n| n.name.clone()).collect())
}

/// Splits `selected` (in deploy order) into waves: a stack goes into the wave after the last
/// wave holding one of its (selected) dependencies.
pub fn waves(nodes: &[Node], selected: &[String]) -> Vec<Vec<String>> {
    let deps: BTreeMap<&str, &[String]> = nodes.iter().map(|n| (n.name.as_str(), n.depends_on.as_slice())).collect();
    let mut wave_of: BTreeMap<&str, usize> = BTreeMap::new();
    let mut waves: Vec<Vec<String>> = Vec::new();
    for name in selected {
        let wave = deps
            .get(name.as_str())
            .into_iter()
            .flat_map(|d| d.iter())
            .filter_map(|d| wave_of.get(d.as_str()).map(|w| w + 1))
            .max()
            .unwrap_or(0);
        wave_of.insert(name, wave);
        if waves.len() <= wave {
            waves.resize(wave + 1, Vec::new());
        }
        waves[wave].push(name.clone());
    }
    waves
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lake() -> Vec<Node> {
        let n = |name: &str, deps: &[&str]| Node {
            name: name.into(),
            depends_on: deps.iter().map(|d| (*d).to_owned()).collect(),
        };
        vec![
            n("foundations", &[]),
            n("team-a", &["foundations"]),
            n("team-b", &["foundations"]),
            n("pipeline-a", &["foundations", "team-a"]),
            n("dataset-a", &["foundations", "team-a", "pipeline-a"]),
            n("dataset-b", &["foundations", "team-b"]),
        ]
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn no_names_means_every_stack_in_deploy_order() {
        let all = select(&lake(), "dev", &[], Direction::Dependencies).unwrap();
        assert_eq!(all, names(&["foundations", "team-a", "team-b", "pipeline-a", "dataset-a", "dataset-b"]));
    }

    #[test]
    fn deploying_a_stack_brings_what_it_depends_on() {
        let s = select(&lake(), "dev", &names(&["dataset-a"]), Direction::Dependencies).unwrap();
        assert_eq!(s, names(&["foundations", "team-a", "pipeline-a", "dataset-a"]));
        let only = select(&lake(), "dev", &names(&["dataset-a"]), Direction::Exclusively).unwrap();
        assert_eq!(only, names(&["dataset-a"]));
    }

    #[test]
    fn destroying_a_stack_brings_what_depends_on_it() {
        let s = select(&lake(), "dev", &names(&["team-a"]), Direction::Dependents).unwrap();
        assert_eq!(s, names(&["team-a", "pipeline-a", "dataset-a"]));
    }

    #[test]
    fn an_unknown_name_lists_the_stacks() {
        let e = select(&lake(), "dev", &names(&["team-c"]), Direction::Dependencies).unwrap_err();
        assert_eq!(
            e.to_string(),
            "no stack named `team-c` in environment `dev`; its stacks are: foundations, team-a, team-b, pipeline-a, \
             dataset-a, dataset-b"
        );
    }

    #[test]
    fn a_glob_selects_every_stack_it_matches_with_what_they_depend_on() {
        let teams = select(&lake(), "dev", &names(&["team-*"]), Direction::Exclusively).unwrap();
        assert_eq!(teams, names(&["team-a", "team-b"]));
        let a = select(&lake(), "dev", &names(&["*-a"]), Direction::Dependencies).unwrap();
        assert_eq!(a, names(&["foundations", "team-a", "pipeline-a", "dataset-a"]));
        let mixed = select(&lake(), "dev", &names(&["dataset-?", "team-a"]), Direction::Exclusively).unwrap();
        assert_eq!(mixed, names(&["team-a", "dataset-a", "dataset-b"]));
    }

    #[test]
    fn a_glob_that_matches_nothing_or_does_not_parse_is_refused() {
        let none = select(&lake(), "dev", &names(&["*-c"]), Direction::Dependencies).unwrap_err();
        assert!(matches!(&none, SelectError::NoMatch { pattern, .. } if pattern == "*-c"), "{none}");
        assert!(none.to_string().starts_with("no stack of environment `dev` matches `*-c`; its stacks are: "));
        let bad = select(&lake(), "dev", &names(&["team-[a"]), Direction::Dependencies).unwrap_err();
        assert!(matches!(bad, SelectError::BadPattern { .. }), "{bad}");
    }

    #[test]
    fn waves_put_independent_stacks_together() {
        let all = select(&lake(), "dev", &[], Direction::Dependencies).unwrap();
        assert_eq!(
            waves(&lake(), &all),
            vec![
                names(&["foundations"]),
                names(&["team-a", "team-b"]),
                names(&["pipeline-a", "dataset-b"]),
                names(&["dataset-a"])
            ]
        );
        // Dependencies outside the selection (already deployed) do not delay a stack.
        assert_eq!(waves(&lake(), &names(&["pipeline-a", "dataset-b"])), vec![names(&["pipeline-a", "dataset-b"])]);
    }
}
