"""A copy of a table's items as they were at one instant, made a slice at a time.

A backup, an export of the present, a GSI backfill and a named state each need a table's items
as they were when asked for. Copying a million-entry item dict in one call held the store lock,
and every request with it, for 30-40 ms (90 ms for a dict with the holes deletes leave: it is
then copied entry by entry). An `ItemsCopy` takes only the table's hash keys at that instant,
a list (5-10 ms per million), and copies their entries `SLICE` at a time, each slice under the
lock (`step`). A write in between first saves the entry it is about to change, as it was, for
every copy still under way (`Table.copies`, `before_write`: the item writes and a transaction's
undo call it), and the finished copy puts those saved entries back: so it is exactly the
table's items at its instant, as one copy under the lock was.

Until it is finished, what the copy holds is only its own (a backup's items are read through
`finished`). Each slice is frozen from the cyclic collector once made (`collector_paused`):
a young dict of a million entries is walked by every pass of it (40-70 ms each at 1M).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Any

from ddbkit.emulator.store.access import STORE_LOCK
from ddbkit.emulator.store.background import worker
from ddbkit.emulator.store.buckets import collector_paused, release

SLICE = 20_000  # entries copied per hold of the lock (2-4 ms)
_UNSAVED = object()  # a hash key no write touched since the copy began
ABSENT = object()  # a hash key that had no entry when the copy began


class ItemsCopy:
    """The item dict of `table` as it is now (make it under STORE_LOCK), copied a slice at a
    time; `finished()` gives it whole."""

    def __init__(self, table: Any) -> None:
        self._table, self._source = table, table.items
        self._ranged = table.range_key_attr is not None
        with collector_paused():
            self._keys: list[Any] | None = list(self._source)
            self._made: Any = defaultdict(dict)
        self._saved: dict[Any, Any] = {}  # hash key -> its entry when the copy began
        self._at = 0
        self._done = threading.Event()
        table.copies.append(self)

    def before_write(self, hash_key: Any) -> None:
        """Under STORE_LOCK, before the entry under `hash_key` changes: keeps it as it was,
        the first time only (a ranged entry is a dict changed in place: copied then)."""
        if hash_key not in self._saved:
            entry = self._source.get(hash_key, ABSENT)
            self._saved[hash_key] = dict(entry) if type(entry) is dict else entry

    def step(self) -> bool:
        """Copies the next slice (under STORE_LOCK); True once the copy is whole."""
        if self._keys is None:
            return True
        keys, source, made = self._keys, self._source, self._made
        end = min(self._at + SLICE, len(keys))
        with collector_paused():
            part = keys[self._at:end]
            if self._ranged:  # an entry is changed in place: a copy of each
                made.update((key, dict(entry) if type(entry) is dict else entry)
                            for key, entry in zip(part, map(source.get, part), strict=True))
            else:
                made.update(zip(part, map(source.get, part), strict=True))
        self._at = end
        if end < len(keys):
            return False
        # Every key the table had: the ones written since hold their saved entries instead.
        made.update((key, entry) for key, entry in self._saved.items() if entry is not ABSENT)
        self._table.copies.remove(self)
        keys, self._keys, self._saved = self._keys, None, {}
        self._table = self._source = None  # the table may go (a state restore frees it)
        self._done.set()
        release(keys)
        return True

    def finished(self, stop: threading.Event | None = None) -> Any:
        """The whole copy: a slice per hold of STORE_LOCK, so requests go on between them (a
        caller holding the lock already copies the rest at once). None if `stop` is set
        first: the copy goes on from there when asked again."""
        while not self._done.is_set():
            if stop is not None and stop.is_set():
                return None
            with STORE_LOCK:
                if self.step():
                    break
            time.sleep(0)  # hands the interpreter to a waiting request now, not in 5 ms
        return self._made


def begin(table: Any) -> ItemsCopy:
    """A copy of the table's items as they are now (under STORE_LOCK), made by the copy
    worker: a write saves what it changes only while a copy is under way, so none waits
    for its reader (an export queued behind another, a backup never read)."""
    copying = ItemsCopy(table)
    worker("copy").submit(copying.finished)
    return copying
