#!/usr/bin/env python3
"""A local receiver for Switchboard's outgoing webhooks, verifying every delivery with the
independent `standardwebhooks` library (PyPI, pinned in infra/requirements.txt).

    .venv/bin/python infra/webhook_receiver.py --port 9000 --secret whsec_...

prints each delivery as it arrives (verified or not) and answers 204 (401 when the signature does
not verify). The tests and the bench drive it over HTTP as well:

    PUT  /_secrets   ["whsec_...", ...]   the secrets a delivery may be signed with
    PUT  /_script    [503, 503, 410]      answer the next deliveries with these statuses, then 204
    PUT  /_down      true|false           answer 503 to everything while true
    GET  /_deliveries                     every delivery so far: webhook-id, type, verified, answer

With `--port 0` it picks a free port; the first line it prints is `listening on <port>`.
"""

import argparse
import hmac
import json
import sys
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class State:
    def __init__(self, secrets):
        self.lock = threading.Lock()
        self.secrets = list(secrets)
        self.script = []
        self.down = False
        self.deliveries = []


def verified(secrets, body, headers, any_time):
    """The library's own check; with `any_time` (the bench's simulated clock) its signature check
    alone, as its `verify` also refuses timestamps five minutes away from this machine's clock."""
    for secret in secrets:
        webhook = Webhook(secret)
        try:
            if not any_time:
                webhook.verify(body, headers)
                return True
            stamp = datetime.fromtimestamp(int(headers.get("webhook-timestamp", "0")), tz=timezone.utc)
            expected = webhook.sign(headers.get("webhook-id", ""), stamp, body.decode()).split(",", 1)[1]
            for signature in (headers.get("webhook-signature") or "").split():
                version, _, value = signature.partition(",")
                if version == "v1" and hmac.compare_digest(value, expected):
                    return True
        except (WebhookVerificationError, ValueError):
            continue
    return False


def handler_for(state, quiet, any_time):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body=b""):
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def read_body(self):
            return self.rfile.read(int(self.headers.get("content-length") or 0))

        def do_GET(self):
            if self.path == "/_deliveries":
                with state.lock:
                    body = json.dumps(state.deliveries).encode()
                return self.answer(200, body)
            self.answer(404)

        def do_PUT(self):
            value = json.loads(self.read_body() or b"null")
            with state.lock:
                if self.path == "/_secrets":
                    state.secrets = list(value)
                elif self.path == "/_script":
                    state.script = list(value)
                elif self.path == "/_down":
                    state.down = bool(value)
                else:
                    return self.answer(404)
            self.answer(204)

        def do_POST(self):
            body = self.read_body()
            headers = {k.lower(): v for k, v in self.headers.items()}
            with state.lock:
                ok = verified(state.secrets, body, headers, any_time)
                if state.down:
                    status = 503
                elif state.script:
                    status = state.script.pop(0)
                else:
                    status = 204 if ok else 401
                try:
                    event_type = json.loads(body).get("type")
                except ValueError:
                    event_type = None
                state.deliveries.append({
                    "webhook_id": headers.get("webhook-id"),
                    "timestamp": headers.get("webhook-timestamp"),
                    "signatures": len((headers.get("webhook-signature") or "").split()),
                    "type": event_type,
                    "verified": ok,
                    "answered": status,
                })
            if not quiet:
                mark = "verified" if ok else "NOT VERIFIED"
                print(f"{event_type} {headers.get('webhook-id')} {mark} -> {status}", flush=True)
            # A 204 carries no body (one would corrupt the kept-alive connection's next answer).
            self.answer(status, b'{"received":true}' if status in (200, 201, 202) else b"")

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret", action="append", default=[], help="a whsec_ secret (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="do not print each delivery")
    parser.add_argument("--any-time", action="store_true", help="accept any webhook-timestamp (a simulated clock)")
    args = parser.parse_args()
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(State(args.secret), args.quiet, args.any_time))
    server.daemon_threads = True
    print(f"listening on {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
