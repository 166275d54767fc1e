#!/usr/bin/env bash
# PySpark for the tests: pinned and hashed by tests/support/spark-requirements.txt, in a venv
# of its own under the tools dir, on the machine's Java (17, as AWS Glue 5.1 runs).
#
#   spark.sh ensure   create or update the venv (a no-op when up to date)
#   spark.sh python   ensure, then print the venv's python (which imports pyspark)
#
# Environment: SDLF_TOOLS_DIR (default <repo>/.tools), SDLF_PYTHON (default python3).
set -euo pipefail

SUPPORT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SUPPORT_DIR/../.." && pwd)
REQUIREMENTS="$SUPPORT_DIR/spark-requirements.txt"
TOOLS_DIR=${SDLF_TOOLS_DIR:-$REPO_ROOT/.tools}
PYTHON=${SDLF_PYTHON:-python3}
mkdir -p "$TOOLS_DIR"
TOOLS_DIR=$(cd "$TOOLS_DIR" && pwd)
VENV="$TOOLS_DIR/spark-venv"
STAMP="$VENV/.sdlf-requirements.stamp"
LOG="$TOOLS_DIR/spark-install.log"

die() {
    printf 'spark.sh: error: %s\n' "$*" >&2
    exit 1
}

expected_stamp() {
    printf 'requirements-sha256 %s\nvenv %s\n' "$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)" "$VENV"
}

up_to_date() {
    [[ -f "$STAMP" && "$(cat "$STAMP")" == "$(expected_stamp)" ]] && "$VENV/bin/python" -c '' 2>/dev/null
}

check_java() {
    command -v java >/dev/null 2>&1 || die "no java on PATH: Spark 3.5 needs Java 17 (Debian: apt-get install openjdk-17-jre-headless)"
    local version
    version=$(java -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')
    [[ ${version%%.*} -ge 17 ]] || die "java is $version; Spark 3.5 as Glue 5.1 runs it needs Java 17"
}

ensure() {
    check_java
    up_to_date && return 0
    exec 9>"$TOOLS_DIR/.spark.lock"
    flock -w 900 9 || die "timed out waiting for $TOOLS_DIR/.spark.lock"
    up_to_date && return 0
    local start=$SECONDS
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" >"$LOG" 2>&1 || die "'$PYTHON -m venv $VENV' failed; log: $LOG"
    if ! PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install --no-input \
        --progress-bar off --no-compile --require-hashes -r "$REQUIREMENTS" >>"$LOG" 2>&1; then
        tail -n 30 "$LOG" >&2
        die "pip install -r $REQUIREMENTS failed; log: $LOG"
    fi
    expected_stamp >"$STAMP"
    echo "spark: installed PySpark into $VENV in $((SECONDS - start)) s (log: $LOG)" >&2
}

case ${1:-} in
    ensure) ensure ;;
    python) ensure && printf '%s\n' "$VENV/bin/python" ;;
    *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
