//! The review build's check: what its steps left in [`DIR`] (the tests' log and exit status,
//! the plan or why there is none) and the comment a reviewer reads, headed by the verdict.
//!
//! The buildspec ([`crate::buildspecs`]) writes the files and `sdlf review --results` reads
//! them, both through the names here.

use std::fmt::Write as _;

/// The directory, relative to the source, the review build writes its results to (also the
/// build's artifact).
pub const DIR: &str = "review";

/// The files in [`DIR`].
pub mod files {
    /// The test command's output (stdout and stderr).
    pub const TESTS_LOG: &str = "tests.log";
    /// The test command's exit status.
    pub const TESTS_EXIT: &str = "tests.exit";
    /// The plan within the provider's comment limit (`sdlf diff --format markdown --out`).
    pub const PLAN: &str = "plan.md";
    /// The whole plan, however long (`--full-out`).
    pub const PLAN_FULL: &str = "plan-full.md";
    /// `sdlf diff`'s exit status.
    pub const PLAN_EXIT: &str = "plan.exit";
    /// `sdlf diff`'s standard error: why there is no plan, when there is none.
    pub const PLAN_ERRORS: &str = "plan.err";
}

/// Bytes the verdict and a failure's log excerpt may take beside the plan.
pub const STATUS_RESERVE: usize = 4096;
/// Bytes of a log or error output quoted in the comment (its end: where the failure is).
const EXCERPT_BYTES: usize = 3000;

/// How the tests went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tests {
    Passed,
    /// With the exit status (none when the status file is missing or unreadable) and the log.
    Failed {
        status: Option<i32>,
        log: String,
    },
}

/// How the plan went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// The plan's Markdown; `refused` when the data-loss guard would refuse a deploy.
    Planned { markdown: String, refused: bool },
    /// No plan: `sdlf diff` failed (an invalid definition, no access), with what it printed.
    Failed { status: Option<i32>, errors: String },
}

/// The review build's results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub tests: Tests,
    pub plan: Plan,
}

impl Check {
    /// Why the check fails, most important first; empty when it passes.
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Tests::Failed { status, .. } = &self.tests {
            out.push(format!("the tests failed{}", exited(*status)));
        }
        match &self.plan {
            Plan::Planned { refused: true, .. } => {
                out.push("the data-loss guard would refuse a deploy (see the highlights)".to_owned())
            }
            Plan::Planned { refused: false, .. } => {}
            Plan::Failed { status, .. } => out.push(format!("the plan could not be computed{}", exited(*status))),
        }
        out
    }

    /// The comment's body (without the marker [`super::post_plan`] adds): the verdict, the
    /// plan, and the end of each failure's output. At most the plan's length plus
    /// [`STATUS_RESERVE`] bytes.
    pub fn comment(&self) -> String {
        let failures = self.failures();
        let mut out = if failures.is_empty() {
            "### sdlf review: ✅ passed\n\nThe tests passed and every environment could be planned.\n\n".to_owned()
        } else {
            format!("### sdlf review: ❌ failed\n\nThis check fails: {}.\n\n", failures.join("; "))
        };
        match &self.plan {
            Plan::Planned { markdown, .. } => out.push_str(markdown),
            Plan::Failed { status, errors } => {
                let _ = write!(out, "**No plan**: `sdlf diff` failed{}.\n\n", exited(*status));
                out.push_str(&excerpt_block("What it printed", errors));
            }
        }
        if let Tests::Failed { status, log } = &self.tests {
            let summary = format!("The tests failed{}: the end of their log", exited(*status));
            out.push_str(&format!("\n<details><summary>{summary}</summary>\n\n{}</details>\n", excerpt_block("", log)));
        }
        out
    }
}

fn exited(status: Option<i32>) -> String {
    status.map(|s| format!(" (exit {s})")).unwrap_or_default()
}

/// The end of `text` in a fenced block no line of it can close; `title` above it, if any.
fn excerpt_block(title: &str, text: &str) -> String {
    let (tail, cut) = tail(text.trim_end(), EXCERPT_BYTES);
    let fence = "`".repeat(longest_backtick_run(tail).max(2) + 1);
    let mut out = String::new();
    if !title.is_empty() {
        let _ = writeln!(out, "{title}{}:\n", if cut { " (its end)" } else { "" });
    } else if cut {
        out.push_str("(its end)\n\n");
    }
    let _ = write!(out, "{fence}text\n{tail}\n{fence}\n\n");
    out
}

/// The last at most `max` bytes of `text`, from a line's start where there is one; and
/// whether anything was left out.
fn tail(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let rest = &text[start..];
    let from_line = rest.find('\n').map_or(rest, |i| &rest[i + 1..]);
    (if from_line.is_empty() { rest } else { from_line }, true)
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(refused: bool) -> Plan {
        Plan::Planned { markdown: "## Plan\n\nno changes\n".into(), refused }
    }

    #[test]
    fn a_passing_check_says_so_above_the_plan() {
        let check = Check { tests: Tests::Passed, plan: planned(false) };
        assert!(check.failures().is_empty());
        let body = check.comment();
        assert!(body.starts_with("### sdlf review: ✅ passed\n"), "{body}");
        assert!(body.ends_with("## Plan\n\nno changes\n"), "{body}");
    }

    #[test]
    fn every_reason_to_fail_is_named_and_the_log_ends_the_comment() {
        let log = format!("{}\nthread 'x' panicked\ntest result: FAILED\n", "compiling\n".repeat(1000));
        let check = Check { tests: Tests::Failed { status: Some(101), log }, plan: planned(true) };
        assert_eq!(
            check.failures(),
            ["the tests failed (exit 101)", "the data-loss guard would refuse a deploy (see the highlights)"]
        );
        let body = check.comment();
        assert!(body.starts_with("### sdlf review: ❌ failed\n\nThis check fails: the tests failed (exit 101); "));
        assert!(body.contains("test result: FAILED\n```\n\n</details>\n"), "{body}");
        assert!(body.len() <= "## Plan\n\nno changes\n".len() + STATUS_RESERVE, "{}", body.len());
        assert!(body.contains("(its end)"));
    }

    #[test]
    fn without_a_plan_the_error_is_quoted_in_a_fence_it_cannot_close() {
        let errors = "error: the definition is invalid\n```\nnot a fence end\n".to_owned();
        let check = Check { tests: Tests::Passed, plan: Plan::Failed { status: Some(3), errors } };
        assert_eq!(check.failures(), ["the plan could not be computed (exit 3)"]);
        let body = check.comment();
        assert!(body.contains("**No plan**: `sdlf diff` failed (exit 3).\n\nWhat it printed:\n\n````text\n"), "{body}");
        assert!(body.ends_with("not a fence end\n````\n\n"), "{body}");
    }

    #[test]
    fn the_tail_starts_at_a_line_and_never_splits_a_character() {
        let text = "ééééé\nline two\nline three";
        assert_eq!(tail(text, 100), (text, false));
        assert_eq!(tail(text, 15), ("line three", true));
        let (cut, _) = tail("éééé", 3);
        assert_eq!(cut, "é");
    }
}
