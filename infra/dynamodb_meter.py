"""Billable DynamoDB capacity per request, as DynamoDB bills it, for `make bench`'s money table.

moto answers requests but bills nothing (its ConsumedCapacity is a constant). When
MOTO_METER_FILEPATH is set, `infra/moto_server.py` installs this meter: every data-plane request
appends one JSON line to that file,

    {"op": "TransactWriteItems", "wru": 14.0, "index_wru": 2.0, "rru": 0.0}

computed from the items' real sizes before and after the request, under the same lock that
serializes DynamoDB operations (so nothing changes in between). The rules, from the DynamoDB
developer guide ("Read/write capacity mode", "Item sizes", "Global secondary indexes: provisioned
throughput considerations", "Transactions: capacity management"):

- An item's size is its attribute names plus values: strings in UTF-8 bytes, numbers one byte per
  two significant digits plus one, binary in bytes, booleans and nulls one byte, lists and maps 3
  bytes plus one per element plus their contents.
- A write costs one unit per started KB of the larger of the item before and after it (at least
  one); a failed conditional write still costs its units. Transactional writes cost two per KB
  and so does a ConditionCheck; a cancelled transaction is counted as if its items were written.
- An index write costs one unit per started KB of the index entry (table keys, index keys and the
  projected attributes): one when the entry appears, disappears or only its projection changes,
  two (a delete and a put) when its key changes, none when the item is in neither or nothing it
  projects changed.
- A read costs one unit per started 4 KB of what it reads (a Query or Scan adds up the items it
  reads before its filter, rounded once per request), half that when eventually consistent, and
  twice that in TransactGetItems.
"""

import base64
import functools
import json
import math
import os
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.responses import DynamoHandler

KB = 1024
READ_BLOCK = 4 * KB


def _plain(value: Any) -> Any:
    """A moto attribute value as DynamoDB JSON (`{"S": ..}`), nested values included."""
    if not isinstance(value, DynamoType):
        value = DynamoType(value)
    kind, inner = value.type, value.value
    if kind == "L":
        return {"L": [_plain(v) for v in inner]}
    if kind == "M":
        return {"M": {k: _plain(v) for k, v in inner.items()}}
    if isinstance(inner, bytes):
        inner = base64.b64encode(inner).decode()
    return {kind: inner}


def _number_size(text: str) -> int:
    try:
        digits = format(abs(Decimal(text)), "f").replace(".", "").strip("0")
    except InvalidOperation:
        digits = text
    return (len(digits) + 1) // 2 + 1


def _binary_size(text: str) -> int:
    try:
        return len(base64.b64decode(text))
    except (ValueError, TypeError):
        return len(text)


def value_size(value: dict[str, Any]) -> int:
    (kind, inner), = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return _number_size(inner)
    if kind == "B":
        return _binary_size(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in inner)
    if kind == "NS":
        return sum(_number_size(n) for n in inner)
    if kind == "BS":
        return sum(_binary_size(b) for b in inner)
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in inner.items())
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def _units(size: int, block: int) -> int:
    return max(1, math.ceil(size / block))


def _stored(backend: Any, table_name: str, key: dict[str, Any]) -> dict[str, Any] | None:
    try:
        item = backend.get_item(table_name, key)
    except Exception:  # noqa: BLE001 - a malformed key is the request's error, not the meter's
        return None
    return {name: _plain(value) for name, value in item.attrs.items()} if item else None


