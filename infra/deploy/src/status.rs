//! What a stack's CloudFormation status means for the next deploy or destroy, and what to
//! tell the user. Every status CloudFormation documents has an answer; an unknown one is an
//! error rather than a guess.

use std::fmt;

/// The state of a stack as far as deploying it is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// No stack (or only a deleted one): create it.
    Absent,
    /// Deployed and stable: update it.
    Ready,
    /// An operation is running (someone else's deploy, a rollback): wait for it, or stop
    /// with `--no-wait`.
    Busy,
    /// The first create failed and rolled back (`ROLLBACK_COMPLETE`, `ROLLBACK_FAILED`): such a
    /// stack can only be deleted. The deploy deletes it (after confirmation) and creates it anew.
    FailedCreate,
    /// Created by a change set that was never executed (`REVIEW_IN_PROGRESS`), typically an
    /// earlier deploy that failed before executing: it holds no resources and is deleted.
    Unexecuted,
    /// An update's rollback failed: resources are in states CloudFormation could not restore.
    /// Only `continue-update-rollback` (possibly skipping resources) gets out of it.
    UpdateRollbackFailed,
    /// An update failed with rollback disabled (not something sdlf does, but someone may
    /// have): roll it back, or deploy again.
    UpdateFailed,
    /// A delete failed: some resources could not be deleted.
    DeleteFailed,
}

impl Readiness {
    /// Classifies a `StackStatus` string; `None` for a stack that does not exist.
    pub fn of(status: Option<&str>) -> Result<Readiness, UnknownStatus> {
        let Some(status) = status else { return Ok(Readiness::Absent) };
        Ok(match status {
            "DELETE_COMPLETE" => Readiness::Absent,
            "CREATE_COMPLETE"
            | "UPDATE_COMPLETE"
            | "UPDATE_ROLLBACK_COMPLETE"
            | "IMPORT_COMPLETE"
            | "IMPORT_ROLLBACK_COMPLETE" => Readiness::Ready,
            "CREATE_IN_PROGRESS"
            | "ROLLBACK_IN_PROGRESS"
            | "DELETE_IN_PROGRESS"
            | "UPDATE_IN_PROGRESS"
            | "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
            | "UPDATE_ROLLBACK_IN_PROGRESS"
            | "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
            | "IMPORT_IN_PROGRESS"
            | "IMPORT_ROLLBACK_IN_PROGRESS" => Readiness::Busy,
            "CREATE_FAILED" | "ROLLBACK_COMPLETE" | "ROLLBACK_FAILED" => Readiness::FailedCreate,
            "REVIEW_IN_PROGRESS" => Readiness::Unexecuted,
            "UPDATE_ROLLBACK_FAILED" | "IMPORT_ROLLBACK_FAILED" => Readiness::UpdateRollbackFailed,
            "UPDATE_FAILED" => Readiness::UpdateFailed,
            "DELETE_FAILED" => Readiness::DeleteFailed,
            other => return Err(UnknownStatus(other.to_owned())),
        })
    }

    /// Whether CloudFormation is done with the stack (no operation running).
    pub fn is_settled(self) -> bool {
        self != Readiness::Busy
    }

    /// What the user can do when the tool cannot proceed on its own; `None` when it can.
    pub fn advice(self, stack: &str, region: &str) -> Option<String> {
        match self {
            Readiness::Absent | Readiness::Ready | Readiness::Busy | Readiness::Unexecuted => None,
            Readiness::FailedCreate => Some(format!(
                "stack `{stack}` failed to create and rolled back; it can only be deleted. Run the deploy again \
                 and confirm (or pass --yes) to delete and recreate it"
            )),
            Readiness::UpdateRollbackFailed => Some(format!(
                "stack `{stack}` is in UPDATE_ROLLBACK_FAILED: a resource could not be restored. Fix the cause \
                 shown above, then run `aws cloudformation continue-update-rollback --stack-name {stack} --region \
                 {region}` (add `--resources-to-skip <LogicalId>` for a resource that cannot be restored), and \
                 deploy again"
            )),
            Readiness::UpdateFailed => Some(format!(
                "stack `{stack}` is in UPDATE_FAILED (its update ran with rollback disabled). Run `aws \
                 cloudformation rollback-stack --stack-name {stack} --region {region}` to return to the last \
                 working state, then deploy again"
            )),
            Readiness::DeleteFailed => Some(format!(
                "stack `{stack}` is in DELETE_FAILED: some resources could not be deleted (see the reasons above). \
                 Remove what blocks them (for example empty a bucket), then run `sdlf destroy` again"
            )),
        }
    }
}

