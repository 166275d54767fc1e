#!/usr/bin/env bash
# The project's test command (what CI runs): tests/run-all.sh, from any directory.
#
#   1. tools     install/refresh the pinned Python tools, checkov in its own venv (tests/support/tools.sh ensure)
#   2. fmt       cargo fmt --all -- --check
#      clippy    cargo clippy --workspace --all-targets --locked -- -D warnings
#   3. codegen   the generated CloudFormation types are up to date (sdlf-cfn-codegen generate --check)
#   4. test      cargo test --workspace --all-targets --locked
#   5. doctest   cargo test --workspace --doc --locked (--all-targets leaves doc tests out)
#
# Stops at the first failing step and names it. Exported for the tests:
#   PATH                   the tools venv's bin first (cfn-lint, ministack, cargo-lambda, zig via python3 -m ziglang, moto_server)
#   SDLF_CFN_LINT          absolute path of cfn-lint
#   SDLF_CHECKOV           absolute path of checkov (its own venv, not on PATH)
#   SDLF_MINISTACK_SCRIPT  absolute path of tests/support/ministack.sh; a test that needs
#                          MiniStack runs `$SDLF_MINISTACK_SCRIPT start --port 0` itself (and stops it)
#   SDLF_TOOLS_DIR         where the venv lives, so nested tools.sh calls share it
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SUPPORT="$ROOT/tests/support"

export SDLF_TOOLS_DIR=${SDLF_TOOLS_DIR:-$ROOT/.tools}
RUN_START=$SECONDS

# step NAME CMD...: print a header, run CMD, fail fast naming the step.
step() {
    local name=$1 start=$SECONDS rc=0
    shift
    printf '\n==> [%s] %s\n' "$name" "$*"
    "$@" || rc=$?
    if ((rc != 0)); then
        printf '\n==> FAILED: step [%s] (exit %d after %d s): %s\n' "$name" "$rc" $((SECONDS - start)) "$*" >&2
        exit "$rc"
    fi
    printf '==> [%s] ok (%d s)\n' "$name" $((SECONDS - start))
}

step tools "$SUPPORT/tools.sh" ensure
# Venv bin first on PATH for everything below (and for the tests cargo runs).
tools_env=$("$SUPPORT/tools.sh" env)
eval "$tools_env"
SDLF_CFN_LINT=$("$SUPPORT/tools.sh" path cfn-lint)
export SDLF_CFN_LINT
SDLF_CHECKOV=$("$SUPPORT/tools.sh" path checkov)
export SDLF_CHECKOV
export SDLF_MINISTACK_SCRIPT="$SUPPORT/ministack.sh"

step fmt cargo fmt --all -- --check
step clippy cargo clippy --workspace --all-targets --locked -- -D warnings
step codegen cargo run -q --locked -p sdlf-cfn-codegen -- generate --check
step test cargo test --workspace --all-targets --locked
step doctest cargo test --workspace --doc --locked

printf '\n==> all steps passed (%d s)\n' $((SECONDS - RUN_START))
