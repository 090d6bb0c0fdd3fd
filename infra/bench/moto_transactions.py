"""The local DynamoDB under a day's traffic: TransactWriteItems shaped like an inbound message
(a claim, the message, the conversation, the contact and a counter shard) against a moto server,
reporting throughput and the server's RSS at checkpoints.

    .venv/bin/python infra/bench/moto_transactions.py [--messages 50000] [--stock] [--max-seconds 600]

--stock runs moto's own server (which copies every table a transaction names) instead of
infra/moto_server.py, for the before/after comparison.
"""

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--stock", action="store_true")
    parser.add_argument("--max-seconds", type=float, default=600)
    args = parser.parse_args()

    port = free_port()
    server = [sys.executable, "-m", "moto.server"] if args.stock else [sys.executable, os.path.join(ROOT, "infra/moto_server.py")]
    proc = subprocess.Popen(server + ["-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/data.json", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        dynamo = boto3.client(
            "dynamodb",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        keys = [{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi2pk", "gsi2sk")]
        dynamo.create_table(
            TableName="bench",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=keys,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[{
                "IndexName": "gsi2",
                "KeySchema": [{"AttributeName": "gsi2pk", "KeyType": "HASH"}, {"AttributeName": "gsi2sk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }],
        )
        started = time.monotonic()
        window = started
        checkpoints = {1_000, 2_000, 5_000, 10_000, 20_000, 50_000, args.messages}
        mode = "stock moto" if args.stock else "infra/moto_server.py"
        print(f"{mode}: inbound-shaped transactions (5 items each)")
        for i in range(1, args.messages + 1):
            contact = f"ct_{i % 500}"
            conversation = f"cv_{i % 500}"
            s = lambda v: {"S": v}
            dynamo.transact_write_items(TransactItems=[
                {"Put": {"TableName": "bench", "Item": {"pk": s(f"WAMID#{i}"), "sk": s("CLAIM")},
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Put": {"TableName": "bench", "Item": {"pk": s(f"CONV#{conversation}"), "sk": s(f"MSG#{i:013}"),
                         "body": s("hello " * 20)}}},
                {"Update": {"TableName": "bench", "Key": {"pk": s("ORG#o"), "sk": s(f"CONV#{conversation}")},
                            "UpdateExpression": "SET gsi2pk = :p, gsi2sk = :t ADD message_count :one",
                            "ExpressionAttributeValues": {":p": s("ORG#o#CONVS"), ":t": s(f"{i:013}"), ":one": {"N": "1"}}}},
                {"Update": {"TableName": "bench", "Key": {"pk": s("ORG#o"), "sk": s(f"CONTACT#{contact}")},
                            "UpdateExpression": "SET last_inbound = :t", "ExpressionAttributeValues": {":t": s(str(i))}}},
                {"Update": {"TableName": "bench", "Key": {"pk": s("ORG#o"), "sk": s(f"COUNTERS#{i % 8}")},
                            "UpdateExpression": "ADD messages :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            ])
            if i % 1_000 == 0:
                now = time.monotonic()
                rate = 1_000 / max(now - window, 1e-9)
                window = now
                if i in checkpoints or now - started > args.max_seconds:
                    print(f"  {i:>6} messages: {now - started:7.1f} s in all, last 1,000 at "
                          f"{rate:6.0f}/s, moto RSS {rss_mb(proc.pid):6.0f} MB", flush=True)
                if now - started > args.max_seconds:
                    print(f"  stopped: over {args.max_seconds:.0f} s")
                    break
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
