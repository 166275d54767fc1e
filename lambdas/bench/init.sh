#!/usr/bin/env bash
# Benchmark of the lake's Lambda package: bootstrap and zip size, and init time per handler
# (process start to the runtime's first poll of a fake Runtime API). Targets: zip < 10 MB,
# init < 50 ms. A benchmark, not a test: it prints numbers and fails only when it cannot measure.
#
#   lambdas/bench/init.sh [--no-build] [--runs N] [--handlers a,b,...] [--json] [--check-network]
#
#   --no-build        measure the existing target/lambda-build/sdlf-lambda/bootstrap
#   --runs N          timed spawns per handler (default 20, after 2 untimed warm-ups)
#   --handlers LIST   default catalog,routing,config,stage-a-transform,stage-b-routing
#   --json            one JSON object on stdout (sizes + init times); progress on stderr
#   --check-network   strace one init per handler; fail on any connect() but the runtime API's
#   (other arguments are passed to init_time.py, e.g. --env SSL_CERT_DIR=/nonexistent)
#
# Builds with the deploy's command (cargo lambda build --profile lambda --x86-64, see
# infra/cli/package.rs) under `nice -n 10`; cargo-lambda and zig come from
# tests/support/tools.sh (SDLF_TOOLS_DIR picks another venv, as there).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)
BUILD=1
JSON=0
PASS=()
while (($#)); do
    case $1 in
        --no-build) BUILD=0 ;;
        --json) JSON=1 ;;
        -h | --help)
            awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
            exit 0
            ;;
        *) PASS+=("$1") ;;
    esac
    shift
done

OUT_DIR="$ROOT/target/lambda-build"
BOOTSTRAP="$OUT_DIR/sdlf-lambda/bootstrap"
ZIP="$ROOT/target/lambda-bench/sdlf-lambda.zip"

if ((BUILD)); then
    "$ROOT/tests/support/tools.sh" ensure >&2
    TOOLS_DIR=${SDLF_TOOLS_DIR:-$ROOT/.tools}
    # cargo-lambda finds zig through `python3 -m ziglang`: the venv's python must come first.
    export PATH="$TOOLS_DIR/venv/bin:$PATH"
    echo "building sdlf-lambda (cargo lambda build --profile lambda --x86-64)..." >&2
    (cd "$ROOT" && nice -n 10 cargo lambda build --profile lambda --x86-64 \
        --package sdlf-lambda --bin sdlf-lambda --lambda-dir "$OUT_DIR" >&2)
fi
[[ -x $BOOTSTRAP ]] || { echo "init.sh: no $BOOTSTRAP (run without --no-build)" >&2; exit 1; }
mkdir -p "$(dirname "$ZIP")"

if ((JSON)); then
    sizes=$(python3 "$BENCH_DIR/zip_size.py" "$BOOTSTRAP" "$ZIP" "$ROOT/target/lambda-packages" --json)
    init=$(python3 "$BENCH_DIR/init_time.py" "$BOOTSTRAP" --json "${PASS[@]}")
    python3 -c 'import json, sys; print(json.dumps({"machine": sys.argv[3], "package": json.loads(sys.argv[1]), "init": json.loads(sys.argv[2])}, indent=2))' \
        "$sizes" "$init" "$(nproc) cpus, $(uname -sm)"
else
    echo "machine: $(nproc) cpus, $(uname -sm), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    python3 "$BENCH_DIR/zip_size.py" "$BOOTSTRAP" "$ZIP" "$ROOT/target/lambda-packages"
    python3 "$BENCH_DIR/init_time.py" "$BOOTSTRAP" "${PASS[@]}"
fi
