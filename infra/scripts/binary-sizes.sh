#!/usr/bin/env bash
# Size of every function's stripped release binary (the Lambda profile of Cargo.toml).
# Each function builds on its own (`-p`), as `sam build` builds it: cargo unifies the features of
# the packages of one build, so building them together would link every function with every
# client the others enable.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-target}"
functions=$(ls functions)
for f in $functions; do
  cargo build --release -p "$f" >&2
  cp "$target/release/$f" "$target/release/$f.sized"
done
printf '%-20s %12s\n' function bytes
for f in $functions; do
  printf '%-20s %12s\n' "$f" "$(stat -c %s "$target/release/$f.sized")"
done
