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

moto's Query sorts every item of the table to pick one partition's, then walks the partition from
its start to the page's exclusive start key: a 100,000-recipient campaign made each page cost
seconds. Here a table Query on a string sort key sorts its partition only and starts where its key
condition or start key places it, as DynamoDB does; an index Query no longer sorts the whole table
first. With MOTO_METER_FILEPATH set, every DynamoDB request's billable capacity is logged
(`dynamodb_meter.py`). Same arguments as `moto_server`.
"""

import bisect
import copy
import functools
import json
import os
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
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, Table
from moto.dynamodb.responses import DynamoHandler, DynamoResult
from moto.server import main

import dynamodb_meter

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
_table_query = Table.query

_OPERATORS = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}
# Where a key condition on a string sort key lets a forward or backward walk start and must stop.
_STARTS_FORWARD = {"EQ": bisect.bisect_left, "GE": bisect.bisect_left, "GT": bisect.bisect_right,
                   "BEGINS_WITH": bisect.bisect_left, "BETWEEN": bisect.bisect_left}
_STARTS_BACKWARD = {"EQ": bisect.bisect_right, "LE": bisect.bisect_right, "LT": bisect.bisect_left,
                    "BETWEEN": lambda keys, _low, high: bisect.bisect_right(keys, high)}


def _all_items_unsorted_for_index(self: Table) -> list[Any]:
    # An index Query sorts its own matches; sorting the whole table first only costs time.
    if not getattr(_querying, "index", False):
        return _all_items(self)
    return [item for part in self.items.values() for item in (part.values() if self.range_key_attr else [part])]


def _past_range(comparison: str | None, values: list[str], key: str, forward: bool) -> bool:
    if comparison is None:
        return False
    if forward:
        if comparison == "BEGINS_WITH":
            return key > values[0] and not key.startswith(values[0])
        if comparison in ("EQ", "LE"):
            return key > values[0]
        if comparison == "LT":
            return key >= values[0]
        if comparison == "BETWEEN":
            return key > values[1]
        return False
    if comparison == "BEGINS_WITH":
        return key < values[0]
    if comparison in ("EQ", "GE", "BETWEEN"):
        return key < values[0]
    if comparison == "GT":
        return key <= values[0]
    return False


def _sorted_keys(self: Table, hash_key: Any, partition: dict[Any, Any]) -> list[tuple[str, Any]] | None:
    """The partition's string sort keys in order, kept until a key is added or removed."""
    cache = self.__dict__.setdefault("_sorted_keys", {})
    cached = cache.get(hash_key)
    if cached is not None and cached[0] == len(partition):
        return cached[1]
    if any(key.type != "S" for key in partition):
        return None
    keys = sorted(((key.value, key) for key in partition), key=lambda entry: entry[0])
    cache[hash_key] = (len(partition), keys)
    return keys


_delete_item = Table.delete_item
_put_item = Table.put_item


def _put_item_keeping_order(self: Table, *args: Any, **kwargs: Any) -> Any:
    """Keeps a partition's sort order from its first item on, so no Query sorts a large partition."""
    attrs = args[0] if args else kwargs.get("item_attrs", {})
    hash_value = attrs.get(self.hash_key_attr)
    partition = self.items.get(DynamoType(hash_value)) if hash_value else None
    before = len(partition) if isinstance(partition, dict) else 0
    item = _put_item(self, *args, **kwargs)
    partition = self.items.get(item.hash_key)
    if item.range_key is None or not isinstance(partition, dict) or len(partition) == before:
        return item
    cache = self.__dict__.setdefault("_sorted_keys", {})
    cached = cache.get(item.hash_key)
    if before == 0:
        if item.range_key.type == "S":
            cache[item.hash_key] = (1, [(item.range_key.value, item.range_key)])
    elif cached is not None and cached[0] == before and item.range_key.type == "S":
        bisect.insort(cached[1], (item.range_key.value, item.range_key), key=lambda entry: entry[0])
        cache[item.hash_key] = (before + 1, cached[1])
    return item


