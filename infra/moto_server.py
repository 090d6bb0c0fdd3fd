"""moto server with DynamoDB operations serialized.

Real DynamoDB transactions and conditional writes are atomic and isolated; moto's are not
thread-safe (a TransactWriteItems checks its conditions, copies the table for rollback and writes
without a lock), so concurrent clients can both pass an `attribute_not_exists` condition. Switchboard's
exactly-once tests race real concurrent writers, so the local stack runs each DynamoDB operation
under one lock, as the service would isolate them. Everything else (SQS long polling included)
stays concurrent. Same arguments as `moto_server`.
"""

import functools
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.server import main

_lock = threading.RLock()


def _serialized(method):
    @functools.wraps(method)
    def run(*args, **kwargs):
        with _lock:
            return method(*args, **kwargs)

    return run


for _name in ("put_item", "get_item", "query", "scan", "update_item", "delete_item", "transact_write_items"):
    setattr(DynamoDBBackend, _name, _serialized(getattr(DynamoDBBackend, _name)))

if __name__ == "__main__":
    sys.exit(main())
