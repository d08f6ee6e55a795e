"""UpdateTable's GlobalSecondaryIndexUpdates as DynamoDB applies them.

Replaces `moto.dynamodb.models.DynamoDBBackend.update_table_global_indexes`, which
- raises a bare ValueError (a crash, answered as a generic 400) for a Delete or Update of an
  index the table does not have (DynamoDB: ResourceNotFoundException) and for a Create of
  one it has (DynamoDB: ValidationException);
- creates the index ACTIVE at once. DynamoDB creates it CREATING with `Backfilling: true`
  while it indexes the existing items, then ACTIVE. Here the UpdateTable answer shows the new
  index CREATING and backfilling, and it is ACTIVE from the next read of the table's
  description on (the backfill itself is immediate: `indexes` rebuilds a table's indexes
  when its GSIs change, from every stored item).
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import MockValidationException, ResourceNotFoundException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import GlobalSecondaryIndex, Table

from ddbkit.emulator.moto_ext.store import require

CREATING, ACTIVE = "CREATING", "ACTIVE"


def update_table_global_indexes(self: DynamoDBBackend, table: Table,
                                updates: list[dict[str, Any]]) -> None:
    by_name = {index.name: index for index in table.global_indexes}
    for update in updates:
        for action in ("Delete", "Update"):
            name = (update.get(action) or {}).get("IndexName")
            if name is not None and name not in by_name:
                raise ResourceNotFoundException(
                    f"Requested resource not found: Index: {name} not found")
        if update.get("Delete"):
            del by_name[update["Delete"]["IndexName"]]
        if update.get("Update"):
            by_name[update["Update"]["IndexName"]].update(update["Update"])
        create = update.get("Create")
        if create:
            if create["IndexName"] in by_name:
                raise MockValidationException(
                    "One or more parameter values were invalid: Attempting to create an index "
                    f"which already exists: {create['IndexName']}")
            index = GlobalSecondaryIndex.create(create, table.table_key_attrs)
            index.status = CREATING
            by_name[index.name] = index
    table.global_indexes = list(by_name.values())


def _wrap_describe(original: Any) -> Any:
    def describe(self: GlobalSecondaryIndex) -> dict[str, Any]:
        answer: dict[str, Any] = original(self)
        if self.status == CREATING:
            answer["Backfilling"] = True
        return answer

    return describe


def _wrap_describe_table(original: Any) -> Any:
    def describe_table(self: DynamoDBBackend, name: str) -> dict[str, Any]:
        table = self.tables.get(name)
        for index in getattr(table, "global_indexes", None) or []:
            if index.status == CREATING:  # its backfill finished with the UpdateTable
                index.status = ACTIVE
        return original(self, name)  # type: ignore[no-any-return]

    return describe_table


def install() -> None:
    require(DynamoDBBackend, "update_table_global_indexes", "describe_table")
    require(GlobalSecondaryIndex, "describe", "create", "update")
    owner: Any = DynamoDBBackend
    owner.update_table_global_indexes = update_table_global_indexes
    owner.describe_table = _wrap_describe_table(owner.describe_table)
    index_class: Any = GlobalSecondaryIndex
    index_class.describe = _wrap_describe(index_class.describe)
