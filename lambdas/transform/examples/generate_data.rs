//! Writes deterministic benchmark inputs: the same rows as CSV and as JSON lines, in one of
//! several shapes, until the CSV reaches the size asked for.
//!
//! `generate_data <shape> <megabytes of CSV> <output.csv> <output.jsonl>`
//!
//! Shapes:
//! - `mixed`: ten columns of every type (int, string, double, bool, timestamp, date, nulls),
//!   short free text of which a fifth is quoted with a comma or `""` inside;
//! - `realistic`: what data lakes usually receive: int64 id, float64 amount, ISO-8601
//!   timestamp with milliseconds and `Z`, a low-cardinality category, ~40 characters of
//!   high-cardinality free text, and an int that is empty in about 10 % of rows;
//! - `wide`: 62 columns (ints, doubles, categories, short codes, booleans, nullable ints);
//! - `quoted`: long free text (≈ 200–900 characters) that is always quoted, with commas,
//!   `""` and newlines inside.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};

const COUNTRIES: [&str; 8] = ["DE", "FR", "US", "GB", "JP", "BR", "IN", "ES"];
const CATEGORIES: [&str; 12] = [
    "electronics",
    "books",
    "garden",
    "toys",
    "grocery",
    "fashion",
    "sports",
    "beauty",
    "automotive",
    "health",
    "music",
    "office",
];
const WORDS: [&str; 32] = [
    "alpha", "beta", "gamma", "delta", "lake", "stage", "parquet", "row", "quick", "brown", "fox", "jumps", "over",
    "lazy", "dog", "order", "refund", "late", "shipped", "gift", "box", "blue", "small", "large", "thanks", "again",
    "please", "call", "back", "note", "fast", "ok",
];

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

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    /// `count` words separated by spaces.
    fn words(&mut self, count: u64) -> String {
        let mut text = String::new();
        for index in 0..count {
            if index > 0 {
                text.push(' ');
            }
            text.push_str(self.pick(&WORDS));
        }
        text
    }

    /// An ISO-8601 UTC timestamp with milliseconds, in about a year and a quarter from 2023-11.
    fn timestamp(&mut self) -> String {
        let millis = (1_700_000_000 + self.below(40_000_000)) * 1000 + self.below(1000);
        sdlf_lambda_core::timestamp::from_epoch_millis(millis as i64)
    }
}

/// One value, rendered as CSV text or as a JSON value.
enum Value {
    /// Written as is in both formats (ints, doubles, booleans).
    Number(String),
    /// A string: quoted in JSON; in CSV, quoted when it holds a delimiter, quote or newline.
    Text(String),
    Null,
}

fn number(value: impl std::fmt::Display) -> Value {
    Value::Number(value.to_string())
}

/// Makes row `id` (from 1) of a shape.
type RowMaker = fn(&mut Random, u64) -> Vec<Value>;

/// A shape: its column names and how to make a row.
struct Shape {
    columns: Vec<String>,
    row: RowMaker,
}

fn shape(name: &str) -> Option<Shape> {
    let (columns, row): (Vec<String>, RowMaker) = match name {
        "mixed" => (names(&MIXED_COLUMNS), mixed_row),
        "realistic" => (names(&REALISTIC_COLUMNS), realistic_row),
        "wide" => (wide_columns(), wide_row),
        "quoted" => (names(&QUOTED_COLUMNS), quoted_row),
        _ => return None,
    };
    Some(Shape { columns, row })
}

fn names(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|name| (*name).to_owned()).collect()
}

const MIXED_COLUMNS: [&str; 10] =
    ["id", "user", "amount", "quantity", "active", "created_at", "country", "comment", "score", "event_date"];

fn mixed_row(random: &mut Random, id: u64) -> Vec<Value> {
    let user = format!("user_{}", random.below(1_000_000));
    let amount = format!("{}.{:02}", random.below(100_000), random.below(100));
    let quantity = random.below(1000) as i64 - 100;
    let active = random.below(2) == 0;
    let created_at = random.timestamp();
    let country = random.pick(&COUNTRIES);
    let word_count = 1 + random.below(6);
    let mut comment = random.words(word_count);
    match random.below(10) {
        0 => comment.push_str(", with a comma"),
        1 => comment.push_str(" \"quoted\""),
        _ => {}
    }
    let score = if random.below(5) == 0 {
        Value::Null
    } else {
        number(format!("{:.3}", random.below(1_000_000) as f64 / 997.0))
    };
    let event_date = created_at[..10].to_owned();
    vec![
        number(id),
        Value::Text(user),
        Value::Number(amount),
        number(quantity),
        number(active),
        Value::Text(created_at),
        Value::Text(country.to_owned()),
        Value::Text(comment),
        score,
        Value::Text(event_date),
    ]
}

const REALISTIC_COLUMNS: [&str; 6] = ["id", "amount", "ts", "category", "note", "user_id"];

