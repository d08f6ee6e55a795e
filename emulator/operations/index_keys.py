"""Index key types, checked before a write changes anything.

moto 5.2 checks the types of a table's own key attributes (`Table.put_item`) and refuses a
GSI key set to NULL (`responses.validate_put_has_gsi_keys_set_to_none`), but stores an item
whose GSI or LSI key has another type than the table's AttributeDefinitions declare. DynamoDB
refuses such a write:

    One or more parameter values were invalid: Type mismatch for Index Key scheduledDate
    Expected: S Actual: N IndexName: providerBookings-index

(ValidationException, the wording of AWS's answers quoted in SDK issues, e.g.
mapbox/cardboard#85, dynamoose/dynamoose#296). Stored anyway, such an item makes every later
Query of the index order values of different types together, which DynamoDB never does.

Every put path (PutItem, BatchWriteItem, TransactWriteItems, PartiQL INSERT/UPDATE,
ImportTable) calls `check` and `check_sizes` (operations/writes.item_keys) before anything is
stored or a stream record written; the item an UpdateItem produces is checked with
`check_update` before it is stored (operations/updates.py).

Replaces moto's partial check, whose message differs from AWS's: its PutItem handler's NULL
check (it always says `Expected: S`; PutItem now runs in operations/put_item.py, which calls
`check` instead). An UpdateExpression is ddbkit's own (expressions/updates.py): the item it
leaves is checked here with `check_update`.

moto's key size check (`Table._validate_key_sizes`, on put) skips LSI sort keys and no update
checks index keys' sizes: `check_sizes` holds every index key to DynamoDB's limits (2048
bytes for a partition key, 1024 for a sort key) on both paths.

An update that leaves an empty binary in an index key (a legacy AttributeUpdates PUT, a PartiQL
UPDATE, or SET) is refused as DynamoDB refuses it (`check_update`).
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.capacity.sizes import MAX_HASH_KEY_BYTES, MAX_RANGE_KEY_BYTES, value_size
from ddbkit.emulator.operations.call import validation_error
from ddbkit.emulator.operations.key_values import (
    HASH_KEY_TOO_LONG,
    RANGE_KEY_TOO_LONG,
    empty_binary,
)
from ddbkit.emulator.store.tables import Table

MESSAGE = ("One or more parameter values were invalid: Type mismatch for Index Key {name} "
           "Expected: {expected} Actual: {actual} IndexName: {index}")
EMPTY_UPDATED = ("One or more parameter values are not valid. The update expression attempted "
                 "to update a secondary index key to a value that is not supported. The "
                 "AttributeValue for a key attribute cannot contain an empty binary value.")


def _kind(value: Any) -> str | None:
    """The data type of a value as DynamoDB JSON ({"S": ...})."""
    kind = next(iter(value)) if isinstance(value, dict) and len(value) == 1 else None
    return kind if isinstance(kind, str) else None


def mismatch(table: Table, attrs: dict[str, Any]) -> str | None:
    """AWS's message for the first index key attribute of the wrong type; None if all fit."""
    declared = {a.get("AttributeName"): a.get("AttributeType") for a in table.attr or []}
    if any(name in attrs and _kind(attrs[name]) != declared.get(name)
           for name in table.table_key_attrs):
        return None  # moto refuses a table key of the wrong type with its own message
    # An attribute that keys several indexes: AWS names the alphabetically first.
    for index in sorted(table.all_indexes(), key=lambda i: i.name):
        for key in index.schema:
            name = key.get("AttributeName")
            if name not in attrs or name in table.table_key_attrs:
                continue  # absent: not in this (sparse) index
            actual = _kind(attrs[name])
            expected = declared.get(name)
            if expected is not None and actual != expected:
                return MESSAGE.format(name=name, expected=expected, actual=actual,
                                      index=index.name)
    return None


def check(table: Table, attrs: dict[str, Any]) -> None:
    message = mismatch(table, attrs)
    if message is not None:
        raise validation_error(message)


def check_sizes(table: Table, attrs: dict[str, Any]) -> None:
    """Every index key within DynamoDB's size limits."""
    for index in table.all_indexes():
        for key in index.schema:
            name = key.get("AttributeName")
            value = attrs.get(name) if isinstance(name, str) else None
            if value is None or name in table.table_key_attrs:
                continue
            size = value_size(value)
            if key.get("KeyType") == "HASH" and size > MAX_HASH_KEY_BYTES:
                raise validation_error(HASH_KEY_TOO_LONG)
            if key.get("KeyType") == "RANGE" and size > MAX_RANGE_KEY_BYTES:
                raise validation_error(RANGE_KEY_TOO_LONG)


def check_update(table: Table, attrs: dict[str, Any]) -> None:
    """The item an update leaves: index keys of their declared types and sizes, none an
    empty binary."""
    check(table, attrs)
    check_sizes(table, attrs)
    for index in table.all_indexes():
        for key in index.schema:
            name = key.get("AttributeName")
            if name is not None and name not in table.table_key_attrs and \
                    empty_binary(attrs.get(name)):
                raise validation_error(EMPTY_UPDATED)


