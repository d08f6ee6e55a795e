"""A copy of a table's items as they were at one instant, made a slice at a time.

A backup, an export of the present, a GSI backfill and a named state each need a table's items
as they were when asked for. Copying a million-entry item dict in one call held the store lock,
and every request with it, for 30-40 ms (90 ms for a dict with the holes deletes leave: it is
then copied entry by entry). An `ItemsCopy` takes only the table's hash keys at that instant,
a list (5-10 ms per million), and copies their entries `SLICE` at a time, each slice under the
lock (`step`). A write in between first saves the entry it is about to change, as it was, for
every copy still under way (`Table.copies`, `before_write`: the item writes and a transaction's
undo call it), and a slice takes a saved entry over the table's: so the copy is exactly the
table's items at its instant, as one copy under the lock was.

The copy is two lists, the hash keys and their entries: its readers (an export, a backfill, a
named state) want the entries, and a dict made as it grows would be rehashed whole at each
doubling (15-30 ms at 1M, every request waiting). A backup's items become a dict when first
read (`as_dict`, `Backup.table`). Each slice is frozen from the cyclic collector once made
(`collector_paused`): a young list of a million entries is walked by every pass of it (40-70
ms each at 1M).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ddbkit.emulator.store.access import STORE_LOCK
from ddbkit.emulator.store.background import worker
from ddbkit.emulator.store.buckets import collector_paused
from ddbkit.emulator.turns import give_way

SLICE = 5_000  # entries copied per hold of the lock (1-2 ms: a Python hash call per key)


def _copied_entry(entry: dict[Any, Any]) -> dict[Any, Any]:
    return dict(entry)


class ItemsCopy:
    """The item dict of `table` as it is now (make it under STORE_LOCK), copied a slice at a
    time into `keys` and `values` (an entry per hash key); `finished()` when whole."""

    def __init__(self, table: Any) -> None:
        self._table, self._source = table, table.items
        self._ranged = table.range_key_attr is not None
        with collector_paused():
            self.keys: list[Any] = list(self._source)
            self.values: list[Any] = []
        self._saved: dict[Any, Any] = {}  # hash key -> its entry when the copy began
        self._done = threading.Event()
        table.copies.append(self)

    def before_write(self, hash_key: Any) -> None:
        """Under STORE_LOCK, before the entry under `hash_key` changes: keeps it as it was,
        the first time only (a ranged entry is a dict changed in place: copied then)."""
        if hash_key not in self._saved:
            entry = self._source.get(hash_key)
            self._saved[hash_key] = dict(entry) if type(entry) is dict else entry

    def step(self) -> bool:
        """Copies the next slice (under STORE_LOCK); True once the copy is whole."""
        if self._done.is_set():
            return True
        at = len(self.values)
        part = self.keys[at:at + SLICE]
        with collector_paused():
            # each as it was: the entry a write saved, else the table's, unchanged since
            found: Iterator[Any] = map(self._saved.get, part, map(self._source.get, part))
            self.values.extend(map(_copied_entry, found) if self._ranged else found)
        if len(self.values) < len(self.keys):
            return False
        self._table.copies.remove(self)
        self._table = self._source = None  # the table may go (a state restore frees it)
        self._saved = {}
        self._done.set()
        return True

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

    def as_dict(self) -> Any:
        """The finished copy as an item dict (hash key -> entry), made a slice at a time: one
        call making a million-entry dict holds the interpreter, every request waiting."""
        made: Any = defaultdict(dict)
        copied = self.finished()
        assert copied is not None
        for at in range(0, len(self.keys), SLICE):
            with collector_paused():
                made.update(zip(self.keys[at:at + SLICE], self.values[at:at + SLICE],
                                strict=True))
            give_way()
        return made


def begin(table: Any) -> ItemsCopy:
    """A copy of the table's items as they are now (under STORE_LOCK), made by the copy
    worker: a write saves what it changes only while a copy is under way, so none waits
    for its reader (an export queued behind another, a backup never read)."""
    copying = ItemsCopy(table)
    worker("copy").submit(lambda stop: _fill(copying, stop))
    return copying


def _fill(copying: ItemsCopy, stop: threading.Event) -> None:
    copying.finished(stop)
