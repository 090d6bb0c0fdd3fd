#!/usr/bin/env bash
# make test: every test against a private moto on a free port, then the template lint.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"

mkdir -p target
trap stop_moto EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Each phase's wall time, printed as it ends and again at the end (the figures to keep low).
started_at=$SECONDS
phase_started=$SECONDS
phase_name=""
timings=""
phase() {
  if [ -n "$phase_name" ]; then
    local took=$((SECONDS - phase_started))
    echo "    ($phase_name: ${took} s)"
    timings+="$(printf '  %-28s %4d s' "$phase_name" "$took")"$'\n'
  fi
  phase_name="$1"
  phase_started=$SECONDS
  [ -n "$phase_name" ] && echo "==> $phase_name"
  return 0
}
summary() {
  phase ""
  echo "==> make test: phases"
  printf '%s' "$timings"
  printf '  %-28s %4d s\n' "total" "$((SECONDS - started_at))"
}

port="$(free_port)"
echo "==> moto on 127.0.0.1:$port"
start_moto "$port" target/moto-test.log
use_local_aws "$port"

phase "cargo test"
cargo test --workspace --all-targets --no-fail-fast

# The API against its own OpenAPI document, on a stack of its own (its own moto and devstack).
phase "schemathesis"
"$root/infra/scripts/schemathesis.sh"

# The agents' page in headless Chromium, on a stack of its own.
phase "browser tests"
"$root/infra/scripts/browser-tests.sh"

phase "cfn-lint template.yaml"
"$venv/bin/cfn-lint" template.yaml
echo "template lint: clean"
summary
