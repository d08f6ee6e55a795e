"""DescribeTable's TableId, sizes and counts, and each index's ARN, size and count.

Replaces nothing of moto's but its answer: `moto.dynamodb.models.table.Table.describe`
reports TableSizeBytes 0, no TableId, and for its indexes no IndexArn, IndexSizeBytes or
ItemCount. DynamoDB reports them all (it refreshes sizes and counts about every six hours;
here they are exact): the table's size is the sum of its items' sizes (`aws_sizes`), an
index holds the items that have all its key attributes, sized as projected into it.
TableId is a UUID derived from the table's ARN and creation time, so it survives restarts
and changes when the table is re-created.
"""

from __future__ import annotations

import uuid
from typing import Any

from moto.dynamodb.models.table import Table

from ddbkit.emulator.moto_ext.store import require


def _items(table: Table) -> list[Any]:
    return [item for entry in table.items.values()
            for item in (entry.values() if table.range_key_attr else (entry,))]


def _index_figures(index: Any, items: list[Any]) -> tuple[int, int]:
    keys = [k["AttributeName"] for k in index.schema]
    held = [item for item in items if all(key in item.attrs for key in keys)]
    return sum(index.project(item).size() for item in held), len(held)


def _wrap_describe(original: Any) -> Any:
    def describe(self: Table, base_key: str = "TableDescription") -> dict[str, Any]:
        answer: dict[str, Any] = original(self, base_key)
        body = answer[base_key]
        items = _items(self)
        body["TableSizeBytes"] = sum(item.size() for item in items)
        body["ItemCount"] = len(items)
        body["TableId"] = str(uuid.uuid5(uuid.NAMESPACE_URL,
                                          f"{self.table_arn}@{self.created_at}"))
        indexes = {index.name: index for index in self.all_indexes()}
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            for described in body.get(kind) or []:
                index = indexes.get(described.get("IndexName"))
                if index is None:
                    continue
                described["IndexArn"] = f"{self.table_arn}/index/{index.name}"
                size, count = _index_figures(index, items)
                described["IndexSizeBytes"], described["ItemCount"] = size, count
        return answer

    return describe


def install() -> None:
    require(Table, "describe", "all_indexes")
    Table.describe = _wrap_describe(Table.describe)  # type: ignore[method-assign]
