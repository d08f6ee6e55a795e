"""The store as ddbkit's operations reach it: the lock and key helpers.

The tables are ddbkit's own (`store.tables`), in each account's catalog per region
(`store.catalog`); the operation modules
(`emulator/operations/`) get them from `calls` and read or set their settings (`ttl`,
`tags` ...). The item-dict helpers live with the table model and are offered here too.

`STORE_LOCK` serialises every access to the store: request handling in the server thread
and background work (the TTL reaper) in others."""

from __future__ import annotations

import threading
from typing import Any

from ddbkit.emulator.store.item import Key
from ddbkit.emulator.store.tables import copied_items, stored_item, table_items

__all__ = ["STORE_LOCK", "copied_items", "request_keys",
           "stored_item", "table_items"]

STORE_LOCK = threading.RLock()


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

