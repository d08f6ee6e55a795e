"""ListTables in name order, paged by name.

Replaces `moto.dynamodb.models.DynamoDBBackend.list_tables`, which lists tables in creation
order and pages from the position of ExclusiveStartTableName, restarting nowhere when that
table no longer exists. DynamoDB lists table names in ascending order and a page starts after
ExclusiveStartTableName whether or not that table still exists; LastEvaluatedTableName is
the last name of a full page when more tables follow.
"""

from __future__ import annotations

import bisect
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

from ddbkit.emulator.moto_ext.store import require


def list_tables(self: DynamoDBBackend, limit: int | None,
                exclusive_start_table_name: str | None) -> tuple[list[str], str | None]:
    names = sorted(self.tables)
    start = bisect.bisect_right(names, exclusive_start_table_name) \
        if exclusive_start_table_name else 0
    end = start + limit if limit else len(names)
    page = names[start:end]
    return page, page[-1] if page and end < len(names) else None


def install() -> None:
    require(DynamoDBBackend, "list_tables")
    owner: Any = DynamoDBBackend
    owner.list_tables = list_tables
