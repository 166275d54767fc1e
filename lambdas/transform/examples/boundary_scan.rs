//! The floor for the transform's speed: a pass over the file that only finds line and field
//! boundaries with `memchr`, reading 1 MiB at a time as the transform does, and converts or
//! writes nothing. Prints one JSON line like `transform_file`.
//!
//! `boundary_scan <csv|jsonl> <input>`: for CSV it finds delimiters, quotes and newlines (and
//! counts records, quotes taken into account); for JSON lines, quotes, commas and newlines
//! (string boundaries, field separators and records).

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::time::Instant;

use memchr::memchr3_iter;

#[path = "support/measure.rs"]
mod measure;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let needles = match args.get(1).map(String::as_str) {
        Some("csv") => [b',', b'"', b'\n'],
        Some("jsonl") => [b'"', b',', b'\n'],
        _ => fail("usage: boundary_scan <csv|jsonl> <input>"),
    };
    let Some(path) = args.get(2) else { fail("usage: boundary_scan <csv|jsonl> <input>") };
    let mut input = File::open(path).unwrap_or_else(|error| fail(&error.to_string()));
    let started = Instant::now();
    let mut buffer = vec![0; 1 << 20];
    let (mut bytes, mut boundaries, mut records) = (0u64, 0u64, 0u64);
    // A newline inside quotes (odd quote count so far) is not a record's end.
    let mut inside_quotes = false;
    loop {
        let read = match input.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => fail(&error.to_string()),
        };
        bytes += read as u64;
        let chunk = &buffer[..read];
        for at in memchr3_iter(needles[0], needles[1], needles[2], chunk) {
            boundaries += 1;
            match chunk[at] {
                b'"' => inside_quotes = !inside_quotes,
                b'\n' if !inside_quotes => records += 1,
                _ => {}
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let megabytes = bytes as f64 / 1e6;
    let line = format!(
        "{{\"tool\":\"boundary scan (memchr)\",\"format\":\"{}\",\"input_mb\":{megabytes:.1},\"rows\":{records},\"boundaries\":{boundaries},\"seconds\":{seconds:.3},\"mb_per_s\":{:.1},\"cpu_seconds\":{:.3},\"peak_rss_mb\":{:.1}}}",
        args[1],
        megabytes / seconds,
        measure::cpu_seconds(),
        measure::peak_rss_mb(),
    );
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

fn fail(message: &str) -> ! {
    eprintln!("boundary_scan: {message}");
    std::process::exit(1);
}
