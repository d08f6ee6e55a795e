"""What the TTL sweep reads in the store: which tables expire items, and their items.

A table keeps its TTL setting (`ttl`); the reaper (`emulator/ttl.py`)
decides when to sweep and what counts as expired; the deletes are ddbkit's own write stages
(`operations/expiry.py`). Call these under `STORE_LOCK`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ddbkit.emulator.store.access import STORE_LOCK
from ddbkit.emulator.store.catalog import catalog


def ttl_tables(account_id: str, region: str) -> list[Any]:
    """Tables whose TTL is enabled."""
    with STORE_LOCK:
        return [t for t in catalog(account_id, region).tables.values()
                if t.ttl.get("TimeToLiveStatus") == "ENABLED"]


def hash_keys(table: Any) -> list[Any]:
    """The table's partition key values, as a list the sweep walks in chunks."""
    return list(table.items)


def items_under(table: Any, keys: Iterable[Any]) -> Iterator[Any]:
    """Every item stored under these partition key values (none for one since emptied)."""
    for hash_key in keys:
        entry = table.items.get(hash_key)
        if entry is None:
            continue
        yield from (entry.values() if table.range_key_attr else (entry,))


def attribute(item: Any, name: str) -> Any:
    """The item's value of `name` (DynamoDB JSON), or None."""
    return item.attrs.get(name)


def keys_of(item: Any) -> tuple[Any, Any]:
    return item.hash_key, item.range_key
