//! Writes a deterministic benchmark input of mixed columns: ints, doubles, strings (some quoted
//! with delimiters and quotes inside), booleans, timestamps, dates, and some nulls.
//!
//! `generate_data <csv|jsonl> <megabytes> <output>`

use std::fs::File;
use std::io::{BufWriter, Write};

const COUNTRIES: [&str; 8] = ["DE", "FR", "US", "GB", "JP", "BR", "IN", "ES"];
const WORDS: [&str; 12] =
    ["alpha", "beta", "gamma", "delta", "lake", "stage", "parquet", "row", "quick", "brown", "fox", "jumps"];

/// A small deterministic generator (xorshift64*), so every run writes the same bytes.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: generate_data <csv|jsonl> <megabytes> <output>");
        std::process::exit(2);
    }
    let json = match args[1].as_str() {
        "csv" => false,
        "jsonl" => true,
        other => {
            eprintln!("unknown format {other}");
            std::process::exit(2);
        }
    };
    let target_bytes: u64 = args[2].parse::<u64>().expect("megabytes") * 1_000_000;
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&args[3])?);
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let mut written: u64 = 0;
    let mut line = String::with_capacity(512);
    if !json {
        let header = "id,user,amount,quantity,active,created_at,country,comment,score,event_date\n";
        out.write_all(header.as_bytes())?;
        written += header.len() as u64;
    }
    let mut id: u64 = 0;
    while written < target_bytes {
        id += 1;
        line.clear();
        let user = format!("user_{}", random.below(1_000_000));
        let amount = format!("{}.{:02}", random.below(100_000), random.below(100));
        let quantity = random.below(1000) as i64 - 100;
        let active = random.below(2) == 0;
        let seconds = 1_700_000_000 + random.below(40_000_000);
        let created_at = sdlf_lambda_core::timestamp::from_epoch_millis((seconds * 1000 + random.below(1000)) as i64);
        let country = COUNTRIES[random.below(COUNTRIES.len() as u64) as usize];
        let mut comment = String::new();
        for index in 0..(1 + random.below(6)) {
            if index > 0 {
                comment.push(' ');
            }
            comment.push_str(WORDS[random.below(WORDS.len() as u64) as usize]);
        }
        let decoration = random.below(10);
        if decoration == 0 {
            comment.push_str(", with a comma");
        } else if decoration == 1 {
            comment.push_str(" \"quoted\"");
        }
        let score =
            if random.below(5) == 0 { None } else { Some(format!("{:.3}", random.below(1_000_000) as f64 / 997.0)) };
        let event_date = &created_at[..10];
        if json {
            use std::fmt::Write as _;
            let escaped_comment = comment.replace('"', "\\\"");
            let _ = writeln!(
                line,
                "{{\"id\":{id},\"user\":\"{user}\",\"amount\":{amount},\"quantity\":{quantity},\"active\":{active},\"created_at\":\"{created_at}\",\"country\":\"{country}\",\"comment\":\"{escaped_comment}\",\"score\":{},\"event_date\":\"{event_date}\"}}",
                score.as_deref().unwrap_or("null"),
            );
        } else {
            use std::fmt::Write as _;
            let quoted_comment =
                if comment.contains([',', '"']) { format!("\"{}\"", comment.replace('"', "\"\"")) } else { comment };
            let _ = writeln!(
                line,
                "{id},{user},{amount},{quantity},{active},{created_at},{country},{quoted_comment},{},{event_date}",
                score.as_deref().unwrap_or(""),
            );
        }
        out.write_all(line.as_bytes())?;
        written += line.len() as u64;
    }
    out.flush()
}
