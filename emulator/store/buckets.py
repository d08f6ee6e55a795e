"""An index partition's sorted list, and building many of them at once from stored items.

A partition is a `SortedKeyList` of items keyed by their entry keys (`entry_keys`). Built one
by one, or by SortedKeyList's constructor, every key is computed twice (to sort, then to
keep) by a Python call per item; an index built at once (`partitions`) computes each
attribute's order bytes once per item for all its indexes (`Columns`), joins the entry keys
in comprehensions, sorts the (key, item) pairs and fills each list from them (`Bucket`),
with the cyclic collector paused (`collector_paused`): the millions of pairs and lists made
would set off its passes over the whole heap, half the build's time at a million items. A
large partition is sorted in runs merged in Python (`_in_order`): one sort of 300k entries is
a single call into C that holds the interpreter, and every request with it, for most of a
second, while a build runs beside requests (a state's save, a restore, a backfill).
"""

from __future__ import annotations

import gc
import heapq
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from sortedcontainers import SortedKeyList

from ddbkit.emulator.store import entry_keys
from ddbkit.emulator.store.item_map import ItemMap
from ddbkit.emulator.store.key_bytes import encode
from ddbkit.emulator.turns import give_way

_FIRST = itemgetter(0)
SORT_RUN = 5_000  # entries sorted in one call (2-4 ms)
RELEASE_RUN = 5_000  # references dropped in one call (about a ms of frees)


def release(values: list[Any] | dict[Any, Any] | ItemMap) -> None:
    """Empties `values` a slice at a time. Dropping the last reference to a million objects
    at once frees them all in one call that holds the interpreter, every request waiting
    (0.1-0.2 s per million); between slices it gives way (`turns`)."""
    if isinstance(values, ItemMap):
        for held in values.held_dicts():
            release(held)
        return
    if isinstance(values, dict):
        while values:
            for _ in range(min(RELEASE_RUN, len(values))):
                values.popitem()
            give_way()
        return
    while values:
        del values[-RELEASE_RUN:]
        give_way()


def release_partitions(partitions: dict[bytes, Any]) -> None:
    """An index's partitions (Buckets) or an index image's ([rows, prefixes] each), emptied
    a slice at a time: a partition can hold hundreds of thousands of entries (the status
    GSI's, at 1M), and dropping one freed them all in one call, 44-47 ms with requests
    waiting. Only for partitions nothing reads any more."""
    while partitions:
        _, found = partitions.popitem()
        if isinstance(found, Bucket):
            found.release()
        else:
            for part in found:
                release(part)
        give_way()


_pauses_lock = threading.Lock()
_pauses = 0  # builds under way now (a restore's worker and a request's can overlap)
_enabled_before = False  # the collector's state when the first of them began


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection while building (what is built holds no cycles to collect). Counted
    across threads: the collector comes back, as it was, when the last overlapping build ends,
    not when the first does. What was made meanwhile is frozen then (`gc.freeze`): it lives on
    or dies by reference counting, and left in the young generation it made the collector's
    next pass one walk over millions of objects (0.3-0.7 s at 1M items, every request
    waiting). The price is `endpoint.gc_pauses`': cyclic garbage made during a build is never
    collected."""
    global _pauses, _enabled_before
    with _pauses_lock:
        if _pauses == 0:
            _enabled_before = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses -= 1
            if _pauses == 0:
                gc.freeze()
                if _enabled_before:
                    gc.enable()


class Bucket(SortedKeyList):  # type: ignore[misc]  # sortedcontainers has no types
    """A SortedKeyList that can also be filled at once from values sorted already whose
    keys are known, as `SortedKeyList.update` fills an empty one (sublists of its load)."""

    @classmethod
    def of_sorted(cls, keys: list[bytes], values: list[Any],
                  key: Callable[[Any], bytes]) -> Bucket:
        bucket = cls(key=key)
        load = bucket._load
        bucket._lists = [values[at:at + load] for at in range(0, len(values), load)]
        bucket._keys = [keys[at:at + load] for at in range(0, len(keys), load)]
        bucket._maxes = [part[-1] for part in bucket._keys]
        bucket._len = len(values)
        return bucket

    def release(self) -> None:
        """Empties the bucket a few sublists per call (it is being dropped: `release`'s
        reason), then clears it."""
        runs = max(1, RELEASE_RUN // self._load)
        while self._lists:
            del self._lists[-runs:]
            del self._keys[-runs:]
        self.clear()

    def sorted_keys(self) -> list[bytes]:
        """Every value's key, in order (kept by the list: nothing computed again)."""
        return [key for part in self._keys for key in part]


