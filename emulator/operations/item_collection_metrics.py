"""ReturnItemCollectionMetrics SIZE answered on tables with local secondary indexes.

moto ignores ReturnItemCollectionMetrics. DynamoDB answers SIZE, on a table
with one or more LSIs, with the written item's collection: its partition key value and the
collection's estimated size as a range in GB, `[lower, lower + 1]` (tables without an LSI
have no collections: no metrics). ddbkit's write operations (operations/writes.py) answer it
after the write, the size the sum of the collection's item sizes; TransactWriteItems and
BatchWriteItem one entry per written item of such a table, by table name.
"""

from __future__ import annotations

import math
from typing import Any

from ddbkit.emulator.store.item import Key

GB = 1024 ** 3


def metrics(table: Any, hash_value: Any) -> dict[str, Any]:
    collection = table.items.get(Key(hash_value))
    items = collection.values() if isinstance(collection, dict) else ()
    size_gb = sum(item.size() for item in items) / GB
    lower = float(math.floor(size_gb))
    return {"ItemCollectionKey": {table.hash_key_attr: hash_value},
            "SizeEstimateRangeGB": [lower, lower + 1.0]}
