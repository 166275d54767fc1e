//! In-process throughput of CSV and JSON lines → Parquet on a few MB of mixed columns (the
//! 200 MB end-to-end figures and peak memory come from `bench/run.sh`).

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sdlf_transform::{InputFormat, Options, transform};

const ROWS: usize = 40_000;

/// Rows like bench/run.sh's: int, string, double, int, bool, timestamp, low-cardinality
/// string, free text (a tenth quoted with a comma), double with nulls, date.
fn rows(json: bool) -> String {
    let mut out = String::new();
    if !json {
        out.push_str("id,user,amount,quantity,active,created_at,country,comment,score,event_date\n");
    }
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: u64| {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    };
    for id in 0..ROWS {
        let user = next(1_000_000);
        let amount = format!("{}.{:02}", next(100_000), next(100));
        let quantity = next(1000) as i64 - 100;
        let active = next(2) == 0;
        let created = format!(
            "2024-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            1 + next(12),
            1 + next(28),
            next(24),
            next(60),
            next(60),
            next(1000)
        );
        let country = ["DE", "FR", "US", "JP"][next(4) as usize];
        let comment = if next(10) == 0 { "lake, stage" } else { "quick brown fox" };
        let score = if next(5) == 0 { String::new() } else { format!("{:.3}", next(1_000_000) as f64 / 997.0) };
        let date = &created[..10];
        if json {
            let score = if score.is_empty() { "null".to_owned() } else { score };
            let _ = writeln!(
                out,
                "{{\"id\":{id},\"user\":\"user_{user}\",\"amount\":{amount},\"quantity\":{quantity},\"active\":{active},\"created_at\":\"{created}\",\"country\":\"{country}\",\"comment\":\"{comment}\",\"score\":{score},\"event_date\":\"{date}\"}}"
            );
        } else {
            let comment = if comment.contains(',') { format!("\"{comment}\"") } else { comment.to_owned() };
            let _ = writeln!(
                out,
                "{id},user_{user},{amount},{quantity},{active},{created},{country},{comment},{score},{date}"
            );
        }
    }
    out
}

fn bench_transform(c: &mut Criterion) {
    let mut group = c.benchmark_group("transform");
    group.sample_size(10);
    for (name, format, input) in [("csv", InputFormat::Csv, rows(false)), ("jsonl", InputFormat::JsonLines, rows(true))]
    {
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let report =
                    transform(input.as_bytes(), format, &Options::default(), std::io::sink()).expect("transform");
                black_box(report.rows)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_transform);
criterion_main!(benches);
