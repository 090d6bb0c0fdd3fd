#!/usr/bin/env python3
"""Latency from a signed webhook to the keyword bot's reply queued, p50 / p95, over many customers,
on a running local system (`make dev`, or the private devstack `make bench` starts).

Each customer (a phone of their own) says the scenario's keyword once, through the demo number's
webhook, signed as Meta signs; the path crosses the webhook function, the ingest queue and
function, the bus, the automation queue and function, and the send path. A reply counts as queued
when its message is stored (`created_at` of the bot's outbound message, milliseconds), measured
from just before the webhook POST left. Python's standard library only.
"""

import argparse
import concurrent.futures
import datetime
import hashlib
import hmac
import json
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request

KEYWORD = "latency check"


def call(method, url, key=None, body=None, headers=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("content-type", "application/json")
    if key:
        request.add_header("authorization", f"Bearer {key}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            # The webhook answers plain text (EVENT_RECEIVED), the API JSON.
            return response.status, (json.loads(text) if text[:1] in (b"{", b"[") else text.decode())
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def webhook_body(demo, phone, wamid, text):
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": demo["waba_id"], "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": demo["display_phone_number"], "phone_number_id": demo["phone_number_id"]},
            "contacts": [{"profile": {"name": f"Customer {phone}"}, "wa_id": phone}],
            "messages": [{"from": phone, "id": wamid, "timestamp": str(int(time.time())), "type": "text", "text": {"body": text}}],
        }}]}]}).encode()


def post_signed(demo, body):
    signature = "sha256=" + hmac.new(demo["app_secret"].encode(), body, hashlib.sha256).hexdigest()
    status, answer = call("POST", demo["webhook_url"], body=body, headers={"x-hub-signature-256": signature})
    if status != 200:
        raise SystemExit(f"the webhook answered {status}: {answer}")


def bot_reply_ms(api, key, conversation_id):
    status, page = call("GET", f"{api}/conversations/{conversation_id}/messages?limit=10", key)
    if status != 200:
        return None
    for message in page["data"]:
        if message.get("origin") == "bot":
            created = datetime.datetime.fromisoformat(message["created_at"].replace("Z", "+00:00"))
            return created.timestamp() * 1000
    return None


def conversations_by_phone(api, key):
    found, cursor = {}, ""
    while True:
        status, page = call("GET", f"{api}/conversations?limit=100&cursor={cursor}", key)
        if status != 200:
            raise SystemExit(f"listing conversations answered {status}: {page}")
        for conversation in page["data"]:
            found[conversation.get("contact_phone")] = conversation["id"]
        cursor = page.get("next_cursor")
        if not cursor:
            return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-dir", default=".dev")
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20.0, help="webhooks per second")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for every reply")
    args = parser.parse_args()
    demo = json.load(open(f"{args.dev_dir}/demo.json"))
    api, key = demo["http_base_url"] + "/v1", demo["api_key"]
    run = str(int(time.time()))
    status, created = call("POST", f"{api}/scenarios", key, {
        "title": f"Latency {run}", "keywords": [KEYWORD], "start_item_id": "reply",
        "items": [{"id": "reply", "kind": "text", "label": "Thanks, we got your message."}]})
    if status != 201:
        raise SystemExit(f"creating the scenario answered {status}: {created}")
    # The automation function reads scenarios through a 30 s cache: a warm-up customer is answered
    # once the new scenario is seen, then the measured ones start.
    warm = f"1999{run[-6:]}0000"
    post_signed(demo, webhook_body(demo, warm, f"wamid.latency.{run}.warm", KEYWORD))
    deadline = time.time() + 60
    while time.time() < deadline:
        conversation = conversations_by_phone(api, key).get(warm)
        if conversation and bot_reply_ms(api, key, conversation):
            break
        time.sleep(1)
    else:
        raise SystemExit("the warm-up customer got no answer within 60 s")

    phones = [f"1998{run[-6:]}{i:04d}" for i in range(args.customers)]
    posted = {}
    lock = threading.Lock()

    def send(i):
        phone = phones[i]
        body = webhook_body(demo, phone, f"wamid.latency.{run}.{i}", f"Hi, {KEYWORD} please")
        started = time.time() * 1000
        post_signed(demo, body)
        with lock:
            posted[phone] = started

    began = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        futures = []
        for i in range(args.customers):
            due = began + i / args.rate
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
            futures.append(pool.submit(send, i))
        for future in futures:
            future.result()
    sent_for = time.time() - began

    latencies, deadline = {}, time.time() + args.timeout
    while len(latencies) < len(phones) and time.time() < deadline:
        by_phone = conversations_by_phone(api, key)
        for phone in phones:
            if phone in latencies or phone not in by_phone:
                continue
            replied = bot_reply_ms(api, key, by_phone[phone])
            if replied is not None:
                latencies[phone] = replied - posted[phone]
        if len(latencies) < len(phones):
            time.sleep(2)
    values = sorted(latencies.values())
    if not values:
        raise SystemExit("no reply was queued")
    p = lambda q: values[min(len(values) - 1, int(q * len(values)))]
    print(f"bot latency over {len(values)} of {len(phones)} customers ({args.rate:.0f} webhooks/s, sent in {sent_for:.1f} s): "
          f"p50 {p(0.50):.0f} ms, p95 {p(0.95):.0f} ms, max {values[-1]:.0f} ms, mean {statistics.mean(values):.0f} ms")
    if len(values) < len(phones):
        print(f"{len(phones) - len(values)} customers got no reply within {args.timeout:.0f} s", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