/// A status this tool does not know; CloudFormation added one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stack status `{0}` is unknown to this version of sdlf; check the stack in the console")]
pub struct UnknownStatus(pub String);

/// A terminal status of an operation this tool started, for the closing line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    /// Failed, and CloudFormation put everything back.
    RolledBack,
    /// Failed, and the stack needs attention (see [`Readiness::advice`]).
    Failed,
}

impl Outcome {
    /// The outcome of a finished operation, from the stack's status; `None` while it runs.
    pub fn of(status: &str) -> Option<Outcome> {
        Some(match status {
            "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "DELETE_COMPLETE" | "IMPORT_COMPLETE" => Outcome::Succeeded,
            "UPDATE_ROLLBACK_COMPLETE" | "ROLLBACK_COMPLETE" | "IMPORT_ROLLBACK_COMPLETE" => Outcome::RolledBack,
            "CREATE_FAILED"
            | "ROLLBACK_FAILED"
            | "DELETE_FAILED"
            | "UPDATE_FAILED"
            | "UPDATE_ROLLBACK_FAILED"
            | "IMPORT_ROLLBACK_FAILED" => Outcome::Failed,
            _ => return None,
        })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Succeeded => "succeeded",
            Outcome::RolledBack => "failed and rolled back",
            Outcome::Failed => "failed",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every status in the CloudFormation API reference (`StackStatus`).
    const ALL: [&str; 23] = [
        "CREATE_IN_PROGRESS",
        "CREATE_FAILED",
        "CREATE_COMPLETE",
        "ROLLBACK_IN_PROGRESS",
        "ROLLBACK_FAILED",
        "ROLLBACK_COMPLETE",
        "DELETE_IN_PROGRESS",
        "DELETE_FAILED",
        "DELETE_COMPLETE",
        "UPDATE_IN_PROGRESS",
        "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_COMPLETE",
        "UPDATE_FAILED",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_FAILED",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE",
        "REVIEW_IN_PROGRESS",
        "IMPORT_IN_PROGRESS",
        "IMPORT_COMPLETE",
        "IMPORT_ROLLBACK_IN_PROGRESS",
        "IMPORT_ROLLBACK_FAILED",
        "IMPORT_ROLLBACK_COMPLETE",
    ];

    #[test]
    fn every_documented_status_has_an_answer_and_settled_ones_an_outcome() {
        for s in ALL {
            let r = Readiness::of(Some(s)).unwrap_or_else(|e| panic!("{e}"));
            // A settled status other than "never executed" is the end of some operation.
            if r.is_settled() && r != Readiness::Unexecuted {
                assert!(Outcome::of(s).is_some(), "{s} is settled but has no outcome");
            } else {
                assert_eq!(Outcome::of(s), None, "{s}");
            }
        }
        assert_eq!(Readiness::of(None), Ok(Readiness::Absent));
        assert_eq!(Readiness::of(Some("SOMETHING_NEW")), Err(UnknownStatus("SOMETHING_NEW".into())));
    }

    #[test]
    fn states_the_tool_cannot_leave_alone_say_what_to_do() {
        assert_eq!(Readiness::of(Some("ROLLBACK_COMPLETE")), Ok(Readiness::FailedCreate));
        assert_eq!(Readiness::of(Some("REVIEW_IN_PROGRESS")), Ok(Readiness::Unexecuted));
        let advice = Readiness::UpdateRollbackFailed.advice("lake-foundations", "eu-west-1").unwrap();
        assert!(
            advice.contains(
                "aws cloudformation continue-update-rollback --stack-name lake-foundations --region eu-west-1"
            )
        );
        assert!(Readiness::Ready.advice("s", "r").is_none());
        assert!(Readiness::FailedCreate.advice("s", "r").unwrap().contains("--yes"));
    }
}
