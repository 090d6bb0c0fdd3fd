#!/usr/bin/env bash
# make test: every test against a private moto on a free port, then the template lint.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"

mkdir -p target
trap stop_moto EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port="$(free_port)"
echo "==> moto on 127.0.0.1:$port"
start_moto "$port" target/moto-test.log
use_local_aws "$port"

echo "==> cargo test"
cargo test --workspace --all-targets --no-fail-fast

# The API against its own OpenAPI document, on a stack of its own (its own moto and devstack).
echo "==> schemathesis"
"$root/infra/scripts/schemathesis.sh"

# The agents' page in headless Chromium, on a stack of its own.
echo "==> browser tests"
"$root/infra/scripts/browser-tests.sh"

echo "==> cfn-lint template.yaml"
"$venv/bin/cfn-lint" template.yaml
echo "template lint: clean"
