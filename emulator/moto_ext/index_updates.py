"""UpdateTable's GlobalSecondaryIndexUpdates as DynamoDB applies them.

Replaces `moto.dynamodb.models.DynamoDBBackend.update_table_global_indexes`, which
- raises a bare ValueError (a crash, answered as a generic 400) for a Delete or Update of an
  index the table does not have (DynamoDB: ResourceNotFoundException) and for a Create of
  one it has (DynamoDB: ValidationException), and creates an index on attributes the
  AttributeDefinitions do not declare (DynamoDB: ValidationException);
- creates the index ACTIVE at once. DynamoDB creates it CREATING with `Backfilling: true`
  while it indexes the existing items, then ACTIVE. Here the UpdateTable answer shows the new
  index CREATING and backfilling (`table_description`), and it is ACTIVE from the next
  DescribeTable on (`finish_backfills`); the backfill itself is immediate: `indexes`
  rebuilds a table's indexes when its GSIs change, from every stored item;
- replaces the table's AttributeDefinitions with the request's (the table's own key
  attributes vanish from its description); DynamoDB adds the new definitions to those in
  use and lists only attributes some key or index uses;
- drops a deleted index from the UpdateTable answer. DynamoDB answers it DELETING, and it is
  gone from the next description on; here too (`DynamoHandler.update_table`'s answer gets it).
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import MockValidationException, ResourceNotFoundException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import GlobalSecondaryIndex, Table
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.store import require

CREATING, ACTIVE, DELETING = "CREATING", "ACTIVE", "DELETING"
_DELETED = "_ddbkit_deleted_indexes"  # the indexes this UpdateTable deleted, for its answer


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
            deleted = by_name.pop(update["Delete"]["IndexName"])
            table.__dict__.setdefault(_DELETED, []).append(deleted.describe())
        if update.get("Update"):
            by_name[update["Update"]["IndexName"]].update(update["Update"])
        create = update.get("Create")
        if create:
            if create["IndexName"] in by_name:
                raise MockValidationException(
                    "One or more parameter values were invalid: Attempting to create an index "
                    f"which already exists: {create['IndexName']}")
            _check_defined(table, create)
            index = GlobalSecondaryIndex.create(create, table.table_key_attrs)
            index.status = CREATING
            by_name[index.name] = index
    table.global_indexes = list(by_name.values())


def _check_defined(table: Table, create: dict[str, Any]) -> None:
    """A new index's key attributes must be in the (updated) AttributeDefinitions."""
    defined = [d["AttributeName"] for d in table.attr]
    keys = [k["AttributeName"] for k in create.get("KeySchema") or []]
    missing = [key for key in keys if key not in defined]
    if missing:
        raise MockValidationException(
            "One or more parameter values were invalid: Some index key attributes are not "
            f"defined in AttributeDefinitions. Keys: [{', '.join(missing)}], "
            f"AttributeDefinitions: [{', '.join(defined)}]")


def _wrap_backend_update_table(original: Any) -> Any:
    def update_table(self: DynamoDBBackend, name: str, attr_definitions: Any = None,
                     *args: Any, **kwargs: Any) -> Any:
        table = self.get_table(name)
        if attr_definitions:
            merged = {d["AttributeName"]: d for d in table.attr}
            merged.update({d["AttributeName"]: d for d in attr_definitions})
            attr_definitions = list(merged.values())
        updated = original(self, name, attr_definitions, *args, **kwargs)
        used = set(table.table_key_attrs) | {
            key["AttributeName"] for index in table.all_indexes() for key in index.schema}
        table.attr = [d for d in table.attr if d["AttributeName"] in used]
        return updated

    return update_table


def finish_backfills(table: Table) -> None:
    """DescribeTable: a GSI created by an earlier UpdateTable is ACTIVE from now on (its
    backfill finished with that UpdateTable)."""
    for index in table.global_indexes:
        if index.status == CREATING:
            index.status = ACTIVE


def _wrap_update_table(original: Any) -> Any:
    def update_table(self: DynamoHandler) -> Any:
        table = self.dynamodb_backend.tables.get(self.body.get("TableName"))
        definitions = table.attr if table is not None else None
        try:
            answer = original(self)
            deleted = table.__dict__.get(_DELETED) if table is not None else None
            result = getattr(answer, "result", None)
            if deleted and isinstance(result, dict):
                listed = result["TableDescription"].setdefault("GlobalSecondaryIndexes", [])
                listed.extend({**index, "IndexStatus": DELETING} for index in deleted)
            return answer
        except Exception:
            if table is not None and definitions is not None:  # moto set them first
                table.attr = definitions
            raise
        finally:
            if table is not None:
                table.__dict__.pop(_DELETED, None)

    return update_table


def install() -> None:
    require(DynamoDBBackend, "update_table_global_indexes", "update_table")
    require(GlobalSecondaryIndex, "describe", "create", "update")
    require(DynamoHandler, "update_table")
    DynamoHandler.update_table = _wrap_update_table(  # type: ignore[method-assign]
        DynamoHandler.update_table)
    owner: Any = DynamoDBBackend
    owner.update_table_global_indexes = update_table_global_indexes
    owner.update_table = _wrap_backend_update_table(owner.update_table)
