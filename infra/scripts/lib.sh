# Shared by dev.sh and test.sh: start and stop a moto server on loopback.
# shellcheck shell=bash

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/.venv"

free_port() {
  "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_until NAME PID LOG SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds; fails
# with the tail of LOG if process PID exits first, or after SECONDS.
wait_until() {
  local name="$1" pid="$2" log="$3" seconds="$4"
  shift 4
  for _ in $(seq 1 $((seconds * 5))); do
    "$@" 2>/dev/null && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name exited; its log ($log):" >&2
      tail -20 "$log" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "$name was not ready within $seconds s; its log: $log" >&2
  return 1
}

moto_answers() {
  "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$1/moto-api/data.json', timeout=1)"
}

# start_moto PORT LOGFILE: starts moto in the background, sets moto_pid, waits until it answers.
start_moto() {
  local port="$1" log="$2"
  # The request recorder (used by the request-count benchmark) writes next to the log, not into the tree.
  # infra/moto_server.py is moto_server with DynamoDB operations isolated, as the real service's are.
  MOTO_RECORDER_FILEPATH="$log.recording" "$venv/bin/python" "$root/infra/moto_server.py" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  moto_pid=$!
  wait_until "moto server on port $port" "$moto_pid" "$log" 20 moto_answers "$port"
}

stop_moto() {
  if [ -n "${moto_pid:-}" ] && kill -0 "$moto_pid" 2>/dev/null; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  moto_pid=""
}

use_local_aws() {
  export AWS_ENDPOINT_URL="http://127.0.0.1:$1"
  export AWS_REGION="${AWS_REGION:-us-east-1}"
  export AWS_DEFAULT_REGION="$AWS_REGION"
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
  unset AWS_PROFILE AWS_SESSION_TOKEN
}

# start_devstack DIR STACK PORT [devstack up args...]: the local system on a private moto (already
# started and in the environment), state and log in DIR; sets devstack_pid, waits for DIR/demo.json.
start_devstack() {
  local dir="$1" stack="$2" port="$3"
  shift 3
  # make test's build phase made the binary (`cargo test` builds it for devstack's own test, with
  # the test build's features); a `cargo build` here would resolve other features and rebuild
  # shared and every function (a minute and a half on a fresh clone).
  [ -n "${DEVSTACK_BUILT:-}" ] || cargo build -q --workspace --bin devstack
  "${CARGO_TARGET_DIR:-target}/debug/devstack" --dev-dir "$dir" up --stack "$stack" --port "$port" "$@" >"$dir/devstack.log" 2>&1 &
  devstack_pid=$!
  wait_until devstack "$devstack_pid" "$dir/devstack.log" 30 test -s "$dir/demo.json"
}

# Stops what start_devstack and start_moto started.
stop_devstack_and_moto() {
  if [ -n "${devstack_pid:-}" ] && kill -0 "$devstack_pid" 2>/dev/null; then
    kill -TERM "$devstack_pid" 2>/dev/null || true
    wait "$devstack_pid" 2>/dev/null || true
  fi
  devstack_pid=""
  stop_moto
}
