#!/usr/bin/env bash
# make bench: criterion CPU benchmarks, AWS requests per inbound message (against a private moto),
# then the stripped release size of every function.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"

echo "==> criterion: webhook intake and ingest parsing"
cargo bench -p webhook --bench webhook_intake -- --warm-up-time 1 --measurement-time 4
cargo bench -p ingest --bench ingest_parse -- --warm-up-time 1 --measurement-time 4

mkdir -p target
trap stop_moto EXIT
port="$(free_port)"
start_moto "$port" target/moto-bench.log
use_local_aws "$port"
echo "==> AWS requests per inbound message (moto request recorder)"
cargo bench -p integration-tests --bench ingest_requests
stop_moto

"$root/infra/scripts/binary-sizes.sh"
