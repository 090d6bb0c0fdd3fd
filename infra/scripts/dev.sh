#!/usr/bin/env bash
# make dev: moto + the whole system in the foreground. Ctrl-C (or SIGTERM) stops all of it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"

moto_port="${MOTO_PORT:-4566}"
http_port="${HTTP_PORT:-3000}"
mkdir -p .dev

echo "==> building (first time: a few minutes)"
cargo build -q --workspace --bin devstack

devstack_pid=""
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$devstack_pid" ] && kill -0 "$devstack_pid" 2>/dev/null; then
    kill -TERM "$devstack_pid" 2>/dev/null || true
    wait "$devstack_pid" 2>/dev/null || true
  fi
  stop_moto
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "==> starting moto on 127.0.0.1:$moto_port (log: .dev/moto.log)"
if ! start_moto "$moto_port" .dev/moto.log; then
  echo "set MOTO_PORT to use another port" >&2
  exit 1
fi
use_local_aws "$moto_port"

# In the background so this script stays free to handle signals; `wait` returns on one.
# Local receivers (infra/webhook_receiver.py) listen on loopback over plain http.
"${CARGO_TARGET_DIR:-target}/debug/devstack" up --port "$http_port" --parameter WebhooksAllowLoopback=true "$@" &
devstack_pid=$!
wait "$devstack_pid"