def _delete_item_forgetting_order(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    # A delete then a put keeps the partition's size but changes its keys.
    self.__dict__.get("_sorted_keys", {}).pop(hash_key, None)
    return _delete_item(self, hash_key, *args, **kwargs)


def _query_partition(self: Table, hash_key: Any, range_comparison: Any, range_objs: Any, limit: Any,
                     exclusive_start_key: Any, scan_index_forward: bool, projection_expressions: Any,
                     index_name: Any = None, consistent_read: bool = False, filter_expression: Any = None,
                     hash_key_conditions: Any = None, range_key_conditions: Any = None, **filter_kwargs: Any):
    """A table Query walks one partition from where its key condition or start key places it."""
    partition = self.items.get(hash_key, {}) if hash_key is not None else {}
    simple = (
        index_name is None
        and not filter_kwargs
        and self.range_key_attr is not None
        and len(range_key_conditions or []) <= 1
        and all(obj.type == "S" for obj in range_objs)
    )
    entries = _sorted_keys(self, hash_key, partition) if simple else None
    if entries is None:
        _querying.index = index_name is not None
        try:
            return _table_query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                                scan_index_forward, projection_expressions, index_name, consistent_read,
                                filter_expression, hash_key_conditions=hash_key_conditions,
                                range_key_conditions=range_key_conditions, **filter_kwargs)
        finally:
            _querying.index = False
    keys = [key for key, _ in entries]
    values = [obj.value for obj in range_objs]
    operator = _OPERATORS.get(range_comparison, range_comparison)
    start = (exclusive_start_key or {}).get(self.range_key_attr, {}).get("S")
    if scan_index_forward:
        position = bisect.bisect_right(keys, start) if start is not None else 0
        if operator in _STARTS_FORWARD:
            position = max(position, _STARTS_FORWARD[operator](keys, values[0]))
        walk = range(position, len(entries))
    else:
        end = bisect.bisect_left(keys, start) if start is not None else len(entries)
        if operator in _STARTS_BACKWARD:
            end = min(end, _STARTS_BACKWARD[operator](keys, *values))
        walk = range(end - 1, -1, -1)
    results: list[Any] = []
    size = 0
    last_evaluated_key = None
    for index in walk:
        key, range_key = entries[index]
        if _past_range(operator, values, key, scan_index_forward):
            break
        item = partition[range_key]
        if range_comparison is not None and not item.range_key.compare(range_comparison, range_objs):
            continue
        item_size = item.size()
        if len(results) == limit or size + item_size > RESULT_SIZE_LIMIT:
            last_evaluated_key = self._get_last_evaluated_key(results[-1], None)
            break
        results.append(item)
        size += item_size
    scanned = len(results)
    # No copy: the whole Query request, its response included, runs under the lock (below).
    if filter_expression is not None:
        results = [item for item in results if filter_expression.expr(item)]
    if projection_expressions:
        results = [item.project(projection_expressions) for item in results]
    return results, scanned, last_evaluated_key


_execute_result = DynamoResult.execute_result
_ITEM_READS = {"GetItem", "BatchGetItem", "Query"}


def _execute_item_read(self: DynamoResult, context: Any) -> Any:
    """Item reads are already DynamoDB JSON; moto's shape-walking serializer took 0.3 s per page."""
    if context.operation_model.name not in _ITEM_READS:
        return _execute_result(self, context)
    try:
        body = json.dumps(self.result, separators=(",", ":"))
    except TypeError:  # binary attributes: the serializer base64-encodes them
        return _execute_result(self, context)
    if os.environ.get("MOTO_CHECK_ITEM_READS") == "1":
        status, headers, expected = _execute_result(self, context)
        assert (status, headers) == (200, {"Content-Type": "application/x-amz-json-1.0"}), (status, headers)
        assert json.loads(body) == json.loads(expected), (body[:300], expected[:300])
    return 200, {"Content-Type": "application/x-amz-json-1.0"}, body


DynamoResult.execute_result = _execute_item_read
Table.all_items = _all_items_unsorted_for_index
Table.query = _query_partition
Table.delete_item = _delete_item_forgetting_order
Table.put_item = _put_item_keeping_order

DynamoHandler.query = _serialized(DynamoHandler.query)

for _name in ("put_item", "get_item", "query", "scan", "update_item", "delete_item", "transact_write_items"):
    setattr(DynamoDBBackend, _name, _serialized(getattr(DynamoDBBackend, _name)))

# make bench's money table: billable capacity per request, when MOTO_METER_FILEPATH is set.
dynamodb_meter.install(_lock)

if __name__ == "__main__":
    sys.exit(main())
