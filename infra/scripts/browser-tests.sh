#!/usr/bin/env bash
# The agents' page in headless Debian Chromium (playwright-core) with axe-core, against a devstack
# of its own on a private moto (self-registration on, for a second organization). Screenshots and
# the devstack log land in target/browser/. Called by make test; `browser-tests.sh bench` measures
# the page instead (make bench).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"

"$root/infra/scripts/debian-packages.sh"
browser_dir="$root/tests/browser"
stamp="$browser_dir/node_modules/.installed-$(sha256sum "$browser_dir/package-lock.json" | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "==> npm ci (tests/browser)"
  (cd "$browser_dir" && npm ci --no-audit --no-fund --silent)
  touch "$stamp"
fi

out_dir="target/browser"
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
start_devstack "$out_dir" browser "$http_port" --parameter SelfRegistration=enabled

export DEMO_JSON="$root/$out_dir/demo.json" SCREENSHOTS="$root/$out_dir"
if [ "${1:-}" = "bench" ]; then
  node "$browser_dir/page-bench.js"
elif ! node --test --test-concurrency=1 --test-reporter=spec "$browser_dir/inbox.test.js"; then
  # CI keeps only what is printed: the system's side of a failure.
  echo "==> the last lines of devstack's log ($out_dir/devstack.log)" >&2
  tail -60 "$out_dir/devstack.log" >&2
  exit 1
fi
