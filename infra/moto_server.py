"""moto server with DynamoDB operations serialized, and transactions that cost what they touch.

Real DynamoDB transactions and conditional writes are atomic and isolated; moto's are not
thread-safe (a TransactWriteItems checks its conditions, copies the table for rollback and writes
without a lock), so concurrent clients can both pass an `attribute_not_exists` condition. Switchboard's
exactly-once tests race real concurrent writers, so the local stack runs each DynamoDB operation
under one lock, as the service would isolate them. Everything else (SQS long polling included)
stays concurrent.

moto also deep-copies every table a transaction names before it starts, for its rollback: each
transaction costs time and memory in proportion to the whole table, which makes a day of local
traffic (or a large benchmark) slow down without end and finally run out of memory. Here a
transaction first checks every condition without writing; only when all hold does it write, keeping
a copy of just the items it writes so that a write refused midway (an invalid update expression)
restores them.

moto's Query of a table (not of an index) sorts every item of the table to pick one partition's:
a 100,000-recipient campaign made each page cost seconds. Here such a Query looks at its partition
only, as DynamoDB does. Same arguments as `moto_server`.
"""

import copy
import functools
import sys
import threading
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.server import main

_lock = threading.RLock()


def _serialized(method):
    @functools.wraps(method)
    def run(*args, **kwargs):
        with _lock:
            return method(*args, **kwargs)

    return run


def _key_of(backend: DynamoDBBackend, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return op["Key"]
    table = backend.get_table(op["TableName"])
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    ops: list[tuple[int, str, dict[str, Any], dict[str, Any]]] = []
    seen: set[tuple[str, str]] = set()
    errors: list[tuple[Any, Any, Any]] = []
    # 1. Check: every condition against the state before the transaction, writing nothing.
    for index, item in enumerate(transact_items):
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        original_item = None
        try:
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            key = _key_of(self, op_type, op)
            identity = (str(op["TableName"]), str(dict(sorted(key.items()))))
            if identity in seen:
                raise MultipleTransactionsException()
            seen.add(identity)
            ops.append((index, op_type, op, key))
            condition = op.get("ConditionExpression")
            if condition is not None:
                current = self.get_item(op["TableName"], key)
                check = get_filter_expression(
                    condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                )
                if not check.expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))
        except Exception as e:  # noqa: BLE001 - reported as that item's cancellation reason
            errors.append((type(e).__name__, str(e), original_item))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)

    # 2. Write, keeping the items about to change so that a refusal midway restores them.
    touched: list[tuple[str, dict[str, Any], Any]] = []
    position = 0
    try:
        for position, op_type, op, key in ops:
            if op_type == "ConditionCheck":
                continue
            table_name = op["TableName"]
            before = self.get_item(table_name, key)
            touched.append((table_name, key, copy.deepcopy(before.to_json()["Attributes"]) if before else None))
            names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            if op_type == "Put":
                self.put_item(table_name, op["Item"], expression_attribute_names=names, expression_attribute_values=values)
            elif op_type == "Delete":
                self.delete_item(table_name, key, expression_attribute_names=names, expression_attribute_values=values)
            else:
                self.update_item(
                    table_name,
                    key,
                    update_expression=op["UpdateExpression"],
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
    except Exception as failure:
        for table_name, key, before in reversed(touched):
            if before is None:
                self.delete_item(table_name, key)
            else:
                self.put_item(table_name, before)
        if isinstance(failure, (MultipleTransactionsException, MockValidationException)):
            raise
        reasons: list[tuple[Any, Any, Any]] = [(None, None, None)] * len(transact_items)
        reasons[position] = (type(failure).__name__, str(failure), None)
        raise TransactionCanceledException(reasons) from failure


DynamoDBBackend.transact_write_items = transact_write_items

_querying = threading.local()
_all_items = Table.all_items


def _all_items_of_partition(self: Table) -> list[Any]:
    hash_key = getattr(_querying, "hash_key", None)
    if hash_key is None:
        return _all_items(self)
    partition = self.items.get(hash_key)
    if partition is None:
        return []
    items = list(partition.values()) if self.range_key_attr else [partition]
    return sorted(items, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)


def _query_one_partition(query):
    @functools.wraps(query)
    def run(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        _querying.hash_key = hash_key if index_name is None else None
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _querying.hash_key = None

    return run


Table.all_items = _all_items_of_partition
Table.query = _query_one_partition(Table.query)

for _name in ("put_item", "get_item", "query", "scan", "update_item", "delete_item", "transact_write_items"):
    setattr(DynamoDBBackend, _name, _serialized(getattr(DynamoDBBackend, _name)))

if __name__ == "__main__":
    sys.exit(main())
