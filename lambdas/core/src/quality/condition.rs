//! Numeric conditions, compared as DQDL's parser compares them (`NumberBasedCondition` in
//! awslabs/dqdl).

use serde::{Deserialize, Serialize};

/// What a metric (or, in `ColumnValues`, each value) must satisfy.
///
/// Comparisons are exact, as in awslabs/dqdl from 1.0.2 on (earlier releases allowed a
/// difference of 1e-5 for `=`, `!=`, `in`); `between` excludes both bounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "Op", content = "Value")]
pub enum Condition {
    /// `> n`
    GreaterThan(f64),
    /// `>= n`
    AtLeast(f64),
    /// `< n`
    LessThan(f64),
    /// `<= n`
    AtMost(f64),
    /// `= n`
    Equals(f64),
    /// `!= n`
    NotEquals(f64),
    /// `between a and b`: strictly above `a` and strictly below `b`.
    Between(f64, f64),
    /// `not between a and b`: at most `a` or at least `b`.
    NotBetween(f64, f64),
    /// `in [a, b, …]`: equal to one of them.
    In(Vec<f64>),
    /// `not in [a, b, …]`: equal to none of them.
    NotIn(Vec<f64>),
}

impl Condition {
    /// Whether `x` satisfies the condition.
    pub fn holds(&self, x: f64) -> bool {
        match self {
            Condition::GreaterThan(n) => x > *n,
            Condition::AtLeast(n) => x >= *n,
            Condition::LessThan(n) => x < *n,
            Condition::AtMost(n) => x <= *n,
            Condition::Equals(n) => x == *n,
            Condition::NotEquals(n) => x != *n,
            Condition::Between(a, b) => x > *a && x < *b,
            Condition::NotBetween(a, b) => x <= *a || x >= *b,
            Condition::In(values) => values.contains(&x),
            Condition::NotIn(values) => !values.contains(&x),
        }
    }

    /// Every number the condition names.
    pub fn operands(&self) -> Vec<f64> {
        match self {
            Condition::GreaterThan(n)
            | Condition::AtLeast(n)
            | Condition::LessThan(n)
            | Condition::AtMost(n)
            | Condition::Equals(n)
            | Condition::NotEquals(n) => vec![*n],
            Condition::Between(a, b) | Condition::NotBetween(a, b) => vec![*a, *b],
            Condition::In(values) | Condition::NotIn(values) => values.clone(),
        }
    }

    /// Why the condition cannot be written in DQDL or can never hold, if so.
    pub fn problem(&self) -> Option<String> {
        if let Some(n) = self.operands().iter().find(|n| !n.is_finite()) {
            return Some(format!("{n} is not a number DQDL can write"));
        }
        match self {
            Condition::Between(a, b) | Condition::NotBetween(a, b) if a >= b => Some(format!(
                "between {} and {} is empty: its bounds are excluded, so the first must be below the second",
                number(*a),
                number(*b)
            )),
            Condition::In(values) | Condition::NotIn(values) if values.is_empty() => {
                Some("give at least one value in the list".to_owned())
            }
            _ => None,
        }
    }

    /// The condition in DQDL.
    pub fn render(&self) -> String {
        let list = |values: &[f64]| values.iter().map(|v| number(*v)).collect::<Vec<_>>().join(", ");
        match self {
            Condition::GreaterThan(n) => format!("> {}", number(*n)),
            Condition::AtLeast(n) => format!(">= {}", number(*n)),
            Condition::LessThan(n) => format!("< {}", number(*n)),
            Condition::AtMost(n) => format!("<= {}", number(*n)),
            Condition::Equals(n) => format!("= {}", number(*n)),
            Condition::NotEquals(n) => format!("!= {}", number(*n)),
            Condition::Between(a, b) => format!("between {} and {}", number(*a), number(*b)),
            Condition::NotBetween(a, b) => format!("not between {} and {}", number(*a), number(*b)),
            Condition::In(values) => format!("in [{}]", list(values)),
            Condition::NotIn(values) => format!("not in [{}]", list(values)),
        }
    }
}

/// A number as DQDL's grammar reads it (`-?(INT|INT.INT)`, no exponent): Rust's `Display`
/// for `f64` never writes one, and integers lose their `.0`.
pub(crate) fn number(n: f64) -> String {
    if n == 0.0 { "0".to_owned() } else { format!("{n}") }
}

#[cfg(test)]
mod tests {
    use super::Condition::*;

    #[test]
    fn between_excludes_its_bounds_and_not_between_includes_them() {
        let between = Between(0.4, 0.9);
        assert!(!between.holds(0.4) && !between.holds(0.9) && between.holds(0.5));
        let outside = NotBetween(0.4, 0.9);
        assert!(outside.holds(0.4) && outside.holds(0.9) && !outside.holds(0.5));
    }

    #[test]
    fn equality_is_exact() {
        assert!(!Equals(1.0).holds(0.999_999_999_999_999_9_f64.next_down()));
        assert!(Equals(1.0).holds(1.0) && NotEquals(1.0).holds(0.99) && !NotEquals(1.0).holds(1.0));
        assert!(In(vec![1.0, 2.0]).holds(2.0) && !In(vec![1.0, 2.0]).holds(3.0));
        assert!(NotIn(vec![1.0, 2.0]).holds(3.0) && !NotIn(vec![1.0]).holds(1.0));
    }

    #[test]
    fn comparisons() {
        assert!(GreaterThan(0.0).holds(1.0) && !GreaterThan(0.0).holds(0.0));
        assert!(AtLeast(0.0).holds(0.0) && !AtLeast(0.0).holds(-1.0));
        assert!(LessThan(1.0).holds(0.0) && !LessThan(1.0).holds(1.0));
        assert!(AtMost(1.0).holds(1.0) && !AtMost(1.0).holds(1.5));
    }

    #[test]
    fn renders_numbers_without_exponents_or_trailing_zeros() {
        assert_eq!(GreaterThan(0.0).render(), "> 0");
        assert_eq!(Between(-1.5, 1e21).render(), "between -1.5 and 1000000000000000000000");
        assert_eq!(NotIn(vec![1.0, 2.25]).render(), "not in [1, 2.25]");
        assert_eq!(AtLeast(0.95).render(), ">= 0.95");
    }

    #[test]
    fn problems_name_the_fix() {
        assert!(Between(2.0, 1.0).problem().unwrap().contains("first must be below the second"));
        assert!(Between(1.0, 1.0).problem().is_some());
        assert!(In(vec![]).problem().is_some());
        assert!(Equals(f64::NAN).problem().is_some());
        assert_eq!(Between(0.0, 1.0).problem(), None);
    }
}
