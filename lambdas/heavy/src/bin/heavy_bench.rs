//! The heavy-transform benchmark's DataFusion side (`lambdas/heavy/bench/heavy.sh` runs it
//! beside Spark): generates the batch, runs the SQL as stage B does, evaluates quality rules.
//!
//!   heavy_bench generate DIR MB FILES     orders-shaped Parquet, MB megabytes in FILES files
//!   heavy_bench transform DIR OUT FUNCTION_MB PARTITION_BY SQL
//!   heavy_bench quality OUT PARTITION_BY
//!
//! Each prints one JSON line: what it did, rows and seconds.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use sdlf_heavy::quality::evaluate;
use sdlf_heavy::transform::{HeavySql, register_batch, register_output, run};
use sdlf_heavy::{Limits, context};
use sdlf_lambda_core::quality::{Condition, Rule, Values};

const ROWS_PER_BATCH: usize = 65_536;

/// A deterministic stream of pseudo-random numbers (xorshift): the same data on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("OrderId", DataType::Int64, true),
        Field::new("Customer", DataType::Utf8, true),
        Field::new("OrderDate", DataType::Utf8, true),
        Field::new("Amount", DataType::Float64, true),
        Field::new("Qty", DataType::Int64, true),
        Field::new("Note", DataType::Utf8, true),
    ]))
}

/// One row's values, drawn from `random`.
struct Order {
    customer: Option<&'static str>,
    day: String,
    amount: Option<f64>,
    qty: Option<i64>,
    note: String,
}

impl Order {
    fn draw(random: &mut Random) -> Order {
        const CUSTOMERS: [&str; 8] = ["anna", "Anna", "bob", "carla", "dan", "Eve", "frank", "gina"];
        let r = random.next();
        Order {
            customer: (!r.is_multiple_of(50)).then(|| CUSTOMERS[(r >> 8) as usize % CUSTOMERS.len()]),
            day: format!("2024-{:02}-{:02}", 1 + (r >> 16) % 12, 1 + (r >> 24) % 28),
            amount: (!r.is_multiple_of(20)).then(|| ((r >> 32) % 100_000) as f64 / 100.0),
            qty: (!r.is_multiple_of(13)).then_some(((r >> 40) % 9) as i64),
            note: format!("order note {:016x} for shipping {:08x}", random.next(), r >> 20),
        }
    }
}

fn batch(random: &mut Random, first_id: i64) -> RecordBatch {
    let orders: Vec<Order> = (0..ROWS_PER_BATCH).map(|_| Order::draw(random)).collect();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(first_id..first_id + ROWS_PER_BATCH as i64)),
        Arc::new(StringArray::from_iter(orders.iter().map(|o| o.customer))),
        Arc::new(StringArray::from_iter_values(orders.iter().map(|o| o.day.as_str()))),
        Arc::new(Float64Array::from_iter(orders.iter().map(|o| o.amount))),
        Arc::new(Int64Array::from_iter(orders.iter().map(|o| o.qty))),
        Arc::new(StringArray::from_iter_values(orders.iter().map(|o| o.note.as_str()))),
    ];
    RecordBatch::try_new(schema(), columns).expect("columns match the schema")
}

fn generate(dir: &Path, megabytes: u64, files: u64) -> serde_json::Value {
    std::fs::create_dir_all(dir).expect("data directory");
    let per_file = megabytes * 1024 * 1024 / files;
    let (mut random, mut id, mut rows, mut bytes) = (Random(0x5d1f_2024), 0_i64, 0_u64, 0_u64);
    for f in 0..files {
        let path = dir.join(format!("part-{f:03}.parquet"));
        let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
        let mut writer = ArrowWriter::try_new(File::create(&path).expect("create"), schema(), Some(props)).unwrap();
        while writer.bytes_written() as u64 + writer.in_progress_size() as u64 / 3 < per_file {
            writer.write(&batch(&mut random, id)).unwrap();
            id += ROWS_PER_BATCH as i64;
            rows += ROWS_PER_BATCH as u64;
        }
        writer.close().unwrap();
        bytes += std::fs::metadata(&path).unwrap().len();
    }
    serde_json::json!({"generated": dir, "rows": rows, "bytes": bytes, "files": files})
}

fn objects(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .map(|p| format!("file://{}", p.display()))
        .collect();
    files.sort();
    files
}

async fn transform(dir: &Path, out: &Path, function_mb: usize, partition_by: &str, sql: &str) -> serde_json::Value {
    let ctx = context(&Limits::function(function_mb)).unwrap();
    let partition_by: Vec<String> = partition_by.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect();
    let start = Instant::now();
    register_batch(&ctx, &objects(dir)).await.unwrap();
    let rows =
        run(&ctx, HeavySql { sql, partition_by: &partition_by }, &format!("file://{}/", out.display())).await.unwrap();
    serde_json::json!({"engine": "datafusion", "rows": rows, "seconds": start.elapsed().as_secs_f64()})
}

async fn quality(out: &Path, partition_by: &str) -> serde_json::Value {
    let ctx = context(&Limits::function(1024)).unwrap();
    let partition_by: Vec<String> = partition_by.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect();
    register_output(&ctx, "output", &format!("file://{}/", out.display()), &partition_by).await.unwrap();
    let rules = [
        Rule::row_count(Condition::GreaterThan(0.0)),
        Rule::is_complete("orderid"),
        Rule::is_unique(&["orderid"]),
        Rule::column_exists("note"),
        Rule::column_values("amount", Values::Number(Condition::AtLeast(0.0))),
        Rule::mean("qty", Condition::Between(0.0, 9.0)),
    ];
    let start = Instant::now();
    let report = evaluate(&ctx, "output", &rules).await.unwrap();
    serde_json::json!({"quality": report.results.len(), "passed": report.passed(), "seconds": start.elapsed().as_secs_f64()})
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["generate", dir, mb, files] => generate(Path::new(dir), mb.parse().unwrap(), files.parse().unwrap()),
        ["transform", dir, out, function_mb, partition_by, sql] => {
            transform(Path::new(dir), Path::new(out), function_mb.parse().unwrap(), partition_by, sql).await
        }
        ["quality", out, partition_by] => quality(Path::new(out), partition_by).await,
        _ => {
            eprintln!(
                "usage: heavy_bench generate DIR MB FILES | transform DIR OUT FUNCTION_MB PARTITION_BY SQL | quality OUT PARTITION_BY"
            );
            std::process::exit(2);
        }
    };
    println!("{out}");
}
