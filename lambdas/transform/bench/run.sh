#!/usr/bin/env bash
# End-to-end benchmark of sdlf-transform against pyarrow, single core:
#   1. generates a CSV and a JSON-lines file of BENCH_MB (default 210) MB each;
#   2. transforms each with the release example `transform_file` (best of BENCH_RUNS runs),
#      which prints throughput and peak RSS (VmHWM) as one JSON line;
#   3. runs pyarrow's single-threaded CSV/JSON -> Parquet on the same files (installed into a
#      throwaway venv; skipped, with a note, if it cannot be installed), which also checks that
#      pyarrow reads the files sdlf-transform wrote;
#   4. prints a comparison table.
# The release profile is the one a Lambda build uses: thin LTO, one codegen unit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export CARGO_PROFILE_RELEASE_LTO="${CARGO_PROFILE_RELEASE_LTO:-thin}"
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS="${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-1}"
megabytes="${BENCH_MB:-210}"
runs="${BENCH_RUNS:-3}"
data="${BENCH_DIR:-$CARGO_TARGET_DIR/transform-bench}"
pyarrow_version="${PYARROW_VERSION:-21.0.0}"
mkdir -p "$data"

(cd "$root" && nice -n 10 cargo build --quiet --release -p sdlf-transform --examples)
bin="$CARGO_TARGET_DIR/release/examples"

for format in csv jsonl; do
  input="$data/input-${megabytes}mb.$format"
  if [ ! -s "$input" ]; then
    echo "generating $input" >&2
    "$bin/generate_data" "$format" "$megabytes" "$input"
  fi
done

results="$data/results.jsonl"
: > "$results"
for format in csv jsonl; do
  input="$data/input-${megabytes}mb.$format"
  best=""
  for _ in $(seq "$runs"); do
    line="$("$bin/transform_file" "$format" "$input" "$data/sdlf-$format.parquet")"
    best="$(printf '%s\n%s\n' "$best" "$line" | python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin if l.strip()]
print(json.dumps(max(lines, key=lambda r: r["mb_per_s"])))')"
  done
  echo "$best" >> "$results"
done

venv="$data/pyarrow-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pyarrow" 2>/dev/null; then
  echo "installing pyarrow==$pyarrow_version into $venv" >&2
  python3 -m venv "$venv" >&2 || true
  "$venv/bin/pip" install --quiet --only-binary=:all: "pyarrow==$pyarrow_version" >&2 || true
fi
if "$venv/bin/python" -c "import pyarrow" 2>/dev/null; then
  for format in csv jsonl; do
    input="$data/input-${megabytes}mb.$format"
    "$venv/bin/python" "$here/pyarrow_convert.py" "$format" "$input" \
      "$data/pyarrow-$format.parquet" "$data/sdlf-$format.parquet" >> "$results"
  done
else
  echo "pyarrow could not be installed: comparison skipped" >&2
fi

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"{'tool':<22}{'format':<7}{'input MB':>9}{'rows':>10}{'MB/s':>8}{'MB/cpu-s':>10}{'peak RSS MB':>13}{'output MB':>11}")
for r in rows:
    print(f"{r['tool']:<22}{r['format']:<7}{r['input_mb']:>9}{r['rows']:>10}{r['mb_per_s']:>8}{r['mb_per_cpu_s']:>10}{r['peak_rss_mb']:>13}{r['output_mb']:>11}")
for r in rows:
    if "sdlf_output_rows_read_by_pyarrow" in r:
        print(f"pyarrow read sdlf-transform's {r['format']} output: {r['sdlf_output_rows_read_by_pyarrow']} rows ({r['sdlf_output_schema']})")
PY
