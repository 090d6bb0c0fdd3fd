#!/usr/bin/env bash
# make bench: criterion CPU benchmarks, AWS requests per inbound message and per API call (against a
# private moto), agent API CPU per call, sender throughput (moto, and dynalite when npm is present),
# then the stripped release size of every function.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"

echo "==> criterion: webhook intake, ingest parsing, an automation rule walk, a keyword bot pick"
cargo bench -p webhook --bench webhook_intake -- --warm-up-time 1 --measurement-time 4
cargo bench -p ingest --bench ingest_parse -- --warm-up-time 1 --measurement-time 4
cargo bench -p automation --bench rule_walk -- --warm-up-time 1 --measurement-time 4
cargo bench -p automation --bench keyword_match -- --warm-up-time 1 --measurement-time 4

mkdir -p target
dynalite_pid=""
stop_all() {
  [ -n "$dynalite_pid" ] && kill "$dynalite_pid" 2>/dev/null || true
  stop_moto
}
trap stop_all EXIT
port="$(free_port)"
# The capacity meter (infra/dynamodb_meter.py) logs each DynamoDB request's billable units here.
export MOTO_METER_FILEPATH="$root/target/moto-bench.meter"
: >"$MOTO_METER_FILEPATH"
start_moto "$port" target/moto-bench.log
use_local_aws "$port"
echo "==> the money table: requests, capacity units and \$ per inbound message, status, send, campaign recipient, live update, webhook delivery"
RUST_LOG=error cargo bench -p integration-tests --bench unit_costs
# The other benchmarks measure time: a moto without the meter's extra reads.
stop_moto
unset MOTO_METER_FILEPATH
start_moto "$port" target/moto-bench.log

# dynalite (pinned in infra/bench/package-lock.json) serves the sender's DynamoDB requests faster
# than moto can, for the send-rate figures; skipped when npm is not installed.
if command -v npm >/dev/null; then
  [ -d infra/bench/node_modules/dynalite ] || npm ci --prefix infra/bench --silent --no-audit --no-fund
  dynalite_port="$(free_port)"
  node infra/bench/node_modules/dynalite/cli.js --port "$dynalite_port" >target/dynalite-bench.log 2>&1 &
  dynalite_pid=$!
  export DYNALITE_URL="http://127.0.0.1:$dynalite_port"
  sleep 1
fi
echo "==> campaign fan-out: expansion, SQS and DynamoDB requests per recipient, sends and statuses"
# moto's Query reads a whole partition, so a tag of 100,000 takes long here; the per-recipient
# figures are per page and do not depend on the size (CAMPAIGN_BENCH_RECIPIENTS=100000 to see).
CAMPAIGN_BENCH_RECIPIENTS="${CAMPAIGN_BENCH_RECIPIENTS:-10000}" RUST_LOG=error \
  cargo bench -p integration-tests --bench campaign_fanout
echo "==> agent API requests and CPU per call, sender throughput"
echo "==> sla-checks runs: requests and read units with 10,000 open conversations, 100 due"
RUST_LOG=error cargo bench -p integration-tests --bench sla_checks
RUST_LOG=error cargo bench -p integration-tests --bench api_and_sender
echo "==> notifier: DynamoDB reads and PostToConnection calls per event, 50 connected agents"
RUST_LOG=error cargo bench -p integration-tests --bench notifier
echo "==> outgoing webhooks: 10,000 events to 3 endpoints, one down for a simulated 24 h (receivers verify with standardwebhooks)"
RUST_LOG=error cargo bench -p integration-tests --bench webhook_outage
echo "==> scheduled-sends: the heap one run holds with 100 and with 5,000 messages due in one minute"
RUST_LOG=error cargo bench -p integration-tests --bench scheduled_backlog
stop_all

echo "==> the local DynamoDB under load (inbound-shaped transactions; its own moto)"
"$venv/bin/python" infra/bench/moto_transactions.py --messages "${MOTO_BENCH_MESSAGES:-10000}"

echo "==> the keyword bot: a signed webhook to the bot's reply queued, p50 / p95 over 1,000 customers (devstack)"
"$root/infra/scripts/bot-latency.sh"

echo "==> the agents' page: transfer size and time to the first conversation list (Chromium, devstack)"
"$root/infra/scripts/browser-tests.sh" bench

"$root/infra/scripts/binary-sizes.sh"
