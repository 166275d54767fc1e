#!/usr/bin/env bash
# Python-packaged test tools (cfn-lint, MiniStack, cargo-lambda, zig, moto) in a
# private virtualenv, pinned and hashed by tests/support/requirements.txt.
#
#   tools.sh ensure       create or update the venv (fast no-op when up to date)
#   tools.sh env          ensure, then print `export ...` lines for eval (venv bin first on PATH)
#   tools.sh path NAME    ensure, then print the absolute path of tool NAME (cfn-lint, ministack, ...)
#   tools.sh lock [ARG..] regenerate requirements.txt from requirements.in with pip-compile
#                         (in a throwaway venv); existing pins are kept unless ARGs such as
#                         --upgrade or --upgrade-package NAME say otherwise
#
# Environment:
#   SDLF_TOOLS_DIR  where the venv lives (default: <repo>/.tools); the venv is $SDLF_TOOLS_DIR/venv
#   SDLF_PYTHON     interpreter used to create the venv (default: python3)
#
# The venv is rebuilt in place when requirements.txt changes (its sha256 is kept in a
# stamp file inside the venv) and recreated from scratch when it was moved or its
# interpreter no longer runs. Concurrent callers serialise on a flock in the tools dir.
# Progress goes to stderr; stdout carries only what `env` and `path` print.
set -euo pipefail

SUPPORT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SUPPORT_DIR/../.." && pwd)
REQUIREMENTS="$SUPPORT_DIR/requirements.txt"
# The pip-tools that `lock` runs: pinned so a regenerated file differs only by what changed.
PIP_TOOLS_VERSION=7.6.2
TOOLS_DIR=${SDLF_TOOLS_DIR:-$REPO_ROOT/.tools}
PYTHON=${SDLF_PYTHON:-python3}

die() {
    printf 'tools.sh: error: %s\n' "$*" >&2
    exit 1
}

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2
    exit "${1:-2}"
}

# Make TOOLS_DIR absolute so the paths we print and record stay valid from any cwd.
mkdir -p "$TOOLS_DIR" || die "cannot create tools dir $TOOLS_DIR"
TOOLS_DIR=$(cd "$TOOLS_DIR" && pwd)
VENV="$TOOLS_DIR/venv"
STAMP="$VENV/.sdlf-requirements.stamp"
LOCK="$TOOLS_DIR/.tools.lock"
PIP_LOG="$TOOLS_DIR/pip-install.log"

# What the stamp must hold for the venv to count as up to date.
expected_stamp() {
    local sum
    sum=$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)
    printf 'requirements-sha256 %s\nvenv %s\n' "$sum" "$VENV"
}

