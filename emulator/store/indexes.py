"""Maintained indexes: Query costs O(log n + k) instead of a walk and sort of the whole table.

Every table keeps, per GSI and LSI (and, for a table with a sort key, its base table), its
partitions as `SortedKeyList`s of the stored items, keyed by one bytes object per entry
(`store.entry_keys`: the order bytes of the index's sort key, then the table's keys),
partitions by the partition key's order bytes. A table without a sort key needs no base
index: a partition holds one item, `table.items` has it, and a Scan sorts its keys.

Nothing records where an item sits: a write hands the item it replaced (`replace(old,
new)`), whose places follow from its values, since a stored item never changes in place.
Every write is ddbkit's own (operations/writes.py re-keys through `maintained`; TTL deletes
and imports too; a refused request's undo in `atomic_writes`). They are built when a table
is created, restored or its GSIs change (`table_calls`, `backup_calls`), installed from a
snapshot (`index_images`; the journal's replayed writes keep them), or, for a table whose
items arrived otherwise (a journal replayed alone), by the restart before it serves
(`store.ready`); failing all that (a caller that puts items in place and builds nothing),
by the first Query or Scan.

ddbkit's Query and Scan (operations/query.py, scan.py) read their candidates here:
`partition_range` (the slice of one partition a sort key condition selects, from after the
ExclusiveStartKey, either way) and `index_order` (every item, partitions in key order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sortedcontainers import SortedKeyList, SortedList

from ddbkit.emulator.store import entry_keys
from ddbkit.emulator.store.access import table_items
from ddbkit.emulator.store.buckets import Bucket, Columns, bucket_of, collector_paused
from ddbkit.emulator.store.buckets import partitions as built_partitions
from ddbkit.emulator.store.item import Key
from ddbkit.emulator.store.key_bytes import encode
from ddbkit.emulator.store.table_releases import release_later
from ddbkit.emulator.store.tables import Table


@dataclass(frozen=True)
class Layout:
    """Which attributes partition an index (a GSI's multi-attribute key: up to 4) and which
    order it (moto's order)."""

    partition: tuple[str, ...]
    sort: tuple[str, ...]
    required: tuple[str, ...]  # attributes an item needs to be in the index (sparse GSIs)
    # ... and their types: an item whose value has another type stays out (a GSI added to a
    # table whose items disagree with its definition: DynamoDB's backfill leaves them out)
    types: tuple[str, ...] = ()

    @property
    def parts(self) -> tuple[str, ...]:
        """The attributes an entry's key holds: `sort` without the partition key and
        without repeats, which are constant where they occur (the same order)."""
        return tuple(a for a in dict.fromkeys(self.sort) if a not in self.partition)

    @property
    def ranged(self) -> bool:
        """Whether the index has a sort key of its own (else the table's keys order it)."""
        return len(self.required) > len(self.partition)


def layouts(table: Table) -> dict[str | None, Layout]:
    """Per index name (None: the base table; GSIs and LSIs)."""
    table_keys = (table.hash_key_attr,) + ((table.range_key_attr,) if table.range_key_attr
                                           else ())
    found: dict[str | None, Layout] = {
        None: Layout((table.hash_key_attr,), table_keys[1:], ())}
    types = {a["AttributeName"]: a["AttributeType"] for a in table.attr}
    for index in table.all_indexes():
        hashes = tuple(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
        ranges = tuple(k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE")
        # A GSI without a sort key is ordered by the table's sort key first, when it has one.
        first = ranges or table_keys[1:]
        required = hashes + ranges
        found[index.name] = Layout(hashes, first + table_keys, required,
                                   tuple(types.get(a, "") for a in required))
    return found


def _value_order(table: Table, attribute: str) -> Callable[[Any], bytes]:
    """An item's value of `attribute` as order bytes (a table key's own, shared)."""
    if attribute == table.hash_key_attr:
        return lambda item: item.hash_key.order
    if attribute == table.range_key_attr:
        return lambda item: item.range_key.order

    def order(item: Any) -> bytes:
        value = item.attrs[attribute]
        text = value.get("S")  # most keys: their UTF-8 bytes, without encode's checks
        return text.encode("utf-8") if type(text) is str else encode(value)
    return order


def _partition_order(table: Table, attributes: tuple[str, ...]) -> Callable[[Any], bytes]:
    """An item's partition as order bytes: a multi-attribute key's values joined as an entry
    key's are (`CompositeKey.order` of a Query's values)."""
    if len(attributes) == 1:
        return _value_order(table, attributes[0])
    orders = [_value_order(table, a) for a in attributes]
    return lambda item: entry_keys.join([order(item) for order in orders])


@dataclass
class Index:
    """One index's partitions (order bytes -> SortedKeyList of items)."""

    layout: Layout
    partition_of: Callable[[Any], bytes]
    key_of: Callable[[Any], bytes]
    partitions: dict[bytes, SortedKeyList] = field(default_factory=dict)
    # Its partitions' order bytes in order, for a Scan: made by the first, then kept
    ordered: SortedList | None = None

    def in_order(self) -> SortedList:
        """The partitions' order bytes, sorted by the first Scan and kept as partitions come
        and go: every page of a Scan sorted them all (0.5 s at 1M, under the store lock)."""
        if self.ordered is None:
            self.ordered = SortedList(self.partitions)
        return self.ordered

    def holds(self, item: Any) -> bool:
        attrs = item.attrs
        for attribute, kind in zip(self.layout.required, self.layout.types, strict=True):
            value = attrs.get(attribute)
            if value is None or kind not in value:
                return False
        return True

    def add(self, item: Any) -> None:
        partition = self.partition_of(item)
        bucket = self.partitions.get(partition)
        if bucket is None:
            bucket = self.partitions[partition] = Bucket(key=self.key_of)
            if self.ordered is not None:
                self.ordered.add(partition)
        bucket.add(item)

    def add_once(self, item: Any) -> bool:
        """Adds the item unless its entry is there (a write during a backfill put the table
        item's current version there: an index holds no other); whether it added it."""
        bucket = self.partitions.get(self.partition_of(item))
        if bucket is not None:
            key = self.key_of(item)
            at = bucket.bisect_key_left(key)
            if at < len(bucket) and self.key_of(bucket[at]) == key:
                return False
        self.add(item)
        return True

    def remove(self, item: Any) -> None:
        partition = self.partition_of(item)
        bucket = self.partitions.get(partition)
        if bucket is not None:
            bucket.discard(item)
            if not bucket:
                del self.partitions[partition]
                if self.ordered is not None:
                    self.ordered.discard(partition)


def _index(table: Table, layout: Layout) -> Index:
    orders = [_value_order(table, a) for a in layout.parts]
    partition_of = _partition_order(table, layout.partition)
    if len(orders) == 1:
        return Index(layout, partition_of, orders[0])
    if len(orders) == 2:  # most indexes: a sort key and the table's key, the fast way
        first, last = orders
        return Index(layout, partition_of,
                     lambda item: entry_keys.escaped(first(item)) + entry_keys.END + last(item))
    return Index(layout, partition_of,
                 lambda item: entry_keys.join([order(item) for order in orders]))


def empty_indexes(table: Table, found: dict[str | None, Layout]) -> dict[str | None, Index]:
    return {name: _index(table, layout) for name, layout in found.items()
            if name is not None or layout.parts}


@dataclass
class TableIndexes:
    table: Table
    signature: Any
    layouts: dict[str | None, Layout]
    indexes: dict[str | None, Index] = field(default_factory=dict)
    # A GSI being backfilled (`store.backfills`): the writes since its backfill began, in
    # order, (old, new) as `replace` got them, for it to apply once built.
    pending: dict[str, list[tuple[Any, Any]]] = field(default_factory=dict)
    # A table without a sort key: its hash keys in key order, for a Scan: made by the
    # first, then kept by `replace` (such a table has no index of its own to keep them)
    hash_keys: SortedKeyList | None = None

    def keys_in_order(self) -> SortedKeyList:
        """The table's hash keys in key order: every page of a Scan sorted them all (0.5 s
        at 1M, under the store lock); now they are sorted once, before the table serves
        (`store.ready`, a restore) or by its first Scan. Its million new order bytes are
        frozen, not left young: two collector passes walked them, 93 and 290 ms at 1M. Sorted
        in runs (`bucket_of`): SortedKeyList's one sort of 1M keys held the interpreter for
        285 ms while a state restore built it beside requests."""
        if self.hash_keys is None:
            with collector_paused():
                self.hash_keys = bucket_of([(key.order, key) for key in self.table.items],
                                           _key_order)
        return self.hash_keys

    def ready_to_scan(self) -> TableIndexes:
        """Makes the key order a Scan reads now, for a table without a sort key (the one
        kind that has one), rather than in its first Scan; `store.ready` and restores call
        it before a table serves."""
        if self.table.range_key_attr is None:
            self.keys_in_order()
        return self

    @property
    def partitions(self) -> dict[str | None, dict[bytes, SortedKeyList]]:
        return {name: index.partitions for name, index in self.indexes.items()}

    def build(self, items: list[Any] | None = None) -> TableIndexes:
        """Of the table's items, or of `items` (a snapshot's, as it wrote them)."""
        self.indexes = empty_indexes(self.table, self.layouts)
        with collector_paused(), Columns(table_items(self.table) if items is None else items,
                                         self.table.hash_key_attr,
                                         self.table.range_key_attr) as columns:
            for index in self.indexes.values():  # columns shared: indexes share attributes
                layout = index.layout
                index.partitions = built_partitions(columns, layout.partition, layout.parts,
                                                    layout.required, index.key_of,
                                                    layout.types)
        return self

    def replace(self, old: Any, new: Any) -> None:
        """The indexes follow a write that stored `new` (None: a delete) where `old` was
        (None: nothing)."""
        if self.hash_keys is not None and (old is None) != (new is None):
            _follow_keys(self.hash_keys, old, new)
        for index in self.indexes.values():
            if old is not None and index.holds(old):
                index.remove(old)
            if new is not None and index.holds(new):
                index.add(new)
        for writes in self.pending.values():
            writes.append((old, new))


def _follow_keys(keys: SortedKeyList, old: Any, new: Any) -> None:
    """A Scan's hash keys after a write that made an item (`old` None) or deleted one."""
    if new is None:
        keys.discard(old.hash_key)
    elif new.hash_key not in keys:
        keys.add(new.hash_key)


def _all(table: Table) -> Iterator[Any]:
    yield from table_items(table)


def signature(table: Table) -> Any:
    """What the indexes were built for: each index's name and key schema."""
    return tuple((i.name, str(i.schema)) for i in table.all_indexes())


def indexes_for(table: Table) -> TableIndexes:
    """The table's indexes, built if absent or if its GSIs changed since."""
    current = table.index_set
    wanted = signature(table)
    if current is not None and current.signature == wanted:
        return current
    built = TableIndexes(table, wanted, layouts(table)).build()
    table.index_set = built
    return built


def follow(built: TableIndexes, table: Table) -> list[str] | None:
    """`built` (the table's indexes before its GSIs changed) made to fit its GSIs now: a
    removed index dropped, an added one left to its backfill (`pending`: the writes from now
    on, for it to apply once built); the names added, or None when that cannot be done (they
    are not the table's current indexes): then build them all."""
    found = layouts(table)
    if table.index_set is not built:
        return None
    added = [name for name in found if name is not None and name not in built.indexes
             and name not in built.pending]
    for name in [n for n in built.indexes if n not in found]:
        release_later(built.indexes.pop(name).partitions)  # a GSI of 1M entries
    for name in [n for n in built.pending if n not in found]:
        del built.pending[name]
    for name in added:
        built.pending[name] = []
    # The Scan key order and each index's partition order stay: every write reached them
    # (`maintained`). Dropped here, the next Scan at 1M made them again under the store lock.
    built.layouts, built.signature = found, signature(table)
    return added


def built_index(table: Table, layout: Layout, items: list[Any]) -> Index:
    """One index of `items` (a backfill's copy of the table's: read outside the store lock,
    as none of them changes in place)."""
    index = _index(table, layout)
    with collector_paused(), Columns(items, table.hash_key_attr,
                                     table.range_key_attr) as columns:
        index.partitions = built_partitions(columns, layout.partition, layout.parts,
                                            layout.required, index.key_of, layout.types)
    return index


def maintained(table: Table) -> TableIndexes | None:
    """The indexes a write must keep current: those built (and still of the table's GSIs),
    never built here: built now, they would already hold the write's item (it is stored
    first), so the next Query builds them instead."""
    current = table.index_set
    if current is None or current.signature != signature(table):
        return None
    return current


# -- the read path ----------------------------------------------------------------------

def start_key(table: Table, index_name: str | None,
              esk: dict[str, Any] | None) -> tuple[bytes, tuple[bytes, ...]] | None:
    """An ExclusiveStartKey (values decoded, checked against the schema) as (partition,
    the order bytes of the index entry key's attributes); None without one."""
    if not esk:
        return None
    layout = indexes_for(table).layouts[index_name]
    return (entry_keys.join([Key(esk[a]).order for a in layout.partition]),
            tuple(Key(esk[a]).order for a in layout.parts))


def _bounds(index: Index, bucket: SortedKeyList, comparison: str | None, values: list[Any],
            equal: Sequence[Key]) -> tuple[int, int]:
    """[lo, hi) of the bucket: exactly the items the sort key condition selects: `equal`,
    the values of the first sort key attributes (a multi-attribute key's), then the
    comparison on the next one."""
    prefix = b"".join(entry_keys.lowest(key.order) for key in equal)
    lo, hi = 0, len(bucket)
    if prefix:
        lo = bucket.bisect_key_left(prefix)
        hi = bucket.bisect_key_left(entry_keys.successor(prefix))
    op = (comparison or "").upper()
    if not op or not values:
        return lo, hi
    # the compared attribute's value is the entry key's last one (kept as it is) or not
    last = len(equal) == len(index.layout.parts) - 1

    def first(value: bytes) -> int:  # the first entry with this value
        return int(bucket.bisect_key_left(prefix + (value if last else
                                                    entry_keys.lowest(value))))

    def after(value: bytes) -> int:  # the first entry with a greater value
        if last:
            return int(bucket.bisect_key_right(prefix + value))
        return int(bucket.bisect_key_left(prefix + entry_keys.above(value)))

    start, end = lo, hi
    value: bytes = values[0].order
    if op in ("=", "EQ", ">=", "GE", "BETWEEN"):
        lo = first(value)
    elif op in (">", "GT"):
        lo = after(value)
    if op in ("=", "EQ", "<=", "LE"):
        hi = after(value)
    elif op in ("<", "LT"):
        hi = first(value)
    elif op == "BETWEEN" and len(values) == 2:
        hi = after(values[1].order)
    elif op == "BEGINS_WITH":
        begins = prefix + (value if last else entry_keys.escaped(value))
        lo = bucket.bisect_key_left(begins)
        beyond = entry_keys.successor(begins)
        hi = end if beyond is None else bucket.bisect_key_left(beyond)
    lo, hi = max(lo, start), min(hi, end)
    return lo, max(lo, hi)


def partition_range(table: Table, index_name: str | None, partition: Any,
                    comparison: str | None, values: list[Any],
                    start: tuple[bytes, tuple[bytes, ...]] | None,
                    forward: bool, equal: Sequence[Key] = ()) -> tuple[Iterator[Any], Any]:
    """A Query's candidates: the partition's items (`partition`: a `Key`, or a
    `CompositeKey` of a multi-attribute key) its sort key condition selects (`equal`: the
    values of the sort key attributes before the compared one), after the start key, in the
    order asked (O(log n) to find, then one step per item read), and
    the item that follows them in that order (or None), which decides LastEvaluatedKey."""
    found = indexes_for(table)
    index = found.indexes.get(index_name)
    if index is None:  # the base table of a table without a sort key: one item at most
        item = None if partition is None or start is not None else \
            table.items.get(partition)
        return iter(() if item is None else (item,)), None
    bucket = None if partition is None else index.partitions.get(partition.order)
    if bucket is None:
        return iter(()), None
    lo, hi = _bounds(index, bucket, comparison, values, equal)
    if start is not None:
        key = entry_keys.join(list(start[1]))
        if forward:
            lo = max(lo, bucket.bisect_key_right(key))
        else:
            hi = min(hi, bucket.bisect_key_left(key))
    if lo >= hi:
        return iter(()), None
    following = (bucket[hi] if hi < len(bucket) else None) if forward else \
        (bucket[lo - 1] if lo > 0 else None)
    return bucket.islice(lo, hi, reverse=not forward), following


def index_order(table: Table, index_name: str | None,
                start: tuple[bytes, tuple[bytes, ...]] | None) -> Iterator[Any]:
    """A Scan's candidates: every item of the table or index, partitions in key order, each
    in its sort order (a GSI without a sort key: the table's keys, as moto's Scan orders
    it), from after the start key."""
    found = indexes_for(table)
    index = found.indexes.get(index_name)
    if index is None:  # a table without a sort key: its items in key order
        keys = found.keys_in_order()
        first = 0 if start is None else keys.bisect_key_right(start[0])
        yield from (table.items[k] for k in keys.islice(first))
        return
    by_table_keys = index_name is not None and not index.layout.ranged and \
        table.range_key_attr is not None
    casts, partitions = index.in_order(), index.partitions
    first = 0
    if start is not None:
        first = casts.bisect_left(start[0])
        if first < len(casts) and casts[first] == start[0]:
            yield from _scan_after(index, partitions[casts[first]], start, by_table_keys)
            first += 1
    for cast in casts.islice(first):
        bucket = partitions[cast]
        yield from (_by_table_keys(bucket) if by_table_keys else iter(bucket))


def _key_order(key: Any) -> bytes:
    return key.order  # type: ignore[no-any-return]


def _table_keys(item: Any) -> tuple[bytes, bytes]:
    return item.hash_key.order, item.range_key.order


def _by_table_keys(bucket: SortedKeyList) -> list[Any]:
    return sorted(bucket, key=_table_keys)


def _scan_after(index: Index, bucket: SortedKeyList, start: tuple[bytes, tuple[bytes, ...]],
                by_table_keys: bool) -> Iterator[Any]:
    """The partition's items after the start key: in the table keys' order for a GSI
    without a sort key on a table with one, else in the bucket's."""
    if not by_table_keys:
        return iter(bucket.islice(bucket.bisect_key_right(entry_keys.join(list(start[1])))))
    parts = dict(zip(index.layout.parts, start[1], strict=True))
    # a table key in the partition key is no part of the entry key: equal for every item here
    kept = [a in parts for a in index.layout.sort[-2:]]
    after = tuple(parts[a] if keep else b"" for a, keep in zip(index.layout.sort[-2:], kept,
                                                                strict=True))

    def position(item: Any) -> tuple[bytes, ...]:
        return tuple(order if keep else b"" for order, keep in zip(_table_keys(item), kept,
                                                                     strict=True))
    return (item for item in _by_table_keys(bucket) if position(item) > after)
