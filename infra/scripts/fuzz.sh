#!/usr/bin/env bash
# Fuzzes the code that reads what strangers send: the webhook's signature and handshake checks,
# Meta's notification parser and the API's request decoding. Outside the workspace's default build.
#   make fuzz                      every target for FUZZ_SECONDS (300) each
#   make fuzz TARGETS=api_request_decoding FUZZ_SECONDS=60
set -euo pipefail
cd "$(dirname "$0")/../.."
CARGO_FUZZ_VERSION=0.13.1
TOOLS="$PWD/.dev/tools"
if ! "$TOOLS/bin/cargo-fuzz" --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  echo "==> installing cargo-fuzz $CARGO_FUZZ_VERSION into .dev/tools"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$TOOLS"
fi
# libFuzzer's instrumentation needs nightly's -Z flags.
TOOLCHAIN="${FUZZ_TOOLCHAIN:-nightly}"
seconds="${FUZZ_SECONDS:-300}"
targets="${TARGETS:-webhook_intake notification_parser api_request_decoding}"
mkdir -p fuzz/corpus/notification_parser
cp -n events/meta/*.json fuzz/corpus/notification_parser/ 2>/dev/null || true
for target in $targets; do
  mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
  echo "==> $target for ${seconds}s"
  PATH="$TOOLS/bin:$PATH" cargo "+$TOOLCHAIN" fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 2>&1 | tee "fuzz/artifacts/$target/last-run.log" | grep -E "^(#[0-9]+ +DONE|stat::|==[0-9]+==|SUMMARY|Done)" || true
done
