//! The heavy transform's SQL on both engines, compared row for row: the Glue jobs' script
//! (`infra/lake/spark/heavy_transform.py`) on local Spark 3.5.6 — the Spark of Glue 5.1,
//! installed by `tests/support/spark.sh` — and the DataFusion engine, on the same Parquet
//! inputs: the example lake's SQL, and a generated dataset with NULLs, duplicates, dates and
//! mixed-case column names. Two cases show the differences synthesis refuses (integer
//! division, the default NULL ordering): they must differ, or the refusal would be needless.
//!
//! Both outputs are read back by the same reader (DataFusion) and every value written as text
//! (doubles rounded to 9 places: the engines add in different orders), sorted.

use std::path::{Path, PathBuf};
use std::process::Command;

use datafusion::arrow::array::{Array, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::prelude::SessionContext;
use sdlf_heavy::transform::{HeavySql, register_batch, register_output, run};
use sdlf_heavy::{Limits, context};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// One SQL case over one input.
struct Case {
    name: &'static str,
    input: &'static str,
    sql: String,
    partition_by: Vec<String>,
    /// Whether the engines agree: false for the constructs synthesis refuses.
    same: bool,
}

fn case(name: &'static str, input: &'static str, sql: &str, partition_by: &[&str]) -> Case {
    Case {
        name,
        input,
        sql: sql.to_owned(),
        partition_by: partition_by.iter().map(|p| (*p).to_owned()).collect(),
        same: true,
    }
}

async fn parquet(ctx: &SessionContext, sql: &str, path: &Path) -> String {
    let options = DataFrameWriteOptions::new().with_single_file_output(true);
    ctx.sql(sql).await.unwrap().write_parquet(path.to_str().unwrap(), options, None).await.unwrap();
    format!("file://{}", path.display())
}

/// `rows` as a `VALUES` query with the column names (quoted: their case is kept).
fn values(rows: &[String], columns: &[&str]) -> String {
    let names: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
    format!("SELECT * FROM (VALUES {}) AS t({})", rows.join(", "), names.join(", "))
}

/// Orders: 240 rows, mixed-case names, NULLs in every column, duplicated rows, dates (some
/// not dates), amounts with cents, customers in mixed case.
fn orders(part: usize) -> String {
    let customers = ["'anna'", "'Anna'", "'bob'", "'carla'", "NULL", "'dan'"];
    let rows: Vec<String> = (0..120)
        .map(|i| {
            let n = part * 120 + i;
            let id = if n.is_multiple_of(37) { "NULL".to_owned() } else { format!("{}", n / 2 * 2) };
            let amount = if n.is_multiple_of(11) {
                "NULL".to_owned()
            } else {
                format!("CAST({}.{:02} AS DOUBLE)", n % 50, n * 7 % 100)
            };
            let qty = if n.is_multiple_of(13) { "NULL".to_owned() } else { format!("{}", n % 5) };
            let day = match n % 17 {
                0 => "NULL".to_owned(),
                1 => "'not a date'".to_owned(),
                d => format!("'2024-{:02}-{:02}'", 1 + d % 12, 1 + n % 28),
            };
            format!("({id}, {}, {day}, {amount}, {qty})", customers[n % customers.len()])
        })
        .collect();
    values(&rows, &["OrderId", "Customer", "OrderDate", "Amount", "Qty"])
}

async fn inputs(ctx: &SessionContext, dir: &Path) -> Vec<(&'static str, Vec<String>)> {
    let legislators = [
        values(
            &[
                "('P1', ' Ada Lovelace ', 'Ada', 'Lovelace', 'Female ', '1815-12-10', 2)".into(),
                "('P2', 'Charles Babbage', 'Charles', 'Babbage', 'male', '1791-12-26', 1)".into(),
                "('P2', 'Charles B.', 'Charles', NULL, 'male', 'unknown', 1)".into(),
                "(NULL, 'Nobody', NULL, NULL, NULL, NULL, 0)".into(),
            ],
            &["id", "name", "given_name", "family_name", "gender", "birth_date", "terms"],
        ),
        values(
            &[
                "('P3', 'Grace Hopper', 'Grace', 'Hopper', NULL, '1906-12-09', 3)".into(),
                "('P4', NULL, 'Alan', 'Turing', 'MALE', '1912-06-23', CAST(NULL AS BIGINT))".into(),
            ],
            &["id", "name", "given_name", "family_name", "gender", "birth_date", "terms"],
        ),
    ];
    let campaigns = [values(
        &[
            "('spring-sale', CAST(1250.5 AS DOUBLE), 3400)".into(),
            "(' spring-sale', CAST(1302.75 AS DOUBLE), 3650)".into(),
            "('newsletter, May', CAST(80 AS DOUBLE), 0)".into(),
            "(NULL, CAST(12.5 AS DOUBLE), CAST(NULL AS BIGINT))".into(),
            "('retargeting', CAST(NULL AS DOUBLE), 1200)".into(),
        ],
        &["campaign_id", "spend", "clicks"],
    )];
    let mut out = Vec::new();
    for (name, queries) in [
        ("legislators", legislators.to_vec()),
        ("campaigns", campaigns.to_vec()),
        ("orders", vec![orders(0), orders(1)]),
    ] {
        let mut files = Vec::new();
        for (i, query) in queries.iter().enumerate() {
            files.push(parquet(ctx, query, &dir.join(format!("{name}-{i}.parquet"))).await);
        }
        out.push((name, files));
    }
    out
}

fn cases() -> Vec<Case> {
    let lake = sdlf_pipelines_sql();
    let mut cases = vec![
        case(
            "legislators (example lake)",
            "legislators",
            &lake[0].0,
            &lake[0].1.iter().map(String::as_str).collect::<Vec<_>>(),
        ),
        case(
            "campaigns (example lake)",
            "campaigns",
            &lake[1].0,
            &lake[1].1.iter().map(String::as_str).collect::<Vec<_>>(),
        ),
        case(
            "projection, dates, partitions",
            "orders",
            "SELECT OrderId, lower(Customer) AS customer, TRY_CAST(orderdate AS DATE) AS order_date, Amount, qty \
             FROM batch WHERE TRY_CAST(OrderDate AS DATE) IS NOT NULL AND customer IS NOT NULL",
            &["customer"],
        ),
        case(
            "aggregates",
            "orders",
            "SELECT lower(customer) AS customer, count(*) AS orders, count(amount) AS priced, sum(qty) AS qty, \
             min(amount) AS cheapest, max(TRY_CAST(orderdate AS DATE)) AS last_day, avg(amount) AS mean, \
             count(DISTINCT orderid) AS ids FROM batch GROUP BY lower(customer)",
            &[],
        ),
        // Stage B plans a DISTINCT string beside other aggregates in two steps, sorted by a hash.
        case(
            "distinct strings",
            "orders",
            "SELECT lower(customer) AS customer, count(*) AS orders, avg(qty) AS mean_qty, \
             count(DISTINCT orderdate) AS days FROM batch GROUP BY lower(customer)",
            &[],
        ),
        case(
            "windows with explicit NULL ordering",
            "orders",
            "SELECT orderid, customer, amount, row_number() OVER (PARTITION BY lower(customer) \
             ORDER BY amount DESC NULLS LAST, orderid ASC NULLS FIRST, qty ASC NULLS FIRST, orderdate ASC NULLS FIRST) AS rank \
             FROM (SELECT DISTINCT * FROM batch) AS d",
            &[],
        ),
        case(
            "strings, CASE, IN, BETWEEN, LIKE, COALESCE",
            "orders",
            "SELECT orderid, upper(trim(customer)) AS shout, length(customer) AS len, substring(customer, 2, 3) AS sub, \
             coalesce(customer, 'none') AS who, customer || '-' || TRY_CAST(orderid AS STRING) AS tag, \
             replace(customer, 'a', 'A') AS swapped, \
             CASE WHEN amount BETWEEN 10 AND 20 THEN 'mid' WHEN amount > 20 THEN 'high' ELSE 'low' END AS band \
             FROM batch WHERE customer LIKE 'a%' OR qty IN (1, 2) OR amount IS NULL",
            &[],
        ),
        case(
            "more functions",
            "orders",
            "SELECT orderid, abs(amount - 25) AS distance, nullif(qty, 0) AS qty, ltrim(concat_ws(' ', '', customer)) AS l, \
             rtrim(concat_ws(' ', customer, '')) AS r, concat_ws('/', customer, TRY_CAST(qty AS STRING)) AS path, \
             TRY_CAST(orderdate AS DATE) AS day, TRY_CAST(amount AS DECIMAL(10, 2)) AS exact FROM batch",
            &[],
        ),
        case(
            "fractional division of a cast",
            "orders",
            "SELECT orderid, TRY_CAST(qty AS DOUBLE) / 4 AS quarter, round(amount * 1.1, 2) AS taxed FROM batch",
            &[],
        ),
    ];
    let mut differs = |name, sql: &str| cases.push(Case { same: false, ..case(name, "orders", sql, &[]) });
    differs("integer division (refused)", "SELECT orderid, qty / 2 AS half FROM batch");
    differs(
        "default NULL ordering (refused)",
        "SELECT orderid, amount, row_number() OVER (ORDER BY amount, orderid NULLS FIRST, qty NULLS FIRST, orderdate NULLS FIRST, customer NULLS FIRST) AS n FROM batch",
    );
    cases
}

/// The example lake's heavy transforms: (SQL, partition columns) of each dataset.
fn sdlf_pipelines_sql() -> Vec<(String, Vec<String>)> {
    let lake = sdlf_pipelines::lake();
    lake.teams
        .iter()
        .flat_map(|t| &t.datasets)
        .map(|d| (d.heavy_transform.sql.clone(), d.heavy_transform.partition_by.clone()))
        .collect()
}

/// Every value of the output at `url` as text, rows sorted.
async fn canonical(url: &str, partition_by: &[String]) -> Vec<String> {
    let ctx = SessionContext::new();
    register_output(&ctx, "output", url, partition_by).await.unwrap();
    let schema = ctx.table("output").await.unwrap().schema().clone();
    let columns: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| {
            let c = format!("\"{}\"", f.name());
            let value = if f.data_type().is_floating() { format!("round({c}, 9)") } else { c.clone() };
            format!("{} || '=' || coalesce(CAST({value} AS VARCHAR), 'NULL')", sql_string(f.name()))
        })
        .collect();
    let mut names: Vec<&String> = schema.fields().iter().map(|f| f.name()).collect();
    names.sort();
    let query = format!("SELECT concat_ws(' | ', {}) AS row FROM output", columns.join(", "));
    let batches = ctx.sql(&query).await.unwrap().collect().await.unwrap();
    let mut rows = Vec::new();
    for batch in &batches {
        let column = cast(batch.column(0), &DataType::Utf8).unwrap();
        let column = column.as_any().downcast_ref::<StringArray>().unwrap();
        rows.extend((0..column.len()).map(|i| column.value(i).to_owned()));
    }
    rows.sort();
    rows.insert(0, format!("columns: {names:?}"));
    rows
}

