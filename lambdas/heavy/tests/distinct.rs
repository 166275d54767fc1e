//! `count(DISTINCT …)` beside other aggregates in stage B's session: planned as two grouped
//! aggregations, which spill, instead of one set of distinct values per group, which cannot —
//! and answering exactly what DataFusion's own plan answers.

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::SessionContext;
use sdlf_heavy::{Limits, context};

const ROWS: &str = "SELECT * FROM (VALUES \
    ('a', 'x', 1, 1.5), ('a', 'x', 2, NULL), ('a', 'y', NULL, 2.5), ('a', NULL, 4, 3.0), \
    ('b', 'z', 5, NULL), ('b', 'z', 5, 1.0), (NULL, 'x', NULL, NULL)) AS t(g, note, qty, amount)";

fn limits(memory_bytes: usize, spill_dir: &std::path::Path, partitions: usize) -> Limits {
    Limits { memory_bytes, spill_dir: spill_dir.to_owned(), partitions }
}

async fn answer(ctx: &SessionContext, sql: &str) -> String {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    pretty_format_batches(&batches).unwrap().to_string()
}

async fn plan(ctx: &SessionContext, sql: &str) -> String {
    answer(ctx, &format!("EXPLAIN {sql}")).await
}

#[tokio::test]
async fn the_two_step_plan_answers_as_datafusions_own_plan_does() {
    let spill = tempfile::tempdir().unwrap();
    let stage_b = context(&limits(64 << 20, spill.path(), 2)).unwrap();
    let plain = SessionContext::new();
    for ctx in [&stage_b, &plain] {
        ctx.sql(&format!("CREATE VIEW t AS {ROWS}")).await.unwrap();
        ctx.sql(&format!("CREATE VIEW empty AS {ROWS} WHERE g = 'none'")).await.unwrap();
    }
    let aggregates = "count(DISTINCT note) AS notes, count(*) AS n, count(qty) AS priced, sum(qty) AS qty, \
                      min(note) AS first, max(amount) AS top, avg(qty) AS mean_qty, avg(amount) AS mean";
    for sql in [
        format!("SELECT g, {aggregates} FROM t GROUP BY g ORDER BY g NULLS FIRST"),
        format!("SELECT {aggregates} FROM t"),
        format!("SELECT {aggregates} FROM empty"),
        format!("SELECT g, {aggregates} FROM empty GROUP BY g"),
        "SELECT lower(g) AS g, count(DISTINCT qty) AS kinds, sum(DISTINCT qty) AS q, avg(qty) AS m FROM t \
         GROUP BY lower(g) ORDER BY g NULLS FIRST"
            .to_owned(),
    ] {
        let stage_b_plan = plan(&stage_b, &sql).await;
        assert!(stage_b_plan.contains("__sdlf_distinct"), "stage B's plan is the two-step one: {sql}");
        // Strings are sorted by their hash first when the inner step spills; numbers as they are.
        let string_argument = sql.contains("DISTINCT note");
        assert_eq!(stage_b_plan.contains("__sdlf_sort_key("), string_argument, "{stage_b_plan}");
        assert!(!plan(&plain, &sql).await.contains("__sdlf_distinct"));
        assert_eq!(answer(&stage_b, &sql).await, answer(&plain, &sql).await, "{sql}");
    }
    // Two DISTINCT arguments, or a filter: left to DataFusion.
    let other = "SELECT count(DISTINCT note), count(DISTINCT qty) FROM t";
    assert!(!plan(&stage_b, other).await.contains("__sdlf_distinct"));
    assert_eq!(answer(&stage_b, other).await, answer(&plain, other).await);
}

#[tokio::test]
async fn many_distinct_values_spill_instead_of_exhausting_the_pool() {
    let spill = tempfile::tempdir().unwrap();
    let sql = "SELECT k, count(DISTINCT v) AS distinct_values, count(*) AS n, avg(x) AS mean FROM \
               (SELECT value % 4 AS k, concat('a distinct value, number ', CAST(value AS VARCHAR), ', one of very many') AS v, value AS x \
                FROM generate_series(1, 1000000)) GROUP BY k ORDER BY k";
    // One partition: a fair pool this small, split among two partitions' operators, leaves
    // an operator less than one batch's groups and their sort headroom (Lambda's pools are
    // hundreds of MB).
    let stage_b = context(&limits(32 << 20, spill.path(), 1)).unwrap();
    let totals = format!("SELECT sum(distinct_values) AS total, min(n) AS n, max(mean) AS mean FROM ({sql})");
    let answer = answer(&stage_b, &totals).await;
    assert!(answer.contains("| 1000000 | 250000 | 500002.0 |"), "{answer}");
    // DataFusion's own plan, in the same pool: one set of 100,000 values per group, unspillable.
    let plain = context(&limits(32 << 20, spill.path(), 1)).unwrap();
    assert!(plain.remove_optimizer_rule("sdlf_distinct_to_group_by"));
    let error = plain.sql(sql).await.unwrap().collect().await.unwrap_err().to_string();
    assert!(error.contains("Resources exhausted"), "{error}");
}
