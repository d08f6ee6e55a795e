"""Maintained indexes: Query costs O(log n + k) instead of a walk and sort of the whole table.

Every table keeps, per index (the base table, each GSI and each LSI), its partitions as
SortedDicts keyed in the index's order (its sort key, then the table's keys; each value
as `store.item.sort_value` orders it: strings and binary by their bytes, numbers by their
order bytes), partitions by the partition key's sort value. Every write is ddbkit's own
(operations/writes.py re-keys through `maintained`; TTL deletes and imports too). They are built
when a table is created, restored or its GSIs change (`table_calls`, `backup_calls`), so
no Query pays to build them.

ddbkit's Query and Scan (operations/query.py, scan.py) read their candidates here:
`partition_range` (the slice of one partition a sort key condition selects, from after the
ExclusiveStartKey, either way) and `index_order` (every item, partitions in key order).
moto's own Table.query, which walked and sorted the whole table per call, is not used.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models.table import Table
from sortedcontainers import SortedDict

from ddbkit.emulator.moto_ext.store import request_keys, stored_item
from ddbkit.emulator.store.item import Key, sort_value

_ATTR = "_ddbkit_indexes"


class _Top:
    """Sorts after every value: (v, TOP) bounds all keys whose first element is v."""

    def __lt__(self, other: Any) -> bool:
        return False

    def __gt__(self, other: Any) -> bool:
        return True

    def __eq__(self, other: Any) -> bool:
        return other is self

    def __hash__(self) -> int:
        return 0


TOP = _Top()


@dataclass(frozen=True)
class Layout:
    """Which attribute partitions an index and which attributes order it (moto's order)."""

    partition: str
    sort: tuple[str, ...]
    required: tuple[str, ...]  # attributes an item needs to be in the index (sparse GSIs)


def layouts(table: Table) -> dict[str | None, Layout] | None:
    """Per index name (None: the base table; GSIs and LSIs); None when a key shape is not
    supported here (an index keyed on several attributes per role)."""
    table_keys = (table.hash_key_attr,) + ((table.range_key_attr,) if table.range_key_attr
                                           else ())
    found: dict[str | None, Layout] = {None: Layout(table.hash_key_attr, table_keys[1:], ())}
    for index in table.all_indexes():
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
        if len(hashes) != 1 or len(ranges) > 1:
            return None
        # A GSI without a sort key is ordered by the table's sort key first, when it has one.
        first = tuple(ranges) or table_keys[1:]
        found[index.name] = Layout(hashes[0], first + table_keys, (hashes[0], *ranges))
    return found


@dataclass
class TableIndexes:
    table: Table
    signature: Any
    layouts: dict[str | None, Layout]
    partitions: dict[str | None, dict[Any, SortedDict]] = field(default_factory=dict)
    entries: dict[tuple[Any, Any], list[tuple[str | None, Any, tuple[Any, ...]]]] = \
        field(default_factory=dict)

    def build(self) -> TableIndexes:
        self.partitions = {name: {} for name in self.layouts}
        for item in _all(self.table):
            self.add(item)
        return self

    def entries_of(self, item: Any) -> list[tuple[str | None, Any, tuple[Any, ...]]]:
        """Where the item belongs: (index, partition, sort key) for every index it is in."""
        found = []
        for name, layout in self.layouts.items():
            if any(a not in item.attrs for a in layout.required):
                continue
            partition = item.hash_key.sortable if name is None else \
                sort_value(item.attrs[layout.partition])
            found.append((name, partition,
                          tuple(_sortable(item, a, self.table) for a in layout.sort)))
        return found

    def add(self, item: Any) -> None:
        mine = self.entries_of(item)
        for name, partition, key in mine:
            self._bucket(name, partition)[key] = item
        self.entries[(item.hash_key, item.range_key)] = mine

    def _bucket(self, name: str | None, partition: Any) -> SortedDict:
        buckets = self.partitions[name]
        bucket = buckets.get(partition)
        if bucket is None:
            bucket = buckets[partition] = SortedDict()
        return bucket

    def _remove(self, entries: list[tuple[str | None, Any, tuple[Any, ...]]]) -> None:
        for name, partition, key in entries:
            bucket = self.partitions[name][partition]
            bucket.pop(key, None)
            if not bucket:
                del self.partitions[name][partition]

    def discard(self, hash_key: Any, range_key: Any) -> None:
        self._remove(self.entries.pop((hash_key, range_key), []))

    def replace(self, item: Any) -> None:
        """Re-keys an item; where its index keys did not change (most overwrites and
        updates), the new item object just takes the old one's place."""
        old = self.entries.get((item.hash_key, item.range_key), [])
        mine = self.entries_of(item)
        self._remove([entry for entry in old if entry not in mine])
        for name, partition, key in mine:
            self._bucket(name, partition)[key] = item
        self.entries[(item.hash_key, item.range_key)] = mine


def _sortable(item: Any, attribute: str, table: Table) -> Any:
    if attribute == table.hash_key_attr:
        return item.hash_key.sortable
    if attribute == table.range_key_attr:
        return item.range_key.sortable
    return sort_value(item.attrs[attribute])


def _all(table: Table) -> Iterator[Any]:
    for entry in list(table.items.values()):
        yield from (list(entry.values()) if table.range_key_attr else (entry,))


def _signature(table: Table) -> Any:
    return tuple((i.name, str(i.schema)) for i in table.all_indexes())


def indexes_for(table: Table) -> TableIndexes | None:
    """The table's indexes, built if absent or if its GSIs changed since."""
    current = table.__dict__.get(_ATTR)
    signature = _signature(table)
    if current is not None and current.signature == signature:
        return current  # type: ignore[no-any-return]
    found = layouts(table)
    if found is None:
        return None
    built = TableIndexes(table, signature, found).build()
    table.__dict__[_ATTR] = built
    return built


def maintained(table: Table) -> TableIndexes | None:
    """The indexes every write keeps current. Built when the table is created (empty, so at
    no cost) or its GSIs change; a table whose items arrived otherwise (a restore) gets them
    at its first write or Query."""
    return indexes_for(table)


def _reindex(table: Table, indexes: TableIndexes, key: dict[str, Any]) -> None:
    keys = request_keys(table, key)
    if keys is None:
        return
    item = stored_item(table, *keys)
    if item is None:
        indexes.discard(*keys)
    else:
        indexes.replace(item)


# -- the read path ----------------------------------------------------------------------

def _table_indexes(table: Table) -> TableIndexes:
    found = indexes_for(table)
    if found is None:
        raise MockValidationException("Query key condition not supported")
    return found


def start_key(table: Table, index_name: str | None,
              esk: dict[str, Any] | None) -> tuple[Any, tuple[Any, ...]] | None:
    """An ExclusiveStartKey (values decoded, checked against the schema) as (partition,
    sort tuple) of the index's order; None without one."""
    if not esk:
        return None
    layout = _table_indexes(table).layouts[index_name]
    partition = table.hash_key_attr if index_name is None else layout.partition
    return (sort_value(esk[partition]), tuple(sort_value(esk[a]) for a in layout.sort))


def _successor(prefix: Any) -> Any:
    """The first value after every value that begins with `prefix` (code points or unsigned
    bytes), or None when there is none."""
    if isinstance(prefix, bytes):
        trimmed = prefix.rstrip(b"\xff")
        return trimmed[:-1] + bytes([trimmed[-1] + 1]) if trimmed else None
    trimmed = prefix.rstrip(chr(0x10FFFF))
    return trimmed[:-1] + chr(ord(trimmed[-1]) + 1) if trimmed else None


def _bounds(bucket: SortedDict, comparison: str | None, values: list[Any]) -> tuple[int, int]:
    """[lo, hi) of the bucket: exactly the items the sort key condition selects."""
    op = (comparison or "").upper()
    lo, hi = 0, len(bucket)
    if not op or not values:
        return lo, hi
    first = values[0].sortable
    if op in ("=", "EQ", ">=", "GE", "BETWEEN", "BEGINS_WITH"):
        lo = bucket.bisect_left((first,))
    elif op in (">", "GT"):
        lo = bucket.bisect_right((first, TOP))
    if op in ("=", "EQ", "<=", "LE"):
        hi = bucket.bisect_right((first, TOP))
    elif op in ("<", "LT"):
        hi = bucket.bisect_left((first,))
    elif op == "BETWEEN" and len(values) == 2:
        hi = bucket.bisect_right((values[1].sortable, TOP))
    elif op == "BEGINS_WITH":
        after = _successor(first)
        hi = len(bucket) if after is None else bucket.bisect_left((after,))
    return lo, max(lo, hi)


def partition_range(table: Table, index_name: str | None, partition: Key | None,
                    comparison: str | None, values: list[Any],
                    start: tuple[Any, tuple[Any, ...]] | None,
                    forward: bool) -> tuple[Iterator[Any], Any]:
    """A Query's candidates: the partition's items its sort key condition selects, after
    the start key, in the order asked (O(log n) to find, then one step per item read), and
    the item that follows them in that order (or None), which decides LastEvaluatedKey."""
    buckets = _table_indexes(table).partitions[index_name]
    bucket = None if partition is None else buckets.get(partition.sortable)
    if bucket is None:
        return iter(()), None
    lo, hi = _bounds(bucket, comparison, values)
    if start is not None:
        if forward:
            lo = max(lo, bucket.bisect_right(start[1]))
        else:
            hi = min(hi, bucket.bisect_left(start[1]))
    if lo >= hi:
        return iter(()), None
    following = (bucket.peekitem(hi)[1] if hi < len(bucket) else None) if forward else \
        (bucket.peekitem(lo - 1)[1] if lo > 0 else None)
    keys = bucket.islice(lo, hi, reverse=not forward)
    return (bucket[key] for key in keys), following


def index_order(table: Table, index_name: str | None,
                start: tuple[Any, tuple[Any, ...]] | None) -> Iterator[Any]:
    """A Scan's candidates: every item of the table or index, partitions in key order, each
    in its sort order (a GSI without a sort key: the table's keys, as moto's Scan orders
    it), from after the start key."""
    found = _table_indexes(table)
    buckets = found.partitions[index_name]
    layout = found.layouts[index_name]
    drop = 1 if index_name is not None and len(layout.required) == 1 and \
        table.range_key_attr else 0
    ordered = sorted(buckets.items(), key=lambda entry: entry[0])
    casts = [partition for partition, _ in ordered]
    first = 0
    if start is not None:
        first = bisect.bisect_left(casts, start[0])
        if first < len(casts) and casts[first] == start[0]:
            after = start[1][drop:]
            yield from (item for key, item in _scan_entries(ordered[first][1], drop)
                        if key > after)
            first += 1
    for _, bucket in ordered[first:]:
        yield from (item for _, item in _scan_entries(bucket, drop))


def _scan_entries(bucket: SortedDict, drop: int) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if not drop:
        return iter(bucket.items())
    return iter(sorted(((key[drop:], item) for key, item in bucket.items()),
                       key=lambda entry: entry[0]))