fn sql_string(name: &str) -> String {
    format!("'{}'", name.replace('\'', "''"))
}

fn spark_python() -> String {
    let out = Command::new("bash").arg(root().join("tests/support/spark.sh")).arg("python").output().unwrap();
    assert!(out.status.success(), "spark.sh: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Runs every case on Spark in one session; the outputs under `dir/spark/{n}/`.
fn run_spark(dir: &Path, cases: &[Case], inputs: &[(&str, Vec<String>)]) -> Vec<serde_json::Value> {
    let argv: Vec<Vec<String>> = cases
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let files = &inputs.iter().find(|(name, _)| *name == c.input).unwrap().1;
            vec![
                "--SOURCE_KEYS".into(),
                files.join(","),
                "--TARGET".into(),
                format!("file://{}/spark/{n}/", dir.display()),
                "--SQL".into(),
                c.sql.clone(),
                "--PARTITION_BY".into(),
                c.partition_by.join(","),
                // What Glue adds, which the script must ignore.
                "--JOB_NAME".into(),
                "parity".into(),
            ]
        })
        .collect();
    let spec = dir.join("cases.json");
    std::fs::write(&spec, serde_json::to_vec(&argv).unwrap()).unwrap();
    let python = spark_python();
    let out = Command::new(&python)
        .arg(root().join("lambdas/heavy/tests/spark_cases.py"))
        .arg(&spec)
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env("PYSPARK_PYTHON", &python)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "spark: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[tokio::test]
async fn spark_and_datafusion_agree_row_for_row() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = SessionContext::new();
    let inputs = inputs(&ctx, dir.path()).await;
    let cases = cases();
    let spark = run_spark(dir.path(), &cases, &inputs);
    assert_eq!(spark.len(), cases.len(), "{spark:?}");
    for (n, case) in cases.iter().enumerate() {
        assert_eq!(spark[n]["ok"], true, "{}: Spark failed: {}", case.name, spark[n]["error"]);
        let files = &inputs.iter().find(|(name, _)| *name == case.input).unwrap().1;
        // Stage B's own session: its memory pool and its planning of DISTINCT aggregates.
        let ctx = context(&Limits::lambda(512, 0)).unwrap();
        register_batch(&ctx, files).await.unwrap();
        let output = format!("file://{}/datafusion/{n}/", dir.path().display());
        run(&ctx, HeavySql { sql: &case.sql, partition_by: &case.partition_by }, &output).await.unwrap();
        let datafusion = canonical(&output, &case.partition_by).await;
        let spark = canonical(&format!("file://{}/spark/{n}/", dir.path().display()), &case.partition_by).await;
        assert!(datafusion.len() > 1, "{}: no rows", case.name);
        let refusals = sdlf_lake::portable::check(&case.sql);
        assert_eq!(refusals.is_empty(), case.same, "{}: synthesis and the engines disagree: {refusals:?}", case.name);
        if case.same {
            assert_eq!(datafusion, spark, "{}: the engines disagree", case.name);
        } else {
            assert_ne!(datafusion, spark, "{}: the engines agree, so synthesis need not refuse it", case.name);
        }
    }
}
