"""Tables, backups and indexes that are dropped, freed a slice at a time, off the request path.

A table of a million items is millions of objects: its item map, its indexes' partitions,
and its Scan key order. When the last reference goes, they are all freed in one call that
holds the interpreter, and every request waits for it: a million-entry item map alone took
64 ms in a fresh process, more in a grown server. A state restore's replaced tables are
freed in its own thread (`release_tables`). A table that DeleteTable removed, or a backup
that DeleteBackup removed, goes to the release worker (`release_later`), as do the
partitions of a GSI that UpdateTable deleted. The worker waits for the request to finish
with a table, then frees it with turns given between slices (`buckets.release`).

Something else may still hold the table: a backup's copy still reading it, or a restore
reading it as its source. Then it is left alone, and its last holder frees it as before.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from ddbkit.emulator.store.background import worker
from ddbkit.emulator.store.buckets import release, release_partitions
from ddbkit.emulator.store.item_map import ItemMap

WAIT = 10.0  # seconds a dropped table may stay held by the request that dropped it
POLL = 0.05  # seconds between looks


def release_later(found: Any) -> None:
    """Frees `found` in the release worker: a table or a backup the store no longer holds,
    once the caller and its request have let go of it, or a deleted index's partitions
    (which nothing reads any more)."""
    held = [found]
    del found
    worker("release").submit(lambda stop: _release_held(held, stop))


def _release_held(held: list[Any], stop: threading.Event) -> None:
    found = held.pop()
    if isinstance(found, dict):
        release_partitions(found)
        return
    if hasattr(found, "frozen"):  # a backup: its copy of the table is what is large
        if found.copying is not None or not _alone(found, 0, stop):
            return  # a copy still under way is the copy worker's to finish
        held.append(found.frozen)
    else:
        held.append(found)
    del found  # `held` is all that holds it now
    release_tables(held, stop)


def release_tables(tables: list[Any], stop: threading.Event | None = None) -> None:
    """Frees each table in `tables` (emptied) a slice at a time: its indexes' partitions,
    its Scan key order, its items. A table and its indexes refer to each other: unlinked
    here, they go by reference counting (the collector never looks at them again once
    `gc_pauses` froze them). A table held elsewhere after `stop`'s wait is left as it is."""
    while tables:
        table = tables.pop()
        if not _alone(table, 1, stop):
            continue
        index_set, table.index_set = getattr(table, "index_set", None), None
        if index_set is not None:
            for index in index_set.indexes.values():
                release_partitions(index.partitions)
            if index_set.hash_keys is not None:  # the Scan key order: a million keys' bytes
                index_set.hash_keys.release()
        del index_set
        items, table.items = table.items, ItemMap()
        del table  # its stream goes; the items live on in `items`
        release(items)


def _alone(found: Any, index_link: int, stop: threading.Event | None) -> bool:
    """Whether nothing holds `found` but its caller's one reference (and its own indexes'
    link back to it, when `index_link`), waiting up to `WAIT` when `stop` is given (a
    worker's: a request may still be answering with it)."""
    deadline = time.monotonic() + (WAIT if stop is not None else 0.0)
    while True:
        index_set = getattr(found, "index_set", None) if index_link else None
        own = int(index_set is not None and getattr(index_set, "table", None) is found)
        del index_set
        # the caller's reference, this function's, getrefcount's own
        if sys.getrefcount(found) <= 3 + own:
            return True
        if stop is None or stop.is_set() or time.monotonic() >= deadline:
            return False
        stop.wait(POLL)
