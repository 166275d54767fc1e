#!/usr/bin/env bash
# End-to-end benchmark of sdlf-transform beside the libraries it stands in for, single core,
# one run of this script for every figure:
#   1. generates, per data shape (examples/generate_data.rs: realistic, mixed, wide, quoted),
#      BENCH_MB (default 193) MB of CSV and the same rows as JSON lines;
#   2. per shape and format, the best of BENCH_RUNS runs (least CPU time) of
#      - sdlf-transform (examples/transform_file.rs),
#      - arrow-rs: arrow-csv / arrow-json into parquet's ArrowWriter, snappy, with the schema and
#        row-group size of sdlf-transform's output (bench/arrow-baseline),
#      - pyarrow, one thread (bench/pyarrow_convert.py, in a venv under .tools/; skipped with a
#        note if it cannot be installed), which also reads back sdlf-transform's file and checks
#        that it holds the same values as arrow-rs's,
#      - the floor: a pass that only finds line and field boundaries with memchr
#        (examples/boundary_scan.rs);
#   3. prints one table: MB/s of CPU time (the figure that holds on a shared machine) and of
#      wall time, sdlf-transform's speed as a multiple of each other tool's, and peak RSS.
# Each tool prints one JSON line; they are collected in $BENCH_DIR/results.jsonl.
# The release profile is the one a Lambda build uses: thin LTO, one codegen unit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export CARGO_PROFILE_RELEASE_LTO="${CARGO_PROFILE_RELEASE_LTO:-thin}"
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS="${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-1}"
megabytes="${BENCH_MB:-193}"
runs="${BENCH_RUNS:-3}"
shapes="${BENCH_SHAPES:-realistic mixed wide quoted}"
data="${BENCH_DIR:-$CARGO_TARGET_DIR/transform-bench}"
pyarrow_version="${PYARROW_VERSION:-26.0.1}"
venv="${PYARROW_VENV:-$root/.tools/pyarrow-venv}"
mkdir -p "$data"

(cd "$root" && nice -n 10 cargo build --quiet --locked --release -p sdlf-transform --examples \
  && nice -n 10 cargo build --quiet --locked --release -p sdlf-transform-arrow-baseline)
bin="$CARGO_TARGET_DIR/release"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pyarrow" 2>/dev/null; then
  echo "installing pyarrow==$pyarrow_version into $venv" >&2
  python3 -m venv "$venv" >&2 || true
  "$venv/bin/pip" install --quiet --only-binary=:all: "pyarrow==$pyarrow_version" >&2 || true
fi
have_pyarrow=false
if "$venv/bin/python" -c "import pyarrow" 2>/dev/null; then
  have_pyarrow=true
else
  echo "pyarrow could not be installed: its column is left out" >&2
fi

# best_of COMMAND...: runs COMMAND $runs times and prints the JSON line with the least CPU time,
# tagged with the shape.
best_of() {
  local lines=""
  for _ in $(seq "$runs"); do
    lines+="$("$@")"$'\n'
  done
  printf '%s' "$lines" | python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin if l.strip()]
best = min(lines, key=lambda r: r["cpu_seconds"])
best["shape"] = sys.argv[1]
print(json.dumps(best))' "$shape"
}

results="$data/results.jsonl"
: > "$results"
# Other processes inflate CPU time far less than wall time, yet somewhat (they share caches and
# memory bandwidth): the load they put on the machine is recorded beside the figures.
load_log="$data/load.txt"
: > "$load_log"
for shape in $shapes; do
  echo "$shape $(cut -d' ' -f1 /proc/loadavg) $(nproc)" >> "$load_log"
  csv="$data/$shape-${megabytes}mb.csv"
  jsonl="$data/$shape-${megabytes}mb.jsonl"
  if [ ! -s "$csv" ] || [ ! -s "$jsonl" ]; then
    echo "generating $csv and $jsonl" >&2
    "$bin/examples/generate_data" "$shape" "$megabytes" "$csv" "$jsonl"
  fi
  for format in csv jsonl; do
    input="$data/$shape-${megabytes}mb.$format"
    sdlf_out="$data/$shape-sdlf-$format.parquet"
    arrow_out="$data/$shape-arrow-$format.parquet"
    echo "$shape $format" >&2
    best_of "$bin/examples/transform_file" "$format" "$input" "$sdlf_out" >> "$results"
    best_of "$bin/arrow_convert" "$format" "$input" "$arrow_out" "$sdlf_out" >> "$results"
    if $have_pyarrow; then
      best_of "$venv/bin/python" "$here/pyarrow_convert.py" "$format" "$input" \
        "$data/$shape-pyarrow-$format.parquet" "$sdlf_out" "$arrow_out" >> "$results"
    fi
    best_of "$bin/examples/boundary_scan" "$format" "$input" >> "$results"
  done
done

echo "end $(cut -d' ' -f1 /proc/loadavg) $(nproc)" >> "$load_log"
python3 "$here/report.py" "$results" "$load_log"