def _key_of(table: Any, item: dict[str, Any]) -> dict[str, Any]:
    key = {table.hash_key_attr: item[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = item[table.range_key_attr]
    return key


def _entry(table: Any, index: Any, item: dict[str, Any] | None) -> tuple[str, str] | None:
    """An item's entry in an index: its key and its projection, or None when it is not in it."""
    if not item or any(attr not in item for attr in index.schema_key_attrs):
        return None
    keys = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else []) + index.schema_key_attrs
    projection = (index.projection or {}).get("ProjectionType", "ALL")
    if projection == "ALL":
        projected = item
    else:
        wanted = set(keys) | set((index.projection or {}).get("NonKeyAttributes", []) if projection == "INCLUDE" else [])
        projected = {k: v for k, v in item.items() if k in wanted}
    index_key = json.dumps([item[attr] for attr in index.schema_key_attrs], sort_keys=True)
    return index_key, json.dumps(projected, sort_keys=True)


def _index_units(table: Any, before: dict[str, Any] | None, after: dict[str, Any] | None) -> int:
    units = 0
    for index in list(table.global_indexes or []) + list(table.indexes or []):
        old, new = _entry(table, index, before), _entry(table, index, after)
        if old is None and new is None:
            continue
        if old is not None and new is not None:
            if old == new:
                continue
            if old[0] == new[0]:
                units += _units(item_size(json.loads(new[1])), KB)
                continue
        for entry in (old, new):
            if entry is not None:
                units += _units(item_size(json.loads(entry[1])), KB)
    return units


class _Writes:
    """The items one request writes, read before and after it."""

    def __init__(self, handler: DynamoHandler, targets: list[tuple[str, str, dict[str, Any]]], rate: int) -> None:
        self.backend = handler.dynamodb_backend
        self.rate = rate
        self.targets = [(kind, table_name, key, _stored(self.backend, table_name, key)) for kind, table_name, key in targets]

    def bill(self, failed: bool) -> dict[str, float]:
        wru = index_wru = 0
        for kind, table_name, key, before in self.targets:
            after = before if failed or kind == "ConditionCheck" else _stored(self.backend, table_name, key)
            wru += self.rate * _units(max(item_size(before), item_size(after)), KB)
            if not failed and kind != "ConditionCheck":
                index_wru += _index_units(self.backend.get_table(table_name), before, after)
        return {"wru": float(wru), "index_wru": float(index_wru), "rru": 0.0}


def _write_targets(handler: DynamoHandler, op: str) -> tuple[list[tuple[str, str, dict[str, Any]]], int]:
    body = handler.body
    backend = handler.dynamodb_backend
    if op == "TransactWriteItems":
        targets = []
        for entry in body.get("TransactItems", []):
            (kind, action), = entry.items()
            table = backend.get_table(action["TableName"])
            key = _key_of(table, action["Item"]) if kind == "Put" else action["Key"]
            targets.append((kind, action["TableName"], key))
        return targets, 2
    if op == "BatchWriteItem":
        targets = []
        for table_name, requests in body.get("RequestItems", {}).items():
            table = backend.get_table(table_name)
            for request in requests:
                if "PutRequest" in request:
                    targets.append(("Put", table_name, _key_of(table, request["PutRequest"]["Item"])))
                else:
                    targets.append(("Delete", table_name, request["DeleteRequest"]["Key"]))
        return targets, 1
    table_name = body["TableName"]
    if op == "PutItem":
        return [("Put", table_name, _key_of(backend.get_table(table_name), body["Item"]))], 1
    return [(op, table_name, body["Key"])], 1


def _read_units(handler: DynamoHandler, op: str, result: Any) -> dict[str, float]:
    body = handler.body
    backend = handler.dynamodb_backend
    rru = 0.0
    if op == "GetItem":
        size = item_size(_stored(backend, body["TableName"], body["Key"]))
        rru = _units(size, READ_BLOCK) * (1.0 if body.get("ConsistentRead") else 0.5)
    elif op == "TransactGetItems":
        for entry in body.get("TransactItems", []):
            get = entry["Get"]
            rru += 2 * _units(item_size(_stored(backend, get["TableName"], get["Key"])), READ_BLOCK)
    elif op == "BatchGetItem":
        for table_name, request in body.get("RequestItems", {}).items():
            factor = 1.0 if request.get("ConsistentRead") else 0.5
            for key in request.get("Keys", []):
                rru += _units(item_size(_stored(backend, table_name, key)), READ_BLOCK) * factor
    else:  # Query, Scan: what they read, before their filter and projection
        table = backend.get_table(body["TableName"])
        data = getattr(result, "result", None) or {}
        items = data.get("Items", [])
        size = 0
        index = next((i for i in list(table.global_indexes or []) + list(table.indexes or [])
                      if i.name == body.get("IndexName")), None)
        for returned in items:
            plain = {k: _plain(v) for k, v in returned.items()}
            full = _stored(backend, table.name, _key_of(table, plain)) or plain
            entry = _entry(table, index, full) if index is not None else None
            size += item_size(json.loads(entry[1]) if entry else full)
        count, scanned = data.get("Count", len(items)), data.get("ScannedCount", len(items))
        if count and scanned > count:
            size = size * scanned // count
        rru = _units(size, READ_BLOCK) * (1.0 if body.get("ConsistentRead") else 0.5)
    return {"wru": 0.0, "index_wru": 0.0, "rru": rru}


_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
_READS = {"GetItem", "BatchGetItem", "TransactGetItems", "Query", "Scan"}


def _metered(op: str, method: Callable[..., Any], lock: Any, path: str) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(handler: DynamoHandler) -> Any:
        with lock:
            writes = None
            if op in _WRITES:
                try:
                    targets, rate = _write_targets(handler, op)
                    writes = _Writes(handler, targets, rate)
                except Exception:  # noqa: BLE001 - the request itself reports what is wrong
                    writes = None
            failed = False
            try:
                result = method(handler)
            except Exception:
                failed = True
                raise
            finally:
                if writes is not None:
                    bill = writes.bill(failed)
                elif op in _READS and not failed:
                    bill = _read_units(handler, op, result)
                else:
                    bill = None
                if bill is not None:
                    with open(path, "a", encoding="utf-8") as log:
                        log.write(json.dumps({"op": op, **bill}) + "\n")
            return result

    return run


def install(lock: Any) -> None:
    """Meters every data-plane DynamoDB request into MOTO_METER_FILEPATH, when it is set."""
    path = os.environ.get("MOTO_METER_FILEPATH")
    if not path:
        return
    names = {
        "PutItem": "put_item", "UpdateItem": "update_item", "DeleteItem": "delete_item",
        "BatchWriteItem": "batch_write_item", "TransactWriteItems": "transact_write_items",
        "GetItem": "get_item", "BatchGetItem": "batch_get_item", "TransactGetItems": "transact_get_items",
        "Query": "query", "Scan": "scan",
    }
    for op, name in names.items():
        setattr(DynamoHandler, name, _metered(op, getattr(DynamoHandler, name), lock, path))
