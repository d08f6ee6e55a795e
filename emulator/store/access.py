"""The store as ddbkit's operations reach it: the lock, tables by name, key helpers.

The tables are ddbkit's own (`store.tables`), in each account's catalog per region
(`store.catalog`); the operation modules (`emulator/operations/`) get them here (`table`,
`tables`, `stored` ...) and read or set their settings (`ttl`, `tags` ...). The item-dict
helpers live with the table model and are offered here too.

`STORE_LOCK` serialises every access to the store: request handling in the server thread
and background work (the TTL reaper) in others."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.operations.call import OperationError, not_found
from ddbkit.emulator.store.catalog import Catalog
from ddbkit.emulator.store.item import Key
from ddbkit.emulator.store.tables import (
    CREATING,
    copied_items,
    each_item,
    stored_item,
    table_items,
)

__all__ = ["STORE_LOCK", "KeySchema", "attributes", "billed_size", "copied_items",
           "delete_table", "each_item", "find_table", "key_schema", "refuse_while_creating",
           "request_keys", "stored", "stored_item", "table", "table_items", "tables"]

STORE_LOCK = threading.RLock()
NOT_FOUND = "Requested resource not found"


def request_keys(table: Any, key: dict[str, Any]) -> tuple[Any, Any] | None:
    """A request's Key as the store keys items (hash `Key`, range `Key` or None); None when
    malformed or of other types than the table's keys, which is refused before anything
    changes."""
    try:
        hash_key = Key(key[table.hash_key_attr])
        range_key = Key(key[table.range_key_attr]) if table.range_key_attr else None
    except (KeyError, TypeError, AttributeError, ValueError):
        return None  # NotAKey (a list, a map, a malformed number) is a ValueError
    if hash_key.type != table.hash_key_type or (
            range_key is not None and range_key.type != table.range_key_type):
        return None
    return hash_key, range_key


def table(backend: Catalog, name: str) -> Any:
    """The table named `name` (or with that ARN); ResourceNotFoundException as DynamoDB (and
    moto before it) words it, also for a table still CREATING (a restore's), as DynamoDB
    answers item operations on a table that is not ACTIVE."""
    found = find_table(backend, name)
    if found is None:
        raise not_found(NOT_FOUND)
    return found


def refuse_while_creating(found: Any) -> None:
    """DynamoDB's answer to changing a table a restore is still creating."""
    if found is not None and found.status == CREATING:
        raise OperationError("ResourceInUseException", "Attempt to change a resource which is "
                             f"still in use: Table is being created: {found.name}")


def tables(backend: Catalog) -> dict[str, Any]:
    """The tables by name (the catalog's own dict: what is done to a table stays done)."""
    return backend.tables


def delete_table(backend: Catalog, name: str) -> Any:
    """Removes the table from the store; the removed table object."""
    return backend.tables.pop(table(backend, name).name)


def find_table(backend: Catalog, name: Any) -> Any:
    """The table named `name` (or with that ARN), or None; None too while a restore is
    still creating it."""
    found = backend.table(name) if isinstance(name, str) else None
    return None if found is None or found.status == CREATING else found


@dataclass(frozen=True, slots=True)
class KeySchema:
    """A table's primary key: each attribute's name and declared type (S, N or B)."""

    hash_name: str
    hash_type: str
    range_name: str | None
    range_type: str | None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.hash_name,) if self.range_name is None else (self.hash_name,
                                                                   self.range_name)


def key_schema(found: Any) -> KeySchema:
    return KeySchema(found.hash_key_attr, found.hash_key_type, found.range_key_attr,
                     found.range_key_type if found.range_key_attr else None)


def stored(found: Any, key: dict[str, Any]) -> tuple[Any, Any]:
    """(the item stored under a Key that matches the table's schema, or None; its partition
    key value, as the throughput model counts partitions). Binary values may be base64 text:
    a `Key` holds their bytes."""
    keys = request_keys(found, key)
    if keys is None:
        return None, None
    return stored_item(found, *keys), keys[0]


def billed_size(item: Any) -> int:
    """The item's size as DynamoDB bills it, counted once per item (`store.item.Item`)."""
    found: int = item.size()
    return found


def attributes(item: Any) -> dict[str, Any]:
    """The item's attributes as DynamoDB JSON (binary values as bytes, for the answer's
    encoder to write as base64): the stored item's own, never to be changed in place."""
    found: dict[str, Any] = item.attrs
    return found
