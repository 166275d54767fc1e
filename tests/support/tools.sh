#!/usr/bin/env bash
# Python-packaged test tools in private virtualenvs, pinned and hashed:
#
#   $SDLF_TOOLS_DIR/venv          requirements.txt          cfn-lint, MiniStack, cargo-lambda, zig, moto
#   $SDLF_TOOLS_DIR/checkov-venv  checkov-requirements.txt  checkov
#
# checkov has a venv of its own because its pins cannot share one with MiniStack's: checkov
# 3.3 pins boto3 1.35 (botocore < 1.36), MiniStack pins botocore 1.43 exactly.
#
#   tools.sh ensure       create or update both venvs (fast no-op when up to date)
#   tools.sh env          ensure the main venv, then print `export ...` lines for eval (its bin first on PATH)
#   tools.sh path NAME    ensure the venv of tool NAME, then print its absolute path (cfn-lint, ministack, checkov, ...)
#   tools.sh lock [ARG..] regenerate requirements.txt and checkov-requirements.txt from their .in files
#                         with pip-compile (in a throwaway venv); existing pins are kept unless ARGs
#                         such as --upgrade or --upgrade-package NAME say otherwise
#
# Environment:
#   SDLF_TOOLS_DIR  where the venvs live (default: <repo>/.tools)
#   SDLF_PYTHON     interpreter used to create the venvs (default: python3)
#
# A venv is rebuilt in place when its requirements file changes (its sha256 is kept in a
# stamp file inside the venv) and recreated from scratch when it was moved or its
# interpreter no longer runs. Concurrent callers serialise on a flock in the tools dir.
# Progress goes to stderr; stdout carries only what `env` and `path` print.
set -euo pipefail

SUPPORT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SUPPORT_DIR/../.." && pwd)
# The pip-tools that `lock` runs: pinned so a regenerated file differs only by what changed.
PIP_TOOLS_VERSION=7.6.2
TOOLS_DIR=${SDLF_TOOLS_DIR:-$REPO_ROOT/.tools}
PYTHON=${SDLF_PYTHON:-python3}
# The venvs, by name: each is $TOOLS_DIR/<dir> installed from tests/support/<requirements>.
VENV_NAMES=(main checkov)

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
LOCK="$TOOLS_DIR/.tools.lock"

# venv_dir NAME / requirements_of NAME / pip_log NAME: where a named venv lives, what it installs.
venv_dir() {
    case $1 in
    main) printf '%s\n' "$TOOLS_DIR/venv" ;;
    *) printf '%s\n' "$TOOLS_DIR/$1-venv" ;;
    esac
}
requirements_of() {
    case $1 in
    main) printf '%s\n' "$SUPPORT_DIR/requirements.txt" ;;
    *) printf '%s\n' "$SUPPORT_DIR/$1-requirements.txt" ;;
    esac
}
pip_log() {
    case $1 in
    main) printf '%s\n' "$TOOLS_DIR/pip-install.log" ;;
    *) printf '%s\n' "$TOOLS_DIR/pip-install-$1.log" ;;
    esac
}
VENV=$(venv_dir main)

# What the stamp of venv NAME must hold for it to count as up to date.
expected_stamp() {
    local sum
    sum=$(sha256sum "$(requirements_of "$1")" | cut -d' ' -f1)
    printf 'requirements-sha256 %s\nvenv %s\n' "$sum" "$(venv_dir "$1")"
}

