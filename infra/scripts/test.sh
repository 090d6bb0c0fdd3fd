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

phase "cargo fmt --check"
cargo fmt --all --check

# A crate whose library is built without a test harness (`test = false`: fewer binaries to link)
# must not hold tests, or they would never run.
for toml in functions/*/Cargo.toml infra/*/Cargo.toml tests/Cargo.toml; do
  if awk '/^\[lib\]/{lib=1; next} /^\[/{lib=0} lib && /^test = false/{off=1} END{exit !off}' "$toml"; then
    dir="$(dirname "$toml")"
    if grep -rlE '#\[(tokio::)?test' "$dir" --include=*.rs | grep -vE '/(main\.rs|integration/|benches/)'; then
      echo "$toml: its library has tests but is built with test = false (they would not run)" >&2
      exit 1
    fi
  fi
done

# `--tests`: the targets with `test = true` (benches and thin mains are not linked here; clippy
# compiles the benches); explicit `--lib`/`--bins` would override `test = false`.
phase "cargo build (tests, devstack)"
cargo test --workspace --tests --no-run
export DEVSTACK_BUILT=1

# The tests (built above: cargo takes its lock only to see that) mostly wait on moto; clippy
# (check mode, every target, benches included) uses the other core meanwhile.
phase "cargo test + clippy"
cargo test --workspace --tests --no-fail-fast &
tests_pid=$!
sleep 2
clippy_ok=0
cargo clippy -q --workspace --all-targets -- -D warnings || clippy_ok=$?
tests_ok=0
wait "$tests_pid" || tests_ok=$?
[ "$clippy_ok" = 0 ] || echo "==> cargo clippy -D warnings failed (above)" >&2
[ "$tests_ok" = 0 ] || echo "==> cargo test failed (above)" >&2
if [ "$tests_ok" != 0 ] || [ "$clippy_ok" != 0 ]; then exit 1; fi

# The API against its own OpenAPI document, and the agents' page in headless Chromium: each on a
# stack of its own (its own moto and devstack), so they run at once; schemathesis's output is
# printed when it is done (all of it when it failed).
phase "schemathesis + browser tests"
"$root/infra/scripts/schemathesis.sh" >target/schemathesis.log 2>&1 &
schemathesis_pid=$!
browser_ok=0
"$root/infra/scripts/browser-tests.sh" || browser_ok=$?
schemathesis_ok=0
wait "$schemathesis_pid" || schemathesis_ok=$?
echo "==> schemathesis"
if [ "$schemathesis_ok" = 0 ]; then tail -n 25 target/schemathesis.log; else cat target/schemathesis.log; fi
[ "$browser_ok" = 0 ] || echo "==> browser tests failed (above)" >&2
[ "$schemathesis_ok" = 0 ] || echo "==> schemathesis failed (above)" >&2
if [ "$browser_ok" != 0 ] || [ "$schemathesis_ok" != 0 ]; then exit 1; fi

phase "cfn-lint template.yaml"
"$venv/bin/cfn-lint" template.yaml
echo "template lint: clean"
summary
