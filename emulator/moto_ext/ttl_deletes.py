"""The TTL sweep's access to moto's store: which tables expire items, and deleting them.

moto stores a table's TTL setting and never deletes anything. The reaper (`emulator/ttl.py`)
decides when to sweep and what counts as expired; this module does the store work under the
store lock, in chunks of hash keys, re-reading each item at delete time (so an item whose TTL
was pushed into the future meanwhile survives), and writes each delete's stream record as the
service's (stamped on the reaper's clock; moto's `delete_item` writes none to ddbkit's shard).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from moto.dynamodb.models.table import Table

from ddbkit.emulator.durability import hooks as durability
from ddbkit.emulator.moto_ext.clock import running_on
from ddbkit.emulator.moto_ext.item_writes import stream_record
from ddbkit.emulator.moto_ext.store import STORE_LOCK, dynamodb_backend, require

CHUNK = 500  # hash keys swept per lock hold: requests wait at most one chunk


def ttl_tables(account_id: str, region: str) -> list[Any]:
    """Tables whose TTL is enabled."""
    with STORE_LOCK:
        return [t for t in dynamodb_backend(account_id, region).tables.values()
                if t.ttl.get("TimeToLiveStatus") == "ENABLED"]


def delete_expired(table: Any, expired: Callable[[Any, float], bool],
                   clock: Callable[[], float]) -> int:
    """Delete the items whose TTL attribute `expired(value, now)` says is past; returns how
    many. `value` is a moto DynamoType or None."""
    attribute = table.ttl.get("AttributeName")
    with STORE_LOCK:
        hash_keys = list(table.items.keys())
    deleted = 0
    for start in range(0, len(hash_keys), CHUNK):
        # durability: the chunk's deletes journaled under the lock, or undone (JournalError)
        with STORE_LOCK, running_on(clock), durability.journaled(None):
            now = clock()
            chunk = 0
            for item in list(_items_under(table, hash_keys[start:start + CHUNK])):
                if expired(item.attrs.get(attribute), now):
                    table.delete_item(item.hash_key, item.range_key)
                    stream_record(table, item, None, by_service=True)
                    chunk += 1
        deleted += chunk
    return deleted


def _items_under(table: Any, hash_keys: Iterable[Any]) -> Iterator[Any]:
    for hash_key in hash_keys:
        entry = table.items.get(hash_key)  # .get: table.items is a defaultdict
        if entry is None:
            continue
        yield from (entry.values() if table.range_key_attr else (entry,))


def install() -> None:
    require(Table, "delete_item")
