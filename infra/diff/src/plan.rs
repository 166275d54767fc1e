//! Counting resource changes into the one-line plan summary.

use std::fmt;
use std::ops::AddAssign;

use crate::model::{Impact, ResourceChange};

/// Resource counts of one or more stacks.
///
/// `change` counts every existing resource that changes, replacements included: `replace`
/// (certain) and `may_replace` (depends on values) are subsets of it, kept apart so a
/// possible replacement is neither hidden nor overstated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Plan {
    pub add: usize,
    pub change: usize,
    pub replace: usize,
    pub may_replace: usize,
    pub destroy: usize,
}

impl Plan {
    pub fn of(resources: &[ResourceChange]) -> Plan {
        let mut plan = Plan::default();
        for r in resources {
            match r.impact {
                Impact::Add => plan.add += 1,
                Impact::Update => plan.change += 1,
                Impact::MayReplace => {
                    plan.change += 1;
                    plan.may_replace += 1;
                }
                Impact::Replace => {
                    plan.change += 1;
                    plan.replace += 1;
                }
                Impact::Destroy => plan.destroy += 1,
            }
        }
        plan
    }

    pub fn is_empty(&self) -> bool {
        *self == Plan::default()
    }
}

impl AddAssign for Plan {
    fn add_assign(&mut self, other: Plan) {
        self.add += other.add;
        self.change += other.change;
        self.replace += other.replace;
        self.may_replace += other.may_replace;
        self.destroy += other.destroy;
    }
}

/// `1 to add, 3 to change (1 replace, 1 may replace), 0 to destroy`; the may-replace count is
/// shown only when there is one.
impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to add, {} to change ({} replace", self.add, self.change, self.replace)?;
        if self.may_replace > 0 {
            write!(f, ", {} may replace", self.may_replace)?;
        }
        write!(f, "), {} to destroy", self.destroy)
    }
}
