//! `count(DISTINCT x)` beside other aggregates planned as two aggregations, as Spark plans it:
//! first grouped by the query's groups and `x` (the other aggregates computed in part), then
//! by the query's groups alone. When `x` is a string or binary, a hash of it is the first
//! key of the first step (see `rewrite`).
//!
//! Why: for a DISTINCT aggregate DataFusion keeps a set of the distinct values per group,
//! which its memory pool accounts but cannot spill, so a batch with many distinct values
//! fails with `ResourcesExhausted` however the pool is sized (measured: 28 million distinct
//! notes over 2,700 groups, a 768 MB pool), while a grouped aggregation spills. DataFusion's
//! own rule (`single_distinct_aggregation_to_group_by`) does this only when every other
//! aggregate is `sum`, `min` or `max`; this one also takes `count` and `avg` (of numbers,
//! whose average is a double) and leaves every other plan as it is.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::tree_node::Transformed;
use datafusion::error::Result;
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::functions_aggregate::count::count_udaf;
use datafusion::functions_aggregate::sum::sum_udaf;
use datafusion::logical_expr::builder::project;
use datafusion::logical_expr::expr::AggregateFunction;
use datafusion::logical_expr::logical_plan::{Aggregate, LogicalPlan};
use datafusion::logical_expr::{AggregateUDF, Expr, ExprSchemable, cast, col, lit};
use datafusion::optimizer::{ApplyOrder, OptimizerConfig, OptimizerRule};

const DISTINCT: &str = "__sdlf_distinct";
const SORT_KEY: &str = "__sdlf_sort_key";

/// The optimizer rule; see the module documentation.
#[derive(Debug, Default)]
pub struct DistinctToGroupBy;

/// How an aggregate other than the DISTINCT one is computed in two steps.
enum Split {
    /// The same function over its partial results (`sum`, `min`, `max`).
    Same,
    /// `count`: summed, 0 when there was nothing to count.
    Count,
    /// `avg`: sum and count, divided at the end.
    Average,
}

/// One aggregate of the query, as found.
struct Found<'a> {
    aggregate: &'a AggregateFunction,
    /// `None` for the DISTINCT aggregate.
    split: Option<Split>,
}

/// The query's aggregates when the rule applies: one DISTINCT argument, no filters or
/// orderings, the others of a kind [`Split`] handles.
fn applies(plan: &Aggregate) -> Option<Vec<Found<'_>>> {
    if matches!(plan.group_expr.first(), Some(Expr::GroupingSet(_))) {
        return None;
    }
    let mut distinct_arg = None;
    let mut found = Vec::new();
    for (i, expr) in plan.aggr_expr.iter().enumerate() {
        let Expr::AggregateFunction(aggregate) = expr else { return None };
        let params = &aggregate.params;
        if params.filter.is_some() || !params.order_by.is_empty() {
            return None;
        }
        let split = if params.distinct {
            match (&params.args[..], distinct_arg) {
                ([arg], None) => distinct_arg = Some(arg),
                ([arg], Some(seen)) if arg == seen => {}
                _ => return None,
            }
            None
        } else {
            let output = plan.schema.field(plan.group_expr.len() + i).data_type();
            Some(match aggregate.func.name() {
                "sum" | "min" | "max" => Split::Same,
                "count" => Split::Count,
                "avg" if output == &DataType::Float64 => Split::Average,
                _ => return None,
            })
        };
        found.push(Found { aggregate, split });
    }
    distinct_arg.map(|_| found)
}

fn call(func: &Arc<AggregateUDF>, args: Vec<Expr>) -> Expr {
    Expr::AggregateFunction(AggregateFunction::new_udf(Arc::clone(func), args, false, None, vec![], None))
}

