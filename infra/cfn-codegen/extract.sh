#!/usr/bin/env bash
# Refreshes infra/cfn-types/schemas/ from the pinned sources, then regenerates the types.
#
# Run by a developer when updating schemas or adding a type to the generator's list
# (infra/cfn-codegen/src/catalog.rs); CI never runs it (it checks src/generated/ against the
# committed schemas/ with `cargo run -p sdlf-cfn-codegen -- generate --check`).
#
# Sources, pinned here (bump a version, run this, review the diff of schemas/ and src/generated/):
#   - cfn-lint (PyPI), which ships the CloudFormation registry schemas of every region;
#   - @aws-cdk/aws-service-spec (npm): GetAtt attributes, statefulness, replacement flags.
set -euo pipefail

CFN_LINT_VERSION=1.58.0
SERVICE_SPEC_VERSION=0.1.216

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "cfn-lint $CFN_LINT_VERSION into $work/venv" >&2
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION"
schemas=$("$work/venv/bin/python" -c \
    'import os, cfnlint; print(os.path.join(os.path.dirname(cfnlint.__file__), "data", "schemas"))')

echo "@aws-cdk/aws-service-spec $SERVICE_SPEC_VERSION into $work" >&2
tarball=$(cd "$work" && npm pack --silent "@aws-cdk/aws-service-spec@$SERVICE_SPEC_VERSION")
tar -xzf "$work/$tarball" -C "$work" package/db.json.gz package/package.json

cd "$root"
cargo run --quiet -p sdlf-cfn-codegen -- extract \
    --cfn-lint-schemas "$schemas" \
    --service-spec "$work/package/db.json.gz"
cargo run --quiet -p sdlf-cfn-codegen -- generate