venv_python_works() {
    [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c '' >/dev/null 2>&1
}

up_to_date() {
    [[ -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$(expected_stamp)" ]] && venv_python_works
}

check_python() {
    command -v "$PYTHON" >/dev/null 2>&1 ||
        die "'$PYTHON' not found. Install Python 3 (Debian: apt-get install python3 python3-venv python3-pip) or set SDLF_PYTHON."
    "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null ||
        die "$PYTHON is $("$PYTHON" -V 2>&1); Python >= 3.10 is needed. Install a newer python3 or set SDLF_PYTHON."
    "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 ||
        die "$PYTHON cannot create virtualenvs (module venv/ensurepip missing). Debian: apt-get install python3-venv"
}

install_venv() {
    local recreate=$1
    check_python
    : >"$PIP_LOG"
    if [[ $recreate == yes ]]; then
        rm -rf "$VENV"
        "$PYTHON" -m venv "$VENV" >>"$PIP_LOG" 2>&1 || {
            tail -n 20 "$PIP_LOG" >&2
            die "'$PYTHON -m venv $VENV' failed (Debian: apt-get install python3-venv); log: $PIP_LOG"
        }
    fi
    "$VENV/bin/python" -m pip --version >/dev/null 2>&1 ||
        die "pip is missing in $VENV. Debian: apt-get install python3-venv python3-pip, then delete $VENV"

    # --no-compile: byte-compiling all ~70 packages (sympy, moto, botocore...) costs ~20 s
    # of CPU; Python compiles the few modules the tools really import on first use.
    # --require-hashes: every file pip downloads must match a hash in requirements.txt.
    if ! PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
        "$VENV/bin/python" -m pip install --no-input --progress-bar off --no-compile \
        --require-hashes -r "$REQUIREMENTS" >>"$PIP_LOG" 2>&1; then
        tail -n 30 "$PIP_LOG" >&2
        die "pip install --require-hashes -r $REQUIREMENTS failed (a hash mismatch or an unpinned package means requirements.txt is stale: run 'tests/support/tools.sh lock'); full log: $PIP_LOG"
    fi
    expected_stamp >"$STAMP.tmp"
    mv -f "$STAMP.tmp" "$STAMP"
}

ensure() {
    # Fast path without the lock: nothing to do.
    if up_to_date; then
        [[ ${1:-} == quiet ]] || echo "tools: up to date ($VENV)" >&2
        return 0
    fi
    exec 9>"$LOCK"
    if ! flock -n 9; then
        echo "tools: waiting for another tools.sh to finish ($LOCK)" >&2
        flock -w 900 9 || die "timed out after 900 s waiting for the lock $LOCK"
    fi
    # Another process may have finished the job while we waited.
    if up_to_date; then
        exec 9>&-
        [[ ${1:-} == quiet ]] || echo "tools: up to date ($VENV)" >&2
        return 0
    fi
    local start recreate=yes
    start=$(date +%s)
    # Keep an existing, working venv at its original place and just re-run pip on it;
    # a moved venv (absolute paths baked into its scripts) or a dead interpreter is rebuilt.
    if venv_python_works && [[ -f "$STAMP" ]] && grep -qxF "venv $VENV" "$STAMP"; then
        recreate=no
    fi
    install_venv "$recreate"
    exec 9>&-
    echo "tools: installed ${REQUIREMENTS#"$REPO_ROOT"/} into $VENV in $(($(date +%s) - start)) s (log: $PIP_LOG)" >&2
}

print_env() {
    ensure quiet
    # Drop earlier copies of the venv's bin so repeated evals don't grow PATH.
    local rest=":$PATH:"
    while [[ $rest == *":$VENV/bin:"* ]]; do
        rest=${rest//":$VENV/bin:"/:}
    done
    rest=${rest#:}
    rest=${rest%:}
    printf 'export PATH=%q\n' "$VENV/bin${rest:+:$rest}"
    printf 'export SDLF_TOOLS_VENV=%q\n' "$VENV"
}

tool_path() {
    local name=${1:-}
    [[ -n $name ]] || die "usage: tools.sh path NAME"
    [[ $name != */* ]] || die "tool name must not contain '/': $name"
    ensure quiet
    if [[ -x "$VENV/bin/$name" && ! -d "$VENV/bin/$name" ]]; then
        printf '%s\n' "$VENV/bin/$name"
        return 0
    fi
    die "no tool '$name' in $VENV/bin (known: cfn-lint, ministack, cargo-lambda, moto_server, python)"
}

# requirements.in -> requirements.txt with every transitive dependency pinned and hashed.
lock_requirements() {
    check_python
    local tmp before
    before=$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/sdlf-pip-tools.XXXXXX")
    # shellcheck disable=SC2064 # expand now: $tmp is local
    trap "rm -rf '$tmp'" EXIT
    "$PYTHON" -m venv "$tmp/venv" || die "'$PYTHON -m venv' failed (Debian: apt-get install python3-venv)"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$tmp/venv/bin/python" -m pip install --quiet --no-input \
        "pip-tools==$PIP_TOOLS_VERSION" || die "cannot install pip-tools==$PIP_TOOLS_VERSION"
    # --allow-unsafe: pin pip/setuptools too if anything needs them (hash mode refuses
    # unpinned ones); --strip-extras: hash mode wants plain names, the extras' packages
    # are listed anyway; --no-emit-*: a machine's index or wheel-dir setting stays there.
    # CUSTOM_COMPILE_COMMAND: what the generated header names as the way to regenerate.
    (cd "$SUPPORT_DIR" && CUSTOM_COMPILE_COMMAND="tests/support/tools.sh lock" \
        "$tmp/venv/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
        --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
        --output-file requirements.txt "$@" requirements.in) ||
        die "pip-compile failed; requirements.txt is unchanged or partly written, see above"
    if [[ $(sha256sum "$REQUIREMENTS" | cut -d' ' -f1) == "$before" ]]; then
        echo "tools: ${REQUIREMENTS#"$REPO_ROOT"/} is unchanged" >&2
    else
        echo "tools: wrote ${REQUIREMENTS#"$REPO_ROOT"/}; the next 'tools.sh ensure' reinstalls" >&2
    fi
}

cmd=${1:-}
[[ $# -gt 0 ]] && shift
case $cmd in
ensure) [[ $# -eq 0 ]] || usage; ensure ;;
env) [[ $# -eq 0 ]] || usage; print_env ;;
path) [[ $# -eq 1 ]] || usage; tool_path "$1" ;;
lock) lock_requirements "$@" ;;
-h | --help | help) usage 0 ;;
*) usage ;;
esac