/// The inner and outer aggregates of the query's `index`th aggregate, and the expression
/// over the outer ones that gives its value.
fn split_one(index: usize, found: &Found<'_>, inner: &mut Vec<Expr>, outer: &mut Vec<Expr>) -> Expr {
    let (func, args) = (&found.aggregate.func, found.aggregate.params.args.clone());
    let name = |part: &str| format!("__sdlf_{part}_{index}");
    let mut outer_call = |func: &Arc<AggregateUDF>, over: &str| {
        let alias = format!("__sdlf_outer_{}", outer.len());
        outer.push(call(func, vec![col(over)]).alias(&alias));
        col(alias)
    };
    match &found.split {
        None => outer_call(func, DISTINCT),
        Some(Split::Same) => {
            inner.push(call(func, args).alias(name("partial")));
            outer_call(func, &name("partial"))
        }
        Some(Split::Count) => {
            inner.push(call(func, args).alias(name("partial")));
            coalesce(vec![outer_call(&sum_udaf(), &name("partial")), lit(0_i64)])
        }
        Some(Split::Average) => {
            inner.push(call(&sum_udaf(), args.clone()).alias(name("sum")));
            inner.push(call(&count_udaf(), args).alias(name("count")));
            let sum = outer_call(&sum_udaf(), &name("sum"));
            let count = outer_call(&sum_udaf(), &name("count"));
            cast(sum, DataType::Float64) / cast(count, DataType::Float64)
        }
    }
}

fn rewrite(plan: &Aggregate, found: &[Found<'_>]) -> Result<LogicalPlan> {
    let groups = plan.group_expr.len();
    let group_name = |i: usize| format!("__sdlf_group_{i}");
    let mut inner_groups: Vec<Expr> =
        plan.group_expr.iter().enumerate().map(|(i, g)| g.clone().alias(group_name(i))).collect();
    let distinct = found.iter().find(|f| f.split.is_none()).expect("applies() found one");
    let argument = &distinct.aggregate.params.args[0];
    // With many distinct values the first step spills, sorting its groups by their keys in
    // order; long strings that share a prefix (`order note 1f…`) made nearly every comparison
    // a `memcmp` deep into the value (40 % of the benchmark aggregation's CPU). A hash of the
    // value first decides nearly every comparison with one integer compare (CPU 82 s -> 49 s);
    // the value stays a key, so the groups and the count are exact.
    if crate::sort_key::applies_to(&argument.get_type(plan.input.schema())?) {
        inner_groups.insert(0, crate::sort_key::call(argument.clone()).alias(SORT_KEY));
    }
    inner_groups.push(argument.clone().alias(DISTINCT));
    let (mut inner, mut outer, mut values) = (Vec::new(), Vec::new(), Vec::new());
    for (i, f) in found.iter().enumerate() {
        values.push(split_one(i, f, &mut inner, &mut outer));
    }
    let inner = LogicalPlan::Aggregate(Aggregate::try_new(Arc::clone(&plan.input), inner_groups, inner)?);
    let outer_groups: Vec<Expr> = (0..groups).map(|i| col(group_name(i))).collect();
    let outer = LogicalPlan::Aggregate(Aggregate::try_new(Arc::new(inner), outer_groups.clone(), outer)?);
    // The query's columns again: same names, qualifiers and types.
    let columns = outer_groups.into_iter().chain(values).enumerate().map(|(i, expr)| {
        let (qualifier, field) = plan.schema.qualified_field(i);
        let expr = if i < groups { expr } else { cast(expr, field.data_type().clone()) };
        expr.alias_qualified(qualifier.cloned(), field.name())
    });
    project(outer, columns)
}

impl OptimizerRule for DistinctToGroupBy {
    fn name(&self) -> &str {
        "sdlf_distinct_to_group_by"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::TopDown)
    }

    fn supports_rewrite(&self) -> bool {
        true
    }

    fn rewrite(&self, plan: LogicalPlan, _config: &dyn OptimizerConfig) -> Result<Transformed<LogicalPlan>> {
        let LogicalPlan::Aggregate(aggregate) = &plan else { return Ok(Transformed::no(plan)) };
        match applies(aggregate) {
            Some(found) => Ok(Transformed::yes(rewrite(aggregate, &found)?)),
            None => Ok(Transformed::no(plan)),
        }
    }
}