venv_python_works() {
    local venv
    venv=$(venv_dir "$1")
    [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c '' >/dev/null 2>&1
}

up_to_date() {
    local stamp
    stamp="$(venv_dir "$1")/.sdlf-requirements.stamp"
    [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$(expected_stamp "$1")" ]] && venv_python_works "$1"
}

# all_up_to_date NAME...: whether every named venv is up to date.
all_up_to_date() {
    local name
    for name in "$@"; do
        up_to_date "$name" || return 1
    done
}

check_python() {
    command -v "$PYTHON" >/dev/null 2>&1 ||
        die "'$PYTHON' not found. Install Python 3 (Debian: apt-get install python3 python3-venv python3-pip) or set SDLF_PYTHON."
    "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null ||
        die "$PYTHON is $("$PYTHON" -V 2>&1); Python >= 3.10 is needed. Install a newer python3 or set SDLF_PYTHON."
    "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 ||
        die "$PYTHON cannot create virtualenvs (module venv/ensurepip missing). Debian: apt-get install python3-venv"
}

# install_venv NAME: (re)creates venv NAME when needed and installs its requirements.
install_venv() {
    local name=$1 venv requirements log stamp recreate=yes
    venv=$(venv_dir "$name")
    requirements=$(requirements_of "$name")
    log=$(pip_log "$name")
    stamp="$venv/.sdlf-requirements.stamp"
    # Keep an existing, working venv at its original place and just re-run pip on it;
    # a moved venv (absolute paths baked into its scripts) or a dead interpreter is rebuilt.
    if venv_python_works "$name" && [[ -f "$stamp" ]] && grep -qxF "venv $venv" "$stamp"; then
        recreate=no
    fi
    check_python
    : >"$log"
    if [[ $recreate == yes ]]; then
        rm -rf "$venv"
        "$PYTHON" -m venv "$venv" >>"$log" 2>&1 || {
            tail -n 20 "$log" >&2
            die "'$PYTHON -m venv $venv' failed (Debian: apt-get install python3-venv); log: $log"
        }
    fi
    "$venv/bin/python" -m pip --version >/dev/null 2>&1 ||
        die "pip is missing in $venv. Debian: apt-get install python3-venv python3-pip, then delete $venv"

    # --no-compile: byte-compiling all ~70 packages (sympy, moto, botocore...) costs ~20 s
    # of CPU; Python compiles the few modules the tools really import on first use.
    # --require-hashes: every file pip downloads must match a hash in the requirements file.
    if ! PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
        "$venv/bin/python" -m pip install --no-input --progress-bar off --no-compile \
        --require-hashes -r "$requirements" >>"$log" 2>&1; then
        tail -n 30 "$log" >&2
        die "pip install --require-hashes -r $requirements failed (a hash mismatch or an unpinned package means it is stale: run 'tests/support/tools.sh lock'); full log: $log"
    fi
    expected_stamp "$name" >"$stamp.tmp"
    mv -f "$stamp.tmp" "$stamp"
}

# ensure [quiet] [NAME...]: installs the named venvs (default: all) where they are stale. A
# caller that needs one tool gets its venv only: `sdlf local`'s first run needs MiniStack,
# not checkov (41 s of pip).
ensure() {
    local quiet=no
    if [[ ${1:-} == quiet ]]; then
        quiet=yes
        shift
    fi
    local names=("$@")
    ((${#names[@]})) || names=("${VENV_NAMES[@]}")
    # Fast path without the lock: nothing to do.
    if all_up_to_date "${names[@]}"; then
        [[ $quiet == yes ]] || echo "tools: up to date ($TOOLS_DIR)" >&2
        return 0
    fi
    exec 9>"$LOCK"
    if ! flock -n 9; then
        echo "tools: waiting for another tools.sh to finish ($LOCK)" >&2
        flock -w 900 9 || die "timed out after 900 s waiting for the lock $LOCK"
    fi
    local name start
    # Another process may have finished the job while we waited: only what is stale is installed.
    for name in "${names[@]}"; do
        up_to_date "$name" && continue
        start=$(date +%s)
        install_venv "$name"
        echo "tools: installed ${SUPPORT_DIR#"$REPO_ROOT"/}/$(basename "$(requirements_of "$name")") into $(venv_dir "$name") in $(($(date +%s) - start)) s (log: $(pip_log "$name"))" >&2
    done
    exec 9>&-
    [[ $quiet == yes ]] || echo "tools: up to date ($TOOLS_DIR)" >&2
}

print_env() {
    ensure quiet main
    # Drop earlier copies of the venv's bin so repeated evals don't grow PATH. Only the main
    # venv goes on PATH: the checkov venv's Python packages are older than the main one's.
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
    local name=${1:-} venv_name=main candidate bin
    [[ -n $name ]] || die "usage: tools.sh path NAME"
    [[ $name != */* ]] || die "tool name must not contain '/': $name"
    # A tool of its own venv by that venv's name (checkov), any other from the main venv.
    for candidate in "${VENV_NAMES[@]}"; do
        if [[ $candidate == "$name" ]]; then
            venv_name=$candidate
        fi
    done
    ensure quiet "$venv_name"
    bin="$(venv_dir "$venv_name")/bin/$name"
    if [[ -x "$bin" && ! -d "$bin" ]]; then
        printf '%s\n' "$bin"
        return 0
    fi
    die "no tool '$name' in $(venv_dir "$venv_name")/bin (known: cfn-lint, ministack, cargo-lambda, moto_server, python, checkov)"
}

# Each <x>.in -> <x>.txt with every transitive dependency pinned and hashed.
lock_requirements() {
    check_python
    local tmp name txt before
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/sdlf-pip-tools.XXXXXX")
    # shellcheck disable=SC2064 # expand now: $tmp is local
    trap "rm -rf '$tmp'" EXIT
    "$PYTHON" -m venv "$tmp/venv" || die "'$PYTHON -m venv' failed (Debian: apt-get install python3-venv)"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$tmp/venv/bin/python" -m pip install --quiet --no-input \
        "pip-tools==$PIP_TOOLS_VERSION" || die "cannot install pip-tools==$PIP_TOOLS_VERSION"
    for name in "${VENV_NAMES[@]}"; do
        txt=$(basename "$(requirements_of "$name")")
        before=$(sha256sum "$SUPPORT_DIR/$txt" 2>/dev/null | cut -d' ' -f1 || true)
        # --allow-unsafe: pin pip/setuptools too if anything needs them (hash mode refuses
        # unpinned ones); --strip-extras: hash mode wants plain names, the extras' packages
        # are listed anyway; --no-emit-*: a machine's index or wheel-dir setting stays there.
        # CUSTOM_COMPILE_COMMAND: what the generated header names as the way to regenerate.
        (cd "$SUPPORT_DIR" && CUSTOM_COMPILE_COMMAND="tests/support/tools.sh lock" \
            "$tmp/venv/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
            --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
            --output-file "$txt" "$@" "${txt%.txt}.in") ||
            die "pip-compile of ${txt%.txt}.in failed; $txt is unchanged or partly written, see above"
        if [[ $(sha256sum "$SUPPORT_DIR/$txt" | cut -d' ' -f1) == "$before" ]]; then
            echo "tools: tests/support/$txt is unchanged" >&2
        else
            echo "tools: wrote tests/support/$txt; the next 'tools.sh ensure' reinstalls" >&2
        fi
    done
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
