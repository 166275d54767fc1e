//! SQL text for DataFusion: identifiers, literals, and DQDL conditions as predicates.

use sdlf_lambda_core::quality::Condition;

/// A quoted identifier: DataFusion keeps its case (unquoted ones are folded to lower case).
pub(crate) fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A string literal.
pub(crate) fn string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A floating-point literal: in exponent form, so that no integer literal overflows and every
/// comparison is between doubles, as the DQDL evaluator compares (`Double`).
pub(crate) fn number(n: f64) -> String {
    format!("{n:e}")
}

/// `x` satisfies `condition`, as a predicate (NULL when `x` is NULL).
pub(crate) fn satisfies(x: &str, condition: &Condition) -> String {
    let list = |values: &[f64]| values.iter().map(|v| number(*v)).collect::<Vec<_>>().join(", ");
    match condition {
        Condition::GreaterThan(n) => format!("{x} > {}", number(*n)),
        Condition::AtLeast(n) => format!("{x} >= {}", number(*n)),
        Condition::LessThan(n) => format!("{x} < {}", number(*n)),
        Condition::AtMost(n) => format!("{x} <= {}", number(*n)),
        Condition::Equals(n) => format!("{x} = {}", number(*n)),
        Condition::NotEquals(n) => format!("{x} <> {}", number(*n)),
        Condition::Between(a, b) => format!("({x} > {} AND {x} < {})", number(*a), number(*b)),
        Condition::NotBetween(a, b) => format!("({x} <= {} OR {x} >= {})", number(*a), number(*b)),
        Condition::In(values) => format!("{x} IN ({})", list(values)),
        Condition::NotIn(values) => format!("{x} NOT IN ({})", list(values)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(ident("a\"B"), "\"a\"\"B\"");
        assert_eq!(string("it's"), "'it''s'");
        assert_eq!(number(1e21), "1e21");
        assert_eq!(number(0.95), "9.5e-1");
        assert_eq!(satisfies("x", &Condition::Between(0.0, 1.5)), "(x > 0e0 AND x < 1.5e0)");
    }
}
