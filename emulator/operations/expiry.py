"""TTL deletes: the service's own DeleteItems, through the same write stages as DeleteItem.

The reaper (`emulator/ttl.py`) decides when to sweep and what has expired. Here each table is
swept in chunks of partition keys, one store-lock hold per chunk (requests wait at most one
chunk), re-reading each item at delete time so an item whose TTL moved into the future since
survives. Each delete goes through `writes`: undo and change notes, the item, its indexes and
a REMOVE stream record marked as the service's (stamped on the reaper's clock). A chunk is
journaled as one block, or undone when the journal cannot take it. TTL deletes cost no one
capacity.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ddbkit.emulator.durability import hooks as durability
from ddbkit.emulator.operations import ttl_deletes, writes
from ddbkit.emulator.store.access import STORE_LOCK
from ddbkit.emulator.store.clock import running_on

__all__ = ["CHUNK", "delete_expired", "ttl_tables"]

CHUNK = 500  # partition keys swept per lock hold
ttl_tables = ttl_deletes.ttl_tables


def delete_expired(table: Any, expired: Callable[[Any, float], bool],
                   clock: Callable[[], float]) -> int:
    """Deletes the items whose TTL attribute `expired(value, now)` says is past; how many.
    `value` is the stored value (DynamoDB JSON) or None."""
    name = table.ttl.get("AttributeName")
    with STORE_LOCK:
        partitions = ttl_deletes.hash_keys(table)
    deleted = 0
    for start in range(0, len(partitions), CHUNK):
        with STORE_LOCK, running_on(clock), durability.journaled(None):
            now = clock()
            done = 0
            for item in list(ttl_deletes.items_under(table, partitions[start:start + CHUNK])):
                if expired(ttl_deletes.attribute(item, name), now):
                    keys = ttl_deletes.keys_of(item)
                    writes.delete(table, keys)
                    writes.maintain_indexes(table, item, None)
                    writes.stream(table, item, None, by_service=True)
                    done += 1
        deleted += done  # counted once journaled: a refused chunk was undone
    return deleted
