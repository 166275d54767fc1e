//! Transforms one file to Parquet and prints one JSON line: throughput and peak memory.
//!
//! `transform_file <csv|jsonl|json|json-array> <input> [output.parquet]` (output defaults to
//! `<input>.parquet`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

#[path = "support/measure.rs"]
mod measure;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: transform_file <csv|jsonl|json|json-array> <input> [output.parquet]");
        std::process::exit(2);
    }
    let format: sdlf_transform::InputFormat = match args[1].parse() {
        Ok(format) => format,
        Err(error) => fail(&error),
    };
    let input_path = &args[2];
    let output_path = args.get(3).cloned().unwrap_or_else(|| format!("{input_path}.parquet"));
    let input = File::open(input_path).unwrap_or_else(|error| fail(&error));
    let output = File::create(&output_path).unwrap_or_else(|error| fail(&error));
    let started = Instant::now();
    // The transform reads in 1 MiB chunks itself, so the file needs no BufReader.
    let report = sdlf_transform::transform(
        input,
        format,
        &sdlf_transform::Options::default(),
        BufWriter::with_capacity(1 << 20, output),
    )
    .unwrap_or_else(|error| fail(&error));
    let seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = measure::cpu_seconds();
    let megabytes = report.bytes_read as f64 / 1e6;
    let line = format!(
        "{{\"tool\":\"sdlf-transform\",\"format\":\"{}\",\"input_mb\":{:.1},\"rows\":{},\"seconds\":{:.3},\"mb_per_s\":{:.1},\"cpu_seconds\":{:.3},\"mb_per_cpu_s\":{:.1},\"peak_rss_mb\":{:.1},\"output_mb\":{:.1},\"row_groups\":{},\"columns\":{}}}",
        args[1],
        megabytes,
        report.rows,
        seconds,
        megabytes / seconds,
        cpu_seconds,
        megabytes / cpu_seconds,
        measure::peak_rss_mb(),
        report.bytes_written as f64 / 1e6,
        report.row_groups,
        report.schema.fields.len(),
    );
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
}

fn fail(error: &dyn std::fmt::Display) -> ! {
    eprintln!("transform_file: {error}");
    std::process::exit(1);
}
