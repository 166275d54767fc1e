//! Another deploy at work on the same stack, told from the stack's change sets: one that is
//! not this run's and is still being computed, waiting to be executed or executing.
//! CloudFormation offers no lock; a change set in play is the trace a concurrent run leaves.
//! One left by a run that died (killed, or its machine gone) would hold every later deploy,
//! so a change set older than [`STALE_AFTER`] no longer counts (it is left alone, never
//! deleted: it is not this run's).
//!
//! Two runs that look at the same moment both find none and both make a change set; then
//! each looks again, and the later change set's run yields ([`goes_first`]), so exactly one
//! goes on.

use std::time::{Duration, SystemTime};

use crate::api::ChangeSetSummary;
use crate::naming::is_own;

/// Long enough for a person to read a plan and answer; a change set still unexecuted after
/// that was left behind.
pub const STALE_AFTER: Duration = Duration::from_secs(30 * 60);

/// The change sets of other runs still in play on the stack.
pub fn live<'a>(change_sets: &'a [ChangeSetSummary], run: &str) -> Vec<&'a ChangeSetSummary> {
    change_sets
        .iter()
        .filter(|c| !is_own(&c.name, run))
        .filter(|c| matches!(c.execution_status.as_str(), "UNAVAILABLE" | "AVAILABLE" | "EXECUTE_IN_PROGRESS"))
        .filter(|c| c.status.starts_with("CREATE_"))
        .filter(|c| age(c).is_none_or(|age| age < STALE_AFTER))
        .collect()
}

/// How long ago `c` was made, when CloudFormation says.
fn age(c: &ChangeSetSummary) -> Option<Duration> {
    c.created.map(|t| t.elapsed().unwrap_or(Duration::ZERO))
}

/// Whether `rival` goes before `own`: made earlier, or at the same time with the smaller
/// name. Both runs decide the same from the same listing, so exactly one yields.
pub fn goes_first(rival: &ChangeSetSummary, own: &ChangeSetSummary) -> bool {
    let at = |c: &ChangeSetSummary| c.created.unwrap_or(SystemTime::UNIX_EPOCH);
    (at(rival), &rival.name) < (at(own), &own.name)
}

/// "change set X (created 12 s ago)", for each, joined.
pub fn describe(rivals: &[&ChangeSetSummary]) -> String {
    let one = |c: &&ChangeSetSummary| match age(c) {
        Some(age) => format!("change set {} (created {} s ago)", c.name, age.as_secs()),
        None => format!("change set {}", c.name),
    };
    rivals.iter().map(one).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(name: &str, status: &str, execution: &str, age_secs: Option<u64>) -> ChangeSetSummary {
        ChangeSetSummary {
            name: name.into(),
            status: status.into(),
            execution_status: execution.into(),
            // Half a second more, so whole seconds print as given however long the test takes.
            created: age_secs.map(|s| SystemTime::now() - Duration::from_secs(s) - Duration::from_millis(500)),
        }
    }

    #[test]
    fn a_rival_is_another_runs_change_set_in_play_and_not_stale() {
        let sets = [
            set("sdlf-aaaaaaaaaaaa-mine", "CREATE_COMPLETE", "AVAILABLE", Some(1)),
            set("sdlf-aaaaaaaaaaaa-other", "CREATE_COMPLETE", "AVAILABLE", Some(5)),
            set("sdlf-aaaaaaaaaaaa-computing", "CREATE_IN_PROGRESS", "UNAVAILABLE", None),
            set("sdlf-aaaaaaaaaaaa-executing", "CREATE_COMPLETE", "EXECUTE_IN_PROGRESS", Some(9)),
            set("console-edit", "CREATE_COMPLETE", "AVAILABLE", Some(60)),
            set("sdlf-aaaaaaaaaaaa-failed", "FAILED", "UNAVAILABLE", Some(1)),
            set("sdlf-aaaaaaaaaaaa-done", "CREATE_COMPLETE", "EXECUTE_COMPLETE", Some(1)),
            set("sdlf-aaaaaaaaaaaa-obsolete", "CREATE_COMPLETE", "OBSOLETE", Some(1)),
            set("sdlf-aaaaaaaaaaaa-stale", "CREATE_COMPLETE", "AVAILABLE", Some(STALE_AFTER.as_secs())),
        ];
        let names: Vec<&str> = live(&sets, "mine").iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["sdlf-aaaaaaaaaaaa-other", "sdlf-aaaaaaaaaaaa-computing", "sdlf-aaaaaaaaaaaa-executing", "console-edit"]
        );
        let rivals = live(&sets[1..3], "mine");
        assert_eq!(
            describe(&rivals),
            "change set sdlf-aaaaaaaaaaaa-other (created 5 s ago), change set sdlf-aaaaaaaaaaaa-computing"
        );
    }

    #[test]
    fn of_two_change_sets_the_earlier_goes_first_and_a_tie_goes_to_the_smaller_name() {
        let t = SystemTime::now();
        let at = |name: &str, secs: u64| ChangeSetSummary {
            name: name.into(),
            status: "CREATE_PENDING".into(),
            execution_status: "UNAVAILABLE".into(),
            created: Some(t - Duration::from_secs(secs)),
        };
        let (older, newer) = (at("sdlf-x-b", 3), at("sdlf-x-a", 1));
        assert!(goes_first(&older, &newer) && !goes_first(&newer, &older));
        let (a, b) = (at("sdlf-x-a", 2), at("sdlf-x-b", 2));
        assert!(goes_first(&a, &b) && !goes_first(&b, &a), "a tie: exactly one goes first");
    }
}
