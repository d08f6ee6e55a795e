"""ReturnItemCollectionMetrics SIZE answered on tables with local secondary indexes.

moto's `DynamoHandler.put_item`, `update_item` and `delete_item` ignore
ReturnItemCollectionMetrics. DynamoDB answers SIZE, on a table with one or more LSIs, with the
written item's collection: its partition key value and the collection's estimated size as a
range in GB, `[lower, lower + 1]` (tables without an LSI have no collections: no metrics).
Here the answer gets that field after moto wrote the item; the size is the sum of the
collection's item sizes.
"""

from __future__ import annotations

import math
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.store import require

GB = 1024 ** 3
WRITES = {"put_item": "Item", "update_item": "Key", "delete_item": "Key"}


def metrics(table: Any, hash_value: Any) -> dict[str, Any]:
    collection = table.items.get(DynamoType(hash_value))
    items = collection.values() if isinstance(collection, dict) else ()
    size_gb = sum(item.size() for item in items) / GB
    lower = float(math.floor(size_gb))
    return {"ItemCollectionKey": {table.hash_key_attr: hash_value},
            "SizeEstimateRangeGB": [lower, lower + 1.0]}


def _wrap(original: Any, source: str) -> Any:
    def handler_method(self: DynamoHandler) -> Any:
        answer = original(self)
        body = self.body
        if body.get("ReturnItemCollectionMetrics") != "SIZE":
            return answer
        table = self.dynamodb_backend.get_table(body["TableName"])
        hash_value = (body.get(source) or {}).get(table.hash_key_attr)
        result = getattr(answer, "result", None)
        if table.indexes and isinstance(hash_value, dict) and isinstance(result, dict):
            result["ItemCollectionMetrics"] = metrics(table, hash_value)
        return answer

    return handler_method


def install() -> None:
    require(DynamoHandler, *WRITES)
    for name, source in WRITES.items():
        setattr(DynamoHandler, name, _wrap(getattr(DynamoHandler, name), source))
