#!/usr/bin/env bash
# The keyword bot's latency on a devstack of its own over a private moto: each of
# BOT_LATENCY_CUSTOMERS (default 1,000) customers says a scenario's keyword through the signed
# webhook; p50 / p95 from the POST to the bot's reply stored. Called by make bench.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"

out_dir="target/bot-latency"
rm -rf "$out_dir"
mkdir -p "$out_dir"
trap stop_devstack_and_moto EXIT
moto_port="$(free_port)"
start_moto "$moto_port" "$out_dir/moto.log"
use_local_aws "$moto_port"
http_port="$(free_port)"
GRAPH_PORT="$(free_port)"
WS_PORT="$(free_port)"
export GRAPH_PORT WS_PORT
start_devstack "$out_dir" botlatency "$http_port"
# Locally each queue has one poller (Lambda runs many consumers): the rate stays where one poller
# per function keeps up, so the figure is the path's latency, not a local queue's backlog.
"$venv/bin/python" infra/bench/bot_latency.py --dev-dir "$out_dir" \
  --customers "${BOT_LATENCY_CUSTOMERS:-1000}" --rate "${BOT_LATENCY_RATE:-2}" --timeout 120
