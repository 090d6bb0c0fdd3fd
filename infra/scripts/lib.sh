# Shared by dev.sh and test.sh: start and stop a moto server on loopback.
# shellcheck shell=bash

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/.venv"

free_port() {
  "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_moto PORT LOGFILE: starts moto in the background, sets moto_pid, waits until it answers.
start_moto() {
  local port="$1" log="$2"
  # The request recorder (used by the request-count benchmark) writes next to the log, not into the tree.
  # infra/moto_server.py is moto_server with DynamoDB operations isolated, as the real service's are.
  MOTO_RECORDER_FILEPATH="$log.recording" "$venv/bin/python" "$root/infra/moto_server.py" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  moto_pid=$!
  for _ in $(seq 1 100); do
    if "$venv/bin/python" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/data.json', timeout=1)" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$moto_pid" 2>/dev/null; then
      echo "moto server exited; its log ($log):" >&2
      tail -20 "$log" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "moto server did not answer on port $port within 20 s" >&2
  return 1
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
