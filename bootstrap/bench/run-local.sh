#!/usr/bin/env bash
# Benchmark: a local pipeline run (`bootstrap run-local`) of a one-line change to the lake
# definition, with a warm build cache. Prints each stage's time and the total.
#
#   bootstrap/bench/run-local.sh            # test stage: $BENCH_TEST_COMMAND
#
# Steps: a clone of HEAD; one full run to warm the cache; then a one-line change to
# pipelines/src/lib.rs (a dataset's batch size), committed, and the timed run. The builds use a
# target directory of their own (target/pipeline-bench/, kept between runs of this script, as
# CodeBuild's S3 cache of target/ would be), never the workspace's: cargo decides freshness by
# modification times, which are only sound when one checkout writes a target directory.
# The emulator is a fresh MiniStack on a free 127.0.0.1 port, stopped at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TEST_COMMAND=${BENCH_TEST_COMMAND:-cargo test --locked -p sdlf-cicd --lib}
export SDLF_TOOLS_DIR=${SDLF_TOOLS_DIR:-$ROOT/.tools}
BENCH_DIR=$ROOT/target/pipeline-bench

"$ROOT/tests/support/tools.sh" ensure >/dev/null
eval "$("$ROOT/tests/support/tools.sh" env)"
cargo build --quiet --locked -p bootstrap --manifest-path "$ROOT/Cargo.toml"
BOOTSTRAP=$ROOT/target/debug/bootstrap
export CARGO_TARGET_DIR=$BENCH_DIR/target
# The Lambda package is named by the hash of its sources: share it with the workspace's cache.
mkdir -p "$CARGO_TARGET_DIR/lambda-packages"
cp -ln "$ROOT"/target/lambda-packages/*.zip "$CARGO_TARGET_DIR/lambda-packages/" 2>/dev/null || true

URL=$("$ROOT/tests/support/ministack.sh" start --port 0 | tail -n 1)
PORT=${URL##*:}
WORK=$BENCH_DIR/work
rm -rf "$WORK/repo" "$WORK/pipeline/runs" && mkdir -p "$WORK"
trap '"$ROOT/tests/support/ministack.sh" stop --port "$PORT" >/dev/null 2>&1 || true' EXIT
export AWS_ENDPOINT_URL=$URL

git clone --quiet --no-hardlinks "$ROOT" "$WORK/repo"
cd "$WORK/repo"
echo "warm-up run (not timed) of $(git rev-parse --short HEAD), test command: $TEST_COMMAND" >&2
"$BOOTSTRAP" run-local --work-dir "$WORK/pipeline" --test-command "$TEST_COMMAND" >"$WORK/warm.log" 2>&1 ||
    { tail -n 40 "$WORK/warm.log"; exit 1; }

# The one-line change: the legislators dataset's largest batch.
sed -i '0,/batch: Batch { min_items: 1, max_items: 100/s//batch: Batch { min_items: 1, max_items: 101/' pipelines/src/lib.rs
git diff --stat >&2
git -c user.name=bench -c user.email=bench@localhost commit --quiet -am "bench: one-line change"

echo "timed run of the change:" >&2
"$BOOTSTRAP" run-local --work-dir "$WORK/pipeline" --test-command "$TEST_COMMAND" >"$WORK/timed.log" 2>&1 ||
    { tail -n 40 "$WORK/timed.log"; exit 1; }
grep -E '^(Source|Test|Plan|Deploy-local|pipeline) ' "$WORK/timed.log" | grep -v '^pipeline run of'
