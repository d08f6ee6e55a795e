"""Request rejections that need the table as it is, answered before moto acts.

The validation engine (endpoint/rules) checks requests before any table is looked up; these
rules need the table's key schema, indexes or capacity, so they wrap the DynamoHandler
method that receives the request:
- UpdateItem: moto lets AttributeUpdates change a key attribute; DynamoDB: "Cannot update
  attribute pk. This attribute is part of the key".
- UpdateTable: moto accepts a change to the throughput the table already has, enabling a
  stream twice (its own ResourceInUse) or disabling none, creating an index that exists, and
  answers deleting an index the table lacks with a ValidationException; DynamoDB refuses the
  first four (ValidationException, its wording) and answers the last ResourceNotFoundException
  (an LSI: "Cannot delete an index that is not a GlobalSecondaryIndex").
- Query of an index the table lacks: moto answers ResourceNotFoundException ("Invalid
  index"); DynamoDB a ValidationException, as moto already does for Scan: "The table does
  not have the specified index: ...".
- TransactGetItems and TransactWriteItems: an action whose Key (or Put's Item) does not
  match its table's key schema cancels the transaction (TransactionCanceledException, that
  action's reason ValidationError, the others None), where moto, through key_schema,
  answers a plain ValidationException.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import (
    MockValidationException,
    ResourceNotFoundException,
    TransactionCanceledException,
    UpdateHashRangeKeyException,
)
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.key_schema import MISMATCH, matches
from ddbkit.emulator.moto_ext.store import require

SAME_THROUGHPUT = (
    "The provisioned throughput for the table will not change. The requested value equals "
    "the current value. Current ReadCapacityUnits provisioned for the table: {read}. Requested "
    "ReadCapacityUnits: {read}. Current WriteCapacityUnits provisioned for the table: {write}. "
    "Requested WriteCapacityUnits: {write}. Refer to the Amazon DynamoDB Developer Guide for "
    "current limits and how to request higher limits.")


def _table(handler: Any, name: Any) -> Any:
    return handler.dynamodb_backend.tables.get(name) if isinstance(name, str) else None


def _update_item(original: Any) -> Any:
    def update_item(self: Any) -> Any:
        updates = self.body.get("AttributeUpdates")
        table = _table(self, self.body.get("TableName"))
        if isinstance(updates, dict) and table is not None:
            for name in table.table_key_attrs:
                if name in updates:
                    raise UpdateHashRangeKeyException(name)
        return original(self)

    return update_item


def _query(original: Any) -> Any:
    def query(self: Any) -> Any:
        name = self.body.get("IndexName")
        if name is not None:
            table = _table(self, self.body.get("TableName"))
            if table is not None and not any(i.name == name for i in table.all_indexes()):
                raise MockValidationException(
                    f"The table does not have the specified index: {name}")
        return original(self)

    return query


def _update_table(original: Any) -> Any:
    def update_table(self: Any) -> Any:
        table = _table(self, self.body.get("TableName"))
        if table is not None:
            _unchanged_throughput(table, self.body)
            _index_updates(table, self.body.get("GlobalSecondaryIndexUpdates") or [])
            _stream_change(table, self.body.get("StreamSpecification"))
        return original(self)

    return update_table


def _index_updates(table: Any, updates: list[Any]) -> None:
    globals_ = {index.name for index in table.global_indexes}
    locals_ = {index.name for index in table.indexes}
    for update in updates:
        if (update.get("Create") or {}).get("IndexName") in globals_ | locals_:
            raise MockValidationException("Attempting to create an index which already exists")
        for action in ("Delete", "Update"):
            name = (update.get(action) or {}).get("IndexName")
            if name in locals_:
                raise MockValidationException(f"Cannot {action.lower()} an index that is not a "
                                              f"GlobalSecondaryIndex: {name}")
            if name is not None and name not in globals_:
                raise ResourceNotFoundException(
                    f"Requested resource not found: Index: {name} not found for table: "
                    f"{table.name}")


def _stream_change(table: Any, specification: Any) -> None:
    if not isinstance(specification, dict) or "StreamEnabled" not in specification:
        return
    enabled = bool((table.stream_specification or {}).get("StreamEnabled"))
    if specification["StreamEnabled"] and enabled:
        raise MockValidationException(f"Table already has an enabled stream: TableName: "
                                      f"{table.name}")
    if not specification["StreamEnabled"] and not enabled:
        raise MockValidationException(f"Table has no stream to disable: TableName: "
                                      f"{table.name}")


def _unchanged_throughput(table: Any, body: dict[str, Any]) -> None:
    wanted = body.get("ProvisionedThroughput")
    if not wanted or body.get("GlobalSecondaryIndexUpdates") or \
            (table.billing_mode or "PROVISIONED") != "PROVISIONED" or \
            body.get("BillingMode", "PROVISIONED") != "PROVISIONED":
        return
    current = table.throughput or {}
    read, write = wanted.get("ReadCapacityUnits"), wanted.get("WriteCapacityUnits")
    if read == current.get("ReadCapacityUnits") and write == current.get("WriteCapacityUnits"):
        raise MockValidationException(SAME_THROUGHPUT.format(read=read, write=write))


def _transaction(original: Any) -> Any:
    def transact(self: Any) -> Any:
        reasons = [_action_problem(self, action) for action in
                   self.body.get("TransactItems") or []]
        if any(reason is not None for reason in reasons):
            raise TransactionCanceledException(
                [("ValidationError", reason, None) if reason else (None, None, None)
                 for reason in reasons])
        return original(self)

    return transact


def _action_problem(handler: Any, action: Any) -> str | None:
    """Why DynamoDB cancels this action for its key, or None."""
    if not isinstance(action, dict) or len(action) != 1:
        return None
    request = next(iter(action.values()))
    table = _table(handler, request.get("TableName")) if isinstance(request, dict) else None
    if table is None:
        return None
    if "Item" in request:
        item = request["Item"] or {}
        declared = {a["AttributeName"]: a["AttributeType"] for a in table.attr or []}
        for name in table.table_key_attrs:
            if name not in item:
                return f"One or more parameter values were invalid: Missing the key {name} in " \
                       "the item"
            kind = next(iter(item[name]), None) if isinstance(item[name], dict) else None
            if kind != declared.get(name):
                return "One or more parameter values were invalid: Type mismatch for key " \
                       f"{name} expected: {declared.get(name)} actual: {kind}"
        return None
    return None if matches(table, request.get("Key")) else MISMATCH


WRAPPERS = {"update_item": _update_item,
            "update_table": _update_table, "query": _query,
            "transact_get_items": _transaction,
            "transact_write_items": _transaction}


def install() -> None:
    require(DynamoHandler, *WRAPPERS)
    for name, wrap in WRAPPERS.items():
        setattr(DynamoHandler, name, wrap(getattr(DynamoHandler, name)))
