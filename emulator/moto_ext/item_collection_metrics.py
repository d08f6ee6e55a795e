"""ReturnItemCollectionMetrics SIZE answered on tables with local secondary indexes.

moto's `DynamoHandler.transact_write_items` ignores
ReturnItemCollectionMetrics. DynamoDB answers SIZE, on a table
with one or more LSIs, with the written item's collection: its partition key value and the
collection's estimated size as a range in GB, `[lower, lower + 1]` (tables without an LSI
have no collections: no metrics). Here the answer gets that field after moto wrote the item;
the size is the sum of the collection's item sizes. TransactWriteItems (and BatchWriteItem,
operations/batch_write_item.py) answer one entry per written item of such a table, by table
name.
"""

from __future__ import annotations

import math
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.store import require

GB = 1024 ** 3


def metrics(table: Any, hash_value: Any) -> dict[str, Any]:
    collection = table.items.get(DynamoType(hash_value))
    items = collection.values() if isinstance(collection, dict) else ()
    size_gb = sum(item.size() for item in items) / GB
    lower = float(math.floor(size_gb))
    return {"ItemCollectionKey": {table.hash_key_attr: hash_value},
            "SizeEstimateRangeGB": [lower, lower + 1.0]}




def _transact_targets(body: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    """(table, item or key) of each write of a TransactWriteItems."""
    targets = []
    for action in body.get("TransactItems") or []:
        for kind, op in action.items():
            if kind in ("Put", "Update", "Delete") and isinstance(op, dict):
                target = op.get("Item") if kind == "Put" else op.get("Key")
                if isinstance(target, dict):
                    targets.append((op.get("TableName"), target))
    return targets


def _wrap_many(original: Any, targets_of: Any) -> Any:
    def handler_method(self: DynamoHandler) -> Any:
        answer = original(self)
        body = self.body
        result = getattr(answer, "result", None)
        if body.get("ReturnItemCollectionMetrics") != "SIZE" or not isinstance(result, dict):
            return answer
        by_table: dict[str, list[Any]] = {}
        for table_name, target in targets_of(body):
            table = self.dynamodb_backend.tables.get(table_name)
            hash_value = target.get(table.hash_key_attr) if table is not None else None
            if table is not None and table.indexes and isinstance(hash_value, dict):
                by_table.setdefault(table_name, []).append(metrics(table, hash_value))
        if by_table:
            result["ItemCollectionMetrics"] = by_table
        return answer

    return handler_method


def install() -> None:
    require(DynamoHandler, "transact_write_items")
    DynamoHandler.transact_write_items = _wrap_many(  # type: ignore[method-assign]
        DynamoHandler.transact_write_items, _transact_targets)
