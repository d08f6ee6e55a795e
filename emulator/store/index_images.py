"""A table's built query indexes as plain data, and installed back without sorting again.

An image holds, per index (None: the base table) and per partition (the partition key's
order bytes), the rows of its entries (positions in a list of items the caller keeps: a
snapshot's items as it wrote them) and their entry keys, both in the partition's order, plus
the signature (index names and key schemas) they were built for. An entry key ends with one
of the table's keys (`Layout.parts`), which its item holds: the image keeps only what comes
before it, one object per distinct prefix (pickled once, e.g. a status value's), so it is a
few bytes an entry. Installing one fills each partition from those sorted lists
(`Bucket.of_sorted`): nothing sorted and no value encoded, which is most of what a build
costs (`TableIndexes.build`).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from ddbkit.emulator.store.buckets import (
    Bucket,
    Columns,
    collector_paused,
    release,
    release_partitions,
)
from ddbkit.emulator.store.indexes import (
    Layout,
    TableIndexes,
    empty_indexes,
    layouts,
    signature,
)
from ddbkit.emulator.store.tables import Table

# Dicts a million-entry map is spread over, by hash: one dict of a million entries doubles in
# one call that holds the interpreter (226 ms at 1M in a `state save`, a request waiting).
SPREAD = 251


def _tail(table: Table, layout: Layout) -> str | None:
    """The table key attribute whose order bytes end the index's entry keys (None: none)."""
    last = layout.parts[-1] if layout.parts else None
    return last if last in (table.hash_key_attr, table.range_key_attr) else None


def _getter(table: Table, attribute: str | None) -> Callable[[Any], bytes]:
    if attribute is None:
        return lambda item: b""
    return attrgetter("hash_key.order" if attribute == table.hash_key_attr else
                      "range_key.order")


def image(built: TableIndexes, items: list[Any]) -> dict[str, Any]:
    """The indexes `built` of exactly `items`, as plain data."""
    at: list[dict[int, int]] = [{} for _ in range(SPREAD)]  # id(item) -> its row
    for row, item in enumerate(items):
        key = id(item)
        at[key % SPREAD][key] = row
    shared: list[dict[bytes, bytes]] = [{} for _ in range(SPREAD)]
    found: dict[Any, Any] = {}
    for name, index in built.indexes.items():
        tail = _getter(built.table, _tail(built.table, index.layout))
        found[name] = {partition: [[at[(key := id(item)) % SPREAD][key] for item in bucket],
                                   _prefixes(bucket, tail, shared)]
                       for partition, bucket in index.partitions.items()}
    for part in at:
        release(part)
    return {"signature": built.signature, "indexes": found}


def discard(built: TableIndexes, found: dict[str, Any]) -> None:
    """Indexes built only to be imaged, and their image: freed a partition at a time
    (`buckets.release`), not in one call at the caller's return."""
    for index in built.indexes.values():
        release_partitions(index.partitions)
    release_image(found)


def release_image(found: dict[str, Any]) -> None:
    """An image's rows and prefixes, freed a partition at a time once its indexes are
    installed (or were not wanted): dropped whole, a 1M table's image (millions of ints and
    bytes) freed in one call while a state restore read on beside requests."""
    indexes = found.get("indexes")
    for partitions in indexes.values() if isinstance(indexes, dict) else ():
        if isinstance(partitions, dict) and all(  # an image's shape (`install` checks more)
                isinstance(pair, list) and all(isinstance(part, list) for part in pair)
                for pair in partitions.values()):
            release_partitions(partitions)


def _prefixes(bucket: Bucket, tail: Callable[[Any], bytes],
              shared: list[dict[bytes, bytes]]) -> list[bytes]:
    """Each entry key without its tail; equal ones one object."""
    cut = [key[:len(key) - len(tail(item))] for key, item in zip(bucket.sorted_keys(), bucket,
                                                                   strict=True)]
    return [shared[hash(prefix) % SPREAD].setdefault(prefix, prefix) for prefix in cut]


def install(table: Table, items: list[Any], found: dict[str, Any]) -> bool:
    """The table's indexes from `found` (an `image` of `items`); False, leaving them to be
    built (`store.ready`, at the end of a restart), when the table's indexes are no longer
    those it was made for.
    Raises ValueError for an image that does not fit `items`."""
    shapes = layouts(table)
    current = signature(table)
    if found.get("signature") != current or any(
            index.status == "CREATING" for index in table.global_indexes):
        return False  # an index being backfilled when the image was made may be half-filled
    indexes = empty_indexes(table, shapes)
    stored = found.get("indexes")
    if not isinstance(stored, dict) or set(stored) != set(indexes):
        return False
    with collector_paused(), Columns(items, table.hash_key_attr,
                                     table.range_key_attr) as columns:
        for name, index in indexes.items():
            tail = _tail(table, index.layout)
            ends = None if tail is None else columns.get(tail)  # once per table, not index
            index.partitions = {partition: _bucket(rows, prefixes, items, index.key_of, ends)
                                for partition, (rows, prefixes) in stored[name].items()}
    table.index_set = TableIndexes(table, current, shapes, indexes)
    return True


def _bucket(rows: list[int], prefixes: list[bytes], items: list[Any], key: Any,
            ends: list[bytes] | None) -> Bucket:
    if len(rows) != len(prefixes) or (rows and not 0 <= min(rows) <= max(rows) < len(items)):
        raise ValueError("an index image that does not fit the items written before it")
    keys = prefixes if ends is None else \
        [prefix + ends[row] for prefix, row in zip(prefixes, rows, strict=True)]
    return Bucket.of_sorted(keys, [items[row] for row in rows], key)
