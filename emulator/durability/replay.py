"""Applying journal and snapshot records to the store: the redo half of durability.

A record is a list of operations, each the state something reached, never the request that
got it there (a physical redo log of after-images, like SQLite's WAL pages):

    ["C", table, settings]     the table was created (or replaced): empty, with these settings
    ["M", table, settings]     its settings changed; items stay
    ["D", table]               it was deleted
    ["P", table, image, size]  an item's after-image, and its size (`capacity.sizes`;
                               older journals have none: the item is sized when asked)
    ["X", table, key]          an item's deletion
    ["S", table, [records]]    stream records appended, sequence numbers inside
    ["B", arn, document]       an on-demand backup was made (`backups`): its items, or
                               "ItemsOf" a table: that table's items at this point
    ["b", arn]                 it was deleted
    ["R", table, settings]     a restore began filling the table (its "P"s follow); it is
                               not in the store until
    ["A", table]               the restore completed it (a table whose "A" never came, the
                               process killed before, is dropped: `restoring`)
    ["E", arn, description]    an export was asked for, or ended (its DescribeExport answer)
    ["I", arn, description]    an import was made (its DescribeImport answer)

Applying an after-image twice, or over a newer one that a later record overwrites again,
ends in the same state, which is what makes fuzzy snapshots and retried appends safe. Stream
records are appended only past the shard's last sequence number, for the same reason.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.durability.backups import build_backup
from ddbkit.emulator.durability.images import build_key, checked_size, item_of, store_item
from ddbkit.emulator.durability.tablemeta import apply_settings, build_table
from ddbkit.emulator.store import stream_records, stream_shards
from ddbkit.emulator.store.indexes import maintained
from ddbkit.emulator.store.item import Item
from ddbkit.emulator.store.stream_shards import Shard
from ddbkit.emulator.store.table_description import changed, install


def _reindex(table: Any, old: Any, new: Any) -> None:
    """Installed indexes (a snapshot's) follow the replayed write, as a request's would."""
    found = maintained(table)
    if found is None:
        table.index_set = None  # its indexes changed since: built before serving (ready)
    else:
        found.replace(old, new)


class ReplayError(ValueError):
    """A record that does not fit the state before it (names a table that is not there)."""


class Replayer:
    def __init__(self, tables: dict[str, Any], backups: dict[str, Any] | None = None,
                 records: dict[str, dict[str, Any]] | None = None) -> None:
        self.tables = tables  # the catalog's tables, changed in place
        self.backups = {} if backups is None else backups  # the catalog's backups
        self.records = records or {}  # "E", "I": the catalog's table_exports, table_imports
        self.written: dict[str, list[Any]] = {}  # a snapshot's items per table, in its order
        self.restoring: dict[str, Any] = {}  # tables a restore is filling ("R" until "A")

    def apply(self, ops: list[Any]) -> None:
        for op in ops:
            kind = op[0]
            if kind == "P":
                self.put(op[1], op[2], op[3] if len(op) > 3 else None)
            elif kind == "X":
                self.delete(op[1], op[2])
            elif kind == "S":
                self.append_records(op[1], op[2])
            elif kind == "C":
                self.tables[op[1]] = build_table(op[2])
            elif kind == "M":
                apply_settings(self.table(op[1]), op[2])
            elif kind == "D":
                self.tables.pop(op[1], None)
            elif kind == "B":
                self.backup(op[1], op[2])
            elif kind == "R":
                self.restoring[op[1]] = build_table(op[2])
            elif kind == "A":
                self.tables[op[1]] = self.restoring.pop(op[1])
            elif kind == "b":
                self.backups.pop(op[1], None)
            elif kind in ("E", "I"):
                self.records.setdefault(kind, {})[op[1]] = op[2]
            else:
                raise ReplayError(f"unknown operation {kind!r}")

    def backup(self, arn: str, document: dict[str, Any]) -> None:
        source = document.get("ItemsOf")
        if source is None:
            self.backups[arn] = build_backup(document)
        elif arn not in self.backups:  # else the snapshot under this segment wrote it whole
            self.backups[arn] = build_backup(document, self.table(source))

    def table(self, name: str) -> Any:
        table = self.tables.get(name) or self.restoring.get(name)
        if table is None:
            raise ReplayError(f"a change to table {name!r}, which does not exist at that point")
        return table

    def put(self, name: str, image: dict[str, Any], size: Any = None) -> None:
        table = self.table(name)
        self.put_into(table, image, size)

    @staticmethod
    def put_into(table: Any, image: dict[str, Any], size: Any = None) -> None:
        """The item put, and the table's figures (when known: a snapshot's) moved by it;
        `size`: the item's, as journaled. (A restart from a journal runs this once per
        item: written out, not through `images`' helpers.)"""
        range_attr = table.range_key_attr
        item = Item.stored(image, table.hash_key_attr, range_attr)
        if size is not None:
            item.sized(checked_size(size))
        if range_attr is None:
            old = table.items.get(item.hash_key)
            table.items[item.hash_key] = item
        else:
            entry = table.items.entry(item.hash_key)
            old = entry.get(item.range_key)
            entry[item.range_key] = item
        changed(table, old, item)
        if table.index_set is not None:
            _reindex(table, old, item)

    @staticmethod
    def put_many(table: Any, images: list[dict[str, Any]], written: list[Any]) -> None:
        """Images whose attribute values are already built (a snapshot's chunk; its figures
        come after its items, in `set_figures`), the items also added to `written`."""
        hash_attr, range_attr, stored = table.hash_key_attr, table.range_key_attr, Item.stored
        built = [stored(values, hash_attr, range_attr) for values in images]
        written += built
        if range_attr is None:
            table.items.update([(item.hash_key, item) for item in built])
            return
        for item in built:
            table.items.entry(item.hash_key)[item.range_key] = item

    @staticmethod
    def put_values(table: Any, values: dict[str, Any]) -> None:
        """An image whose attribute values are already built (a snapshot's; its figures
        come after its items, in `set_figures`)."""
        store_item(table, item_of(values, table.hash_key_attr, table.range_key_attr))

    def set_figures(self, name: str, record: dict[str, Any]) -> None:
        install(self.table(name), record)

    def delete(self, name: str, key: dict[str, Any]) -> None:
        table = self.table(name)
        hash_key, range_key = build_key(key, table.hash_key_attr, table.range_key_attr)
        if range_key is None:
            old = table.items.pop(hash_key, None)
        else:
            entry = table.items.get(hash_key)
            old = None if entry is None else entry.pop(range_key, None)
            if entry is not None and not entry:
                del table.items[hash_key]
        changed(table, old, None)
        if old is not None and table.index_set is not None:
            _reindex(table, old, None)

    def append_records(self, name: str, records: list[dict[str, Any]]) -> None:
        shard = self.shard(name)
        for record in records:
            try:
                stream_records.load(shard, record)  # one appended twice is skipped
            except ValueError as exc:
                raise ReplayError(f"stream of table {name!r}: {exc}") from None

    def set_records(self, name: str, start: int, records: list[dict[str, Any]]) -> None:
        """A snapshot's stream: the records kept, the first one's sequence number first."""
        shard = self.shard(name)
        shard.reset(start)
        self.append_records(name, records)

    def shard(self, name: str) -> Shard:
        shard = stream_shards.of(self.table(name))
        if shard is None:
            raise ReplayError(f"stream records for table {name!r}, which has no stream")
        return shard