fn realistic_row(random: &mut Random, id: u64) -> Vec<Value> {
    let amount = format!("{}.{:02}", random.below(10_000), random.below(100));
    let created_at = random.timestamp();
    let category = random.pick(&CATEGORIES);
    // About 40 characters; the order number makes nearly every value distinct.
    let word_count = 5 + random.below(5);
    let note = format!("#{} {}", 100_000 + random.below(900_000), random.words(word_count));
    let user_id = if random.below(10) == 0 { Value::Null } else { number(random.below(50_000_000)) };
    vec![
        number(id),
        Value::Number(amount),
        Value::Text(created_at),
        Value::Text(category.to_owned()),
        Value::Text(note),
        user_id,
    ]
}

/// Six kinds of column, repeated: the first two columns are the id and a timestamp.
const WIDE_KINDS: usize = 6;
const WIDE_REPEATS: usize = 10;

fn wide_columns() -> Vec<String> {
    let kinds = ["count", "price", "segment", "code", "flag", "rank"];
    let mut columns = vec!["id".to_owned(), "updated_at".to_owned()];
    for repeat in 0..WIDE_REPEATS {
        columns.extend(kinds.iter().map(|kind| format!("{kind}_{repeat:02}")));
    }
    columns
}

fn wide_row(random: &mut Random, id: u64) -> Vec<Value> {
    let mut row = vec![number(id), Value::Text(random.timestamp())];
    for _ in 0..WIDE_REPEATS {
        for kind in 0..WIDE_KINDS {
            row.push(match kind {
                0 => number(random.below(100_000)),
                1 => Value::Number(format!("{}.{:03}", random.below(10_000), random.below(1000))),
                2 => Value::Text(random.pick(&COUNTRIES).to_owned()),
                3 => Value::Text(format!("{:06x}", random.below(1 << 24))),
                4 => number(random.below(2) == 0),
                _ if random.below(5) == 0 => Value::Null,
                _ => number(random.below(1000) as i64 - 500),
            });
        }
    }
    row
}

const QUOTED_COLUMNS: [&str; 5] = ["id", "created_at", "author", "body", "rating"];

fn quoted_row(random: &mut Random, id: u64) -> Vec<Value> {
    let created_at = random.timestamp();
    let author = format!("author_{}", random.below(500));
    let mut body = String::new();
    for sentence in 0..(4 + random.below(12)) {
        if sentence > 0 {
            body.push_str(if random.below(4) == 0 { "\n" } else { " " });
        }
        let word_count = 4 + random.below(8);
        body.push_str(&random.words(word_count));
        match random.below(6) {
            0 => body.push_str(", \"really\","),
            1 => body.push_str(", and"),
            _ => {}
        }
        body.push('.');
    }
    let rating = if random.below(8) == 0 { Value::Null } else { number(1 + random.below(5)) };
    vec![number(id), Value::Text(created_at), Value::Text(author), Value::Text(body), rating]
}

fn write_csv_row(line: &mut String, row: &[Value]) {
    for (index, value) in row.iter().enumerate() {
        if index > 0 {
            line.push(',');
        }
        match value {
            Value::Number(text) => line.push_str(text),
            Value::Text(text) if text.contains([',', '"', '\n', '\r']) => {
                let _ = write!(line, "\"{}\"", text.replace('"', "\"\""));
            }
            Value::Text(text) => line.push_str(text),
            Value::Null => {}
        }
    }
    line.push('\n');
}

fn write_json_row(line: &mut String, columns: &[String], row: &[Value]) {
    line.push('{');
    for (index, (name, value)) in columns.iter().zip(row).enumerate() {
        if index > 0 {
            line.push(',');
        }
        let _ = write!(line, "\"{name}\":");
        match value {
            Value::Number(text) => line.push_str(text),
            Value::Text(text) => {
                let _ = write!(line, "\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"));
            }
            Value::Null => line.push_str("null"),
        }
    }
    line.push_str("}\n");
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: generate_data <mixed|realistic|wide|quoted> <megabytes of CSV> <output.csv> <output.jsonl>";
    let (Some(shape), Some(megabytes)) =
        (args.get(1).and_then(|name| shape(name)), args.get(2).and_then(|mb| mb.parse::<u64>().ok()))
    else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    if args.len() != 5 {
        eprintln!("{usage}");
        std::process::exit(2);
    }
    let target_bytes = megabytes * 1_000_000;
    let mut csv = BufWriter::with_capacity(1 << 20, File::create(&args[3])?);
    let mut jsonl = BufWriter::with_capacity(1 << 20, File::create(&args[4])?);
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let header = shape.columns.join(",") + "\n";
    csv.write_all(header.as_bytes())?;
    let mut csv_bytes = header.len() as u64;
    let mut line = String::with_capacity(4096);
    let mut id = 0;
    while csv_bytes < target_bytes {
        id += 1;
        let row = (shape.row)(&mut random, id);
        line.clear();
        write_csv_row(&mut line, &row);
        csv.write_all(line.as_bytes())?;
        csv_bytes += line.len() as u64;
        line.clear();
        write_json_row(&mut line, &shape.columns, &row);
        jsonl.write_all(line.as_bytes())?;
    }
    csv.flush()?;
    jsonl.flush()
}