class Columns:
    """Per attribute, the order bytes of each item's value (None: the item lacks it), made
    once for every index that needs them; the table's key attributes from the items' keys."""

    def __init__(self, items: Sequence[Any], hash_attr: str, range_attr: str | None) -> None:
        self.items, self.hash_attr, self.range_attr = items, hash_attr, range_attr
        self._made: dict[str, list[Any]] = {}

    def __enter__(self) -> Columns:
        return self

    def __exit__(self, *exc: object) -> None:
        """Millions of order bytes: freed a slice at a time (`release`)."""
        for made in self._made.values():
            release(made)
        self._made.clear()

    def get(self, attribute: str) -> list[Any]:
        found = self._made.get(attribute)
        if found is None:
            found = self._made[attribute] = self._make(attribute)
        return found

    def _make(self, attribute: str) -> list[Any]:
        if attribute == self.hash_attr:
            return [item.hash_key.order for item in self.items]
        if attribute == self.range_attr:
            return [item.range_key.order for item in self.items]
        values = [item.attrs.get(attribute) for item in self.items]
        # most keys are strings: their UTF-8 bytes, without encode's checks
        return [None if value is None else
                text.encode() if type(text := value.get("S")) is str else encode(value)
                for value in values]


def partitions(columns: Columns, partition: Sequence[str], parts: Sequence[str],
               required: Sequence[str], key: Callable[[Any], bytes],
               types: Sequence[str] = ()) -> dict[bytes, Bucket]:
    """An index's partitions over the items: those with every `required` attribute (of its
    type in `types`, when given), by the order bytes of `partition` (several attributes: their
    values joined as an entry key's are), each sorted by the entry key of `parts` (`key`
    computes it for an item, for the writes to come)."""
    items = columns.items
    needed = [columns.get(attribute) for attribute in required]
    rows: Sequence[int] = range(len(items))
    for column in needed:
        rows = [n for n in rows if column[n] is not None]
    for attribute, kind in zip(required, types, strict=False):
        if kind and attribute not in (columns.hash_attr, columns.range_attr):
            rows = [n for n in rows if kind in items[n].attrs[attribute]]
    ordered = [columns.get(attribute) for attribute in parts]
    if len(ordered) == 1:
        keys = [ordered[0][n] for n in rows]
    elif len(ordered) == 2:
        first, last = ordered
        keys = [entry_keys.escaped(first[n]) + entry_keys.END + last[n] for n in rows]
    else:
        keys = [entry_keys.join([column[n] for column in ordered]) for n in rows]
    by_partition: Any = columns.get(partition[0])
    if len(partition) > 1:
        values = [columns.get(attribute) for attribute in partition]
        by_partition = {n: entry_keys.join([column[n] for column in values]) for n in rows}
    grouped: dict[bytes, list[tuple[bytes, Any]]] = {}
    for n, entry in zip(rows, keys, strict=True):
        found = grouped.get(by_partition[n])
        if found is None:
            found = grouped[by_partition[n]] = []
        found.append((entry, items[n]))
    built = {value: bucket_of(grouped.pop(value), key) for value in list(grouped)}
    release(keys)
    if isinstance(rows, list):
        release(rows)
    if isinstance(by_partition, dict):
        release(by_partition)
    return built


def bucket_of(pairs: list[tuple[bytes, Any]], key: Callable[[Any], bytes]) -> Bucket:
    """A Bucket of the (key, value) pairs, whose keys are unique (`key` computes one for the
    writes to come); `pairs` is emptied."""
    entries = _in_order(pairs)
    bucket = Bucket.of_sorted([e[0] for e in entries], [e[1] for e in entries], key)
    release(entries)  # the temporaries, a slice at a time rather than all at the return
    release(pairs)
    return bucket


def _in_order(entries: list[tuple[bytes, Any]]) -> list[tuple[bytes, Any]]:
    """The (entry key, item) pairs by key, no single call sorting more than SORT_RUN."""
    if len(entries) <= SORT_RUN:
        entries.sort(key=_FIRST)  # by key only: items never compared
        return entries
    runs = [sorted(entries[at:at + SORT_RUN], key=_FIRST)
            for at in range(0, len(entries), SORT_RUN)]
    # The merge compares the pairs, so their keys only: an index's entry keys are unique.
    return list(heapq.merge(*runs))
