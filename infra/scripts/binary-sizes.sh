#!/usr/bin/env bash
# Size of every function's stripped release binary (the Lambda profile of Cargo.toml).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
functions=$(ls functions)
cargo build --release $(for f in $functions; do printf -- '-p %s ' "$f"; done) >&2
printf '%-20s %12s\n' function bytes
for f in $functions; do
  printf '%-20s %12s\n' "$f" "$(stat -c %s "target/release/$f")"
done
