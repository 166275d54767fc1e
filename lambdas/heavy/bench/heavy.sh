#!/usr/bin/env bash
# Benchmark of stage B's heavy transform: DataFusion (sdlf-heavy, as stage B runs it, memory
# pool bounded) beside Spark local mode running the Glue jobs' script, the same SQL on the same
# generated Parquet batch on this machine, in one run; then the local data-quality evaluation
# of the example rules on the DataFusion output. Targets: DataFusion >= 3x Spark's throughput,
# peak memory < 1 GB. A benchmark, not a test: it prints numbers and fails only when it cannot
# measure.
#
#   lambdas/heavy/bench/heavy.sh [--mb N] [--function-mb N] [--runs N] [--json]
#
#   --mb N          size of the generated batch, MB of Snappy Parquet (default 1024); kept under
#                   target/heavy-bench/ and reused
#   --function-mb N the heavy function's memory setting (default 1024); DataFusion's pool is
#                   that less the function's headroom, as in the function (Limits::function)
#   --runs N        rounds, each running every case on both engines in turn (default 2); times
#                   are the best round's with the slowest beside them, peak memory the highest
#                   of any round: on a shared virtual machine the same run varies by a third
#                   from one minute to the next
#   --json          the figures as one JSON object on stdout
#
# Spark comes from tests/support/spark.sh (PySpark 3.5.6, Glue 5.1's Spark, on Java 17).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../../.." && pwd)
MB=1024
FUNCTION_MB=1024
RUNS=2
JSON=0
while (($#)); do
    case $1 in
        --mb) MB=$2; shift ;;
        --function-mb) FUNCTION_MB=$2; shift ;;
        --runs) RUNS=$2; shift ;;
        --json) JSON=1 ;;
        -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "heavy.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "heavy.sh: --runs takes a number of rounds, at least 1 (got $RUNS)" >&2; exit 2; }

echo "building the benchmark (release)..." >&2
(cd "$ROOT" && cargo build -q --release --locked -p sdlf-heavy --bin heavy_bench >&2)
BIN="$ROOT/target/release/heavy_bench"
PYTHON=$("$ROOT/tests/support/spark.sh" python)
WORK="$ROOT/target/heavy-bench"
DATA="$WORK/data-$MB"
mkdir -p "$WORK"
if [[ ! -f $DATA/.complete ]]; then
    echo "generating $MB MB of Parquet in $DATA..." >&2
    rm -rf "$DATA"
    "$BIN" generate "$DATA" "$MB" 8 >"$WORK/generate.json"
    touch "$DATA/.complete"
fi
INPUT_BYTES=$(du -sb --exclude=.complete "$DATA" | cut -f1)

# name|partition columns|SQL
CASES=(
    "projection|customer|SELECT orderid, lower(customer) AS customer, TRY_CAST(orderdate AS DATE) AS day, amount, qty, upper(note) AS note FROM batch WHERE amount IS NOT NULL AND customer IS NOT NULL"
    "aggregation||SELECT lower(customer) AS customer, TRY_CAST(orderdate AS DATE) AS day, count(*) AS orders, sum(amount) AS total, avg(qty) AS mean_qty, count(DISTINCT note) AS notes FROM batch GROUP BY lower(customer), TRY_CAST(orderdate AS DATE)"
)

# timed NAME CMD...: runs CMD under GNU time; appends "NAME peak_kb wall_s stdout" to results.
RESULTS="$WORK/results.txt"
: >"$RESULTS"
timed() {
    local name=$1
    shift
    local out
    out=$(/usr/bin/time -f '%M %e' -o "$WORK/time.txt" "$@" 2>"$WORK/$name.log") || {
        tail -n 20 "$WORK/$name.log" >&2
        echo "heavy.sh: $name failed (log: $WORK/$name.log)" >&2
        exit 1
    }
    printf '%s %s %s\n' "$name" "$(cat "$WORK/time.txt")" "$out" >>"$RESULTS"
}

for round in $(seq "$RUNS"); do
    for case in "${CASES[@]}"; do
        IFS='|' read -r name partition sql <<<"$case"
        echo "round $round, $name: DataFusion..." >&2
        rm -rf "$WORK/out-datafusion"
        timed "datafusion-$name" "$BIN" transform "$DATA" "$WORK/out-datafusion" "$FUNCTION_MB" "$partition" "$sql"
        if [[ $name == projection ]]; then
            echo "round $round, $name: data quality on the DataFusion output..." >&2
            timed "quality-$name" "$BIN" quality "$WORK/out-datafusion" "$partition"
        fi
        echo "round $round, $name: Spark..." >&2
        rm -rf "$WORK/out-spark"
        timed "spark-$name" env SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON="$PYTHON" "$PYTHON" \
            "$BENCH_DIR/spark_bench.py" "$DATA" "$WORK/out-spark" "$partition" "$sql"
    done
done

python3 - "$RESULTS" "$INPUT_BYTES" "$JSON" "$(nproc)" <<'PY'
import json, sys
path, input_bytes, as_json, cores = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4]
mb = input_bytes / 1e6
# Every round's figures per name; the best round (least in-run time) stands for the name, with
# the slowest beside it and the highest peak memory of any round.
every = {}
for line in open(path):
    name, peak_kb, wall, out = line.split(" ", 3)
    every.setdefault(name, []).append({"peak_mb": int(peak_kb) / 1024, "wall_s": float(wall), **json.loads(out)})
rows = {}
for name, runs in every.items():
    best = dict(min(runs, key=lambda r: r["seconds"]))
    best["slowest_seconds"] = max(r["seconds"] for r in runs)
    best["peak_mb"] = max(r["peak_mb"] for r in runs)
    rows[name] = best
figures = {"input_mb": round(mb, 1), "cores": int(cores), "rounds": len(every["quality-projection"]), "runs": rows, "every_round": every}
if as_json:
    print(json.dumps(figures, indent=2))
    sys.exit(0)
print(f"batch: {mb:.0f} MB of Snappy Parquet, {cores} cores, best of {figures['rounds']} rounds (slowest round beside it)")
print(f"{'case':<12} {'engine':<11} {'in-run s':>9} {'slowest':>8} {'MB/s':>8} {'process s':>10} {'peak MB':>8}  vs Spark")
for case in ("projection", "aggregation"):
    spark = rows[f"spark-{case}"]
    for engine in ("datafusion", "spark"):
        r = rows[f"{engine}-{case}"]
        ratio = spark["seconds"] / r["seconds"]
        print(f"{case:<12} {engine:<11} {r['seconds']:>9.2f} {r['slowest_seconds']:>8.2f} {mb / r['seconds']:>8.1f} {r['wall_s']:>10.2f} {r['peak_mb']:>8.0f}  {ratio:.2f}x")
q = rows["quality-projection"]
print(f"quality: {q['quality']} rules on the projection's output in {q['seconds']:.2f} s ({mb / q['seconds']:.1f} MB/s of input), peak {q['peak_mb']:.0f} MB")
PY
