//! The heavy transform's SQL must mean the same on Spark 3.5 (Glue) and on DataFusion: this
//! refuses, at synthesis, the constructs where the two differ, naming each and the portable
//! way to write it. What is allowed is what the parity test (`lambdas/heavy/tests/parity.rs`)
//! runs on both engines and finds equal row for row; the README's table lists both.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Expr, Function, ObjectName, OrderByExpr, OrderByKind, Query, Statement, Value,
    Visit, Visitor, WindowType,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

/// The table the SQL reads.
pub const BATCH: &str = "batch";

/// Functions the parity test runs on both engines with equal results.
pub const FUNCTIONS: [&str; 17] = [
    "abs",
    "avg",
    "coalesce",
    "concat_ws",
    "count",
    "length",
    "lower",
    "ltrim",
    "max",
    "min",
    "nullif",
    "replace",
    "round",
    "row_number",
    "rtrim",
    "sum",
    "upper",
];

/// Types a `TRY_CAST` may produce on both engines alike.
fn portable_type(t: &DataType) -> bool {
    matches!(
        t,
        DataType::String(_)
            | DataType::Double(_)
            | DataType::BigInt(_)
            | DataType::Int(_)
            | DataType::Integer(_)
            | DataType::Date
            | DataType::Boolean
            | DataType::Decimal(_)
    )
}

/// A construct the engines read differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotPortable {
    /// The SQL text of the construct.
    pub construct: String,
    /// How Spark and DataFusion differ, and the portable way.
    pub fix: String,
}

impl std::fmt::Display for NotPortable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.construct, self.fix)
    }
}

fn not(construct: impl std::fmt::Display, fix: &str) -> NotPortable {
    NotPortable { construct: construct.to_string(), fix: fix.to_owned() }
}

/// The constructs of `sql` that Spark and DataFusion read differently; empty when none.
pub fn check(sql: &str) -> Vec<NotPortable> {
    let mut problems = quoted_identifiers(sql);
    let statements = match Parser::parse_sql(&GenericDialect {}, sql) {
        Ok(statements) => statements,
        Err(e) => return vec![not(sql, &format!("does not parse ({e})"))],
    };
    let query = match statements.as_slice() {
        [Statement::Query(query)] => query,
        _ => return vec![not(sql, "write one SELECT query over `batch`")],
    };
    let mut checker = Checker::default();
    let _ = query.visit(&mut checker);
    problems.extend(checker.problems);
    for table in checker.tables.difference(&checker.ctes) {
        if table != BATCH {
            problems.push(not(table, "the heavy transform reads only `batch` (and its own WITH queries)"));
        }
    }
    problems
}

/// `"x"` and `` `x` ``: a string in Spark (`"`), an error in DataFusion (`` ` ``).
fn quoted_identifiers(sql: &str) -> Vec<NotPortable> {
    let tokens = Tokenizer::new(&GenericDialect {}, sql).tokenize().unwrap_or_default();
    tokens
        .iter()
        .filter_map(|t| match t {
            Token::Word(w) if w.quote_style.is_some() => Some(not(
                t,
                "Spark reads \"x\" as a string and DataFusion as a column; column names are lower case on both \
                 engines, so write them unquoted, and strings in single quotes",
            )),
            _ => None,
        })
        .collect()
}

#[derive(Default)]
struct Checker {
    problems: Vec<NotPortable>,
    tables: BTreeSet<String>,
    ctes: BTreeSet<String>,
}

impl Checker {
    fn order_by(&mut self, items: &[OrderByExpr]) {
        for item in items.iter().filter(|i| i.options.nulls_first.is_none()) {
            self.problems.push(not(
                item,
                "Spark puts NULLs first in ascending order and DataFusion last; say NULLS FIRST or NULLS LAST",
            ));
        }
    }

    fn function(&mut self, f: &Function) {
        let name = f.name.to_string().to_lowercase();
        if !FUNCTIONS.contains(&name.as_str()) {
            self.problems.push(not(
                f,
                &format!(
                    "`{name}` is not among the functions known to mean the same on Spark 3.5 and DataFusion ({})",
                    FUNCTIONS.join(", ")
                ),
            ));
        }
        if let Some(WindowType::WindowSpec(spec)) = &f.over {
            self.order_by(&spec.order_by);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::BinaryOp { left, op: BinaryOperator::Divide, right } if !fractional(left) && !fractional(right) => {
                self.problems.push(not(
                    e,
                    "Spark divides integers to a fraction (1/2 = 0.5), DataFusion to an integer (0); make one side \
                     a double: TRY_CAST(x AS DOUBLE) / y",
                ));
            }
            Expr::Cast { kind: CastKind::Cast | CastKind::DoubleColon, .. } => self.problems.push(not(
                e,
                "a value that does not convert is NULL in Spark (ANSI off, as Glue 5 runs it) and an error in \
                 DataFusion; write TRY_CAST, NULL on both",
            )),
            Expr::Cast { data_type, .. } if !portable_type(data_type) => self.problems.push(not(
                e,
                "use STRING, DOUBLE, BIGINT, INT, DECIMAL, DATE or BOOLEAN: timestamps and the other types convert \
                 differently (time zones, precision)",
            )),
            Expr::Function(f) => self.function(f),
            Expr::Substring { substring_from, .. } if !substring_from.as_deref().is_some_and(positive) => {
                self.problems.push(not(
                    e,
                    "a start below 1 counts from the end in Spark and not in DataFusion; start at a literal 1 or \
                     more",
                ))
            }
            _ => {}
        }
    }
}

/// A double on either engine: a `TRY_CAST` to DOUBLE or DECIMAL, or a literal with a point.
fn fractional(e: &Expr) -> bool {
    match e {
        Expr::Cast { data_type: DataType::Double(_) | DataType::Decimal(_), .. } => true,
        Expr::Value(v) => matches!(&v.value, Value::Number(n, _) if n.contains('.')),
        Expr::Nested(inner) => fractional(inner),
        _ => false,
    }
}

/// A whole-number literal of at least 1.
fn positive(e: &Expr) -> bool {
    matches!(e, Expr::Value(v) if matches!(&v.value, Value::Number(n, _) if n.parse::<i64>().is_ok_and(|n| n >= 1)))
}

impl Visitor for Checker {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            self.ctes.extend(with.cte_tables.iter().map(|c| c.alias.name.value.to_lowercase()));
        }
        if let Some(order) = &query.order_by
            && let OrderByKind::Expressions(items) = &order.kind
        {
            self.order_by(items);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        self.tables.insert(relation.to_string().to_lowercase());
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        self.expr(expr);
        ControlFlow::Continue(())
    }
}
