//! The library sdlf-transform's readers stand in for, measured the same way: arrow-rs's CSV or
//! JSON reader into record batches, written by parquet's `ArrowWriter` with snappy, one thread.
//! Prints one JSON line like `transform_file`.
//!
//! `arrow_convert <csv|jsonl> <input> <output.parquet> <sdlf-output.parquet>`
//!
//! The schema and the row-group size are taken from the file sdlf-transform wrote from the same
//! input, so both write the same columns and types in row groups of the same size; everything
//! else is ArrowWriter's default (dictionary on every column, page statistics).

use std::fs::File;
use std::io::{BufReader, Write};
use std::sync::Arc;
use std::time::Instant;

use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use parquet::arrow::{ArrowWriter, parquet_to_arrow_schema};
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};

#[path = "../../../examples/support/measure.rs"]
mod measure;

/// Rows per record batch; larger than arrow's default (1,024), which is slower.
const BATCH_ROWS: usize = 8192;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 || !matches!(args[1].as_str(), "csv" | "jsonl") {
        fail("usage: arrow_convert <csv|jsonl> <input> <output.parquet> <sdlf-output.parquet>");
    }
    let (schema, row_group_rows) = schema_of(&args[4]).unwrap_or_else(|error| fail(&error.to_string()));
    let started = Instant::now();
    let input =
        BufReader::with_capacity(1 << 20, File::open(&args[2]).unwrap_or_else(|error| fail(&error.to_string())));
    let batches: Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>>> = if args[1] == "csv" {
        let reader = arrow_csv::ReaderBuilder::new(schema.clone()).with_header(true).with_batch_size(BATCH_ROWS);
        Box::new(reader.build(input).unwrap_or_else(|error| fail(&error.to_string())))
    } else {
        let reader = arrow_json::ReaderBuilder::new(schema.clone()).with_batch_size(BATCH_ROWS);
        Box::new(reader.build(input).unwrap_or_else(|error| fail(&error.to_string())))
    };
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(row_group_rows))
        .build();
    let output = File::create(&args[3]).unwrap_or_else(|error| fail(&error.to_string()));
    let mut writer = ArrowWriter::try_new(std::io::BufWriter::with_capacity(1 << 20, output), schema, Some(properties))
        .unwrap_or_else(|error| fail(&error.to_string()));
    let mut rows = 0;
    for batch in batches {
        let batch = batch.unwrap_or_else(|error| fail(&error.to_string()));
        rows += batch.num_rows();
        writer.write(&batch).unwrap_or_else(|error| fail(&error.to_string()));
    }
    writer.close().unwrap_or_else(|error| fail(&error.to_string()));
    let seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = measure::cpu_seconds();
    let megabytes = std::fs::metadata(&args[2]).map_or(0.0, |m| m.len() as f64 / 1e6);
    let output_mb = std::fs::metadata(&args[3]).map_or(0.0, |m| m.len() as f64 / 1e6);
    let line = format!(
        "{{\"tool\":\"arrow-rs 60.2.0\",\"format\":\"{}\",\"input_mb\":{megabytes:.1},\"rows\":{rows},\"seconds\":{seconds:.3},\"mb_per_s\":{:.1},\"cpu_seconds\":{cpu_seconds:.3},\"mb_per_cpu_s\":{:.1},\"peak_rss_mb\":{:.1},\"output_mb\":{output_mb:.1}}}",
        args[1],
        megabytes / seconds,
        megabytes / cpu_seconds,
        measure::peak_rss_mb(),
    );
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// The Arrow schema of a Parquet file and the row count of its first row group.
fn schema_of(path: &str) -> Result<(SchemaRef, usize), Box<dyn std::error::Error>> {
    let reader = SerializedFileReader::new(File::open(path)?)?;
    let metadata = reader.metadata();
    let schema = parquet_to_arrow_schema(metadata.file_metadata().schema_descr(), None)?;
    // UTC as an offset: named zones need arrow's chrono-tz feature, which is not built.
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|field| match field.data_type() {
            DataType::Timestamp(unit, Some(_)) => {
                field.as_ref().clone().with_data_type(DataType::Timestamp(*unit, Some("+00:00".into())))
            }
            _ => field.as_ref().clone(),
        })
        .collect();
    let rows = metadata.row_groups().first().map_or(1 << 20, |group| group.num_rows() as usize);
    Ok((Arc::new(Schema::new(fields)), rows))
}

fn fail(message: &str) -> ! {
    eprintln!("arrow_convert: {message}");
    std::process::exit(1);
}
