"""BatchWriteItem checks for duplicate keys within each table, not across tables.

moto's `DynamoHandler.batch_write_item` collects the keys of every table's requests into one
list and refuses the batch ("Provided list of item keys contains duplicates") when two tables
receive the same key values, a batch DynamoDB accepts (duplicates are per table). Here a batch
naming several tables runs moto's handler once per table, inside the one undo journal
`atomic_writes` keeps for the whole request (this wraps inside it), so a refusal of any table
still leaves nothing written; the answers are merged.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.store import require


def _wrap(original: Any) -> Any:
    def batch_write_item(self: DynamoHandler) -> Any:
        body = self.body
        requests = body.get("RequestItems") if isinstance(body, dict) else None
        if not isinstance(requests, dict) or len(requests) < 2:
            return original(self)
        answers = []
        try:
            for name, entries in requests.items():
                self.body = {**body, "RequestItems": {name: entries}}
                answers.append(original(self).result)
        finally:
            self.body = body
        return ActionResult({
            "ConsumedCapacity": [c for answer in answers
                                 for c in answer.get("ConsumedCapacity", [])],
            "ItemCollectionMetrics": {}, "UnprocessedItems": {}})

    return batch_write_item


def install() -> None:
    require(DynamoHandler, "batch_write_item")
    DynamoHandler.batch_write_item = _wrap(  # type: ignore[method-assign]
        DynamoHandler.batch_write_item)
