"""A copy of a table's items as they were at one instant, made a part at a time.

A backup, an export of the present, a GSI backfill and a named state each need a table's items
as they were when asked for. Copying a million-entry item dict in one call held the store lock,
and every request with it, for 30-40 ms; listing its keys first, 5-16 ms. An `ItemsCopy` takes
nothing at its instant: it copies the parts the table's `ItemMap` had then, a few at a time,
each under the lock (`step`), the map keeping each entry in its part meanwhile (`pin`). A
write in between to a part not yet copied first saves the entry it is about to change, as it
was (None: no entry), for every copy still under way (`Table.copies`, `before_write`: the item
writes and a transaction's undo call it), and the part's copy takes the saved entries over the
table's: so the copy is exactly the table's items at its instant, as one copy under the lock
was.

The copy is an `ItemMap` (`items`), each of its parts made in one dict copy of up to 16k
entries: no call doubles a dict of a million. Each slice is frozen from the cyclic collector
once made (`collector_paused`): young containers of a million entries are walked by every
pass of it (40-70 ms each at 1M).
"""

from __future__ import annotations

import threading
from typing import Any

from ddbkit.emulator.store.access import STORE_LOCK
from ddbkit.emulator.store.background import worker
from ddbkit.emulator.store.buckets import collector_paused
from ddbkit.emulator.store.item_map import ItemMap, copied_part
from ddbkit.emulator.turns import give_way

SLICE = 5_000  # entries copied per hold of the lock at least: whole parts, one at 1M


class ItemsCopy:
    """The items of `table` as they are now (make it under STORE_LOCK), copied a few parts
    at a time into `items`; `finished()` when whole."""

    def __init__(self, table: Any) -> None:
        self._table, self._source = table, table.items
        self.items = ItemMap()
        self._todo = list(self._source.parts)  # the parts to copy, by number, oldest first
        self._pending = set(self._todo)  # those not copied yet
        self._saved: dict[int, dict[Any, Any]] = {}  # part -> {hash key -> entry, as it was}
        self._done = threading.Event()
        self._source.pin()  # no part merged into another before it is copied
        table.copies.append(self)

    def before_write(self, hash_key: Any) -> None:
        """Under STORE_LOCK, before the entry under `hash_key` changes: keeps it as it was,
        the first time only, unless its part is copied (a ranged entry is a dict changed in
        place: copied then)."""
        at = self._source.home_of(hash_key)
        if at not in self._pending:
            return
        saved = self._saved.setdefault(at, {})
        if hash_key not in saved:
            entry = self._source.get(hash_key)
            saved[hash_key] = dict(entry) if type(entry) is dict else entry

    def step(self) -> bool:
        """Copies the next parts, `SLICE` entries or one part (under STORE_LOCK); True once
        the copy is whole."""
        if self._done.is_set():
            return True
        copied = 0
        with collector_paused():
            while self._pending and copied < SLICE:
                number = self._todo[len(self._todo) - len(self._pending)]
                made = self._copied_part(number)
                self.items.adopt(number, made)
                self._pending.discard(number)
                copied += len(made)
        if self._pending:
            return False
        self._table.copies.remove(self)
        self._source.unpin()
        self._table = self._source = None  # the table may go (a state restore frees it)
        self._done.set()
        return True

    def _copied_part(self, at: int) -> dict[Any, Any]:
        made = copied_part(self._source.parts[at])
        for hash_key, entry in self._saved.pop(at, {}).items():  # each as it was
            if entry is None:
                made.pop(hash_key, None)
            else:
                made[hash_key] = entry
        return made

    def finished(self, stop: threading.Event | None = None) -> ItemsCopy | None:
        """The copy, whole: a slice per hold of STORE_LOCK, so requests go on between them (a
        caller holding the lock already copies the rest at once). None if `stop` is set
        first: the copy goes on from there when asked again."""
        while not self._done.is_set():
            if stop is not None and stop.is_set():
                return None
            with STORE_LOCK:
                if self.step():
                    break
            give_way()  # a request waiting for the lock gets it (`turns`)
        return self

    def whole(self) -> ItemMap:
        """The finished copy's items."""
        self.finished()
        return self.items


def begin(table: Any) -> ItemsCopy:
    """A copy of the table's items as they are now (under STORE_LOCK), made by the copy
    worker: a write saves what it changes only while a copy is under way, so none waits
    for its reader (an export queued behind another, a backup never read)."""
    copying = ItemsCopy(table)
    worker("copy").submit(lambda stop: _fill(copying, stop))
    return copying


def _fill(copying: ItemsCopy, stop: threading.Event) -> None:
    copying.finished(stop)
