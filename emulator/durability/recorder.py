"""What each request changed, as one journal record, written before its response.

Called under the store lock at the end of every request (`hooks`). A record holds, as
`replay` reads them:
- the after-image (or deletion) of every item the request touched (`store.changes`);
- the stream records it appended, found by sequence number (a transaction that rolled back
  has already withdrawn its own);
- after any operation that can change a table's settings (not the data plane, which cannot),
  the settings of every table that differ from the last ones journaled, tables that appeared
  (with all their items and stream records) and tables that went away; and on-demand backups
  made (a backup CreateBackup made names its table: "its items at this point") or deleted
  (`backups`). A restore's new table is not among them while CREATING: its job journals it
  in parts of its own, off the request path (`encode_table`, `journal_part`, `adopt`).
A request that changed nothing writes nothing. Each record carries a sequence number and
the wall-clock time, for point-in-time restore to replay history up to a moment.

A refused write leaves no trace: `begin` opens an undo log (`store.atomic_writes`) around
the request and, before an operation that can change settings, keeps the sets of tables,
backups and records. When the journal cannot take the record, `commit` puts items, stream
records, tables (their last journaled settings) and backups back as they were and raises.
While the journal is full (`JournalWriter.refuses`), `begin` refuses writes before they
touch the store; reads go on.
"""

from __future__ import annotations

import dataclasses
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.durability import encoding
from ddbkit.emulator.durability.backups import backup_document, backup_reference
from ddbkit.emulator.durability.framing import frame, frame_of_parts
from ddbkit.emulator.durability.images import item_image, key_image
from ddbkit.emulator.durability.journal import DiskFull, JournalError
from ddbkit.emulator.durability.tablemeta import apply_settings, table_settings
from ddbkit.emulator.store import changes, stream_records, stream_shards
from ddbkit.emulator.store.access import each_item, stored_item, table_items
from ddbkit.emulator.store.atomic_writes import UndoLog
from ddbkit.emulator.store.stream_shards import Shard
from ddbkit.emulator.store.tables import CREATING

# Operations that read, or change only items: after them no table's settings need comparing.
NO_SETTINGS_CHANGE = frozenset({
    "GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "PutItem", "UpdateItem",
    "DeleteItem", "BatchWriteItem", "TransactWriteItems", "ExecuteStatement",
    "BatchExecuteStatement", "ExecuteTransaction", "DescribeTable", "ListTables",
    "DescribeTimeToLive", "DescribeContinuousBackups", "ListTagsOfResource", "DescribeLimits",
    "DescribeEndpoints", "DescribeStream", "GetShardIterator", "GetRecords", "ListStreams",
    "DescribeBackup", "ListBackups", "DescribeExport", "ListExports", "DescribeImport",
    "ListImports", "DescribeGlobalTable", "DescribeGlobalTableSettings",
    "DescribeKinesisStreamingDestination", "DescribeContributorInsights",
    "DescribeTableReplicaAutoScaling", "ListGlobalTables", "ListContributorInsights",
    "GetResourcePolicy", "ListStates", "StartBulkPutItems", "DescribeBulkOperation",
    "ListBulkOperations", "CancelBulkOperation"})
PART_BYTES = 256 << 10  # a restore's table is journaled in records of about this size
ITEM_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                         "TransactWriteItems"})
# Answered while the journal is full: they write nothing (PartiQL may only read; if it
# writes, the write is undone at commit). DeleteState frees space.
READS = (NO_SETTINGS_CHANGE - ITEM_WRITES) | {"DeleteState"}
# Of those, the ones that cannot change the store at all: no undo log needed.
PURE_READS = READS - {"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction",
                      "DeleteState"}


@dataclass
class Tracked:
    """A table as the journal last described it."""

    table: Any  # the store.tables.Table
    settings: str  # canonical JSON of its settings
    shard: Shard | None  # its stream shard then
    next_sequence: int  # the first stream sequence number not yet journaled


def tracked(table: Any) -> Tracked:
    """A table whose settings and stream are all already durable (restored, or snapshotted)."""
    shard = stream_shards.of(table)
    next_sequence = shard.next_sequence if shard else 0
    return Tracked(table, encoding.canonical(table_settings(table)), shard, next_sequence)


class Recorder:
    def __init__(self, tables: dict[str, Any], append: Callable[[bytes], None],
                 sequence: int = 0, known: Iterable[str] | None = None,
                 initialized: bool = False, clock: Callable[[], float] = time.time,
                 backups: dict[str, Any] | None = None,
                 records: dict[str, dict[str, Any]] | None = None,
                 refuses: Callable[[], bool] = lambda: False) -> None:
        self.tables = tables  # the catalog's tables (store.catalog)
        self.backups = {} if backups is None else backups  # the catalog's backups
        self.known_backups = set(self.backups)  # already durable
        # Export and import descriptions ("E", "I": the catalog's table_exports, table_imports):
        # written when they appear and again when replaced (an export done), never deleted.
        self.records = records or {}
        self.known_records = {kind: dict(found) for kind, found in self.records.items()}
        self._append = append
        self.sequence = sequence  # of the last record written
        self.initialized = initialized  # a "initialized" mark is in the journal or snapshot
        self.clock = clock
        # The tables already durable as they are (restored); any other is journaled whole.
        self.known = {name: tracked(tables[name])
                      for name in (tables if known is None else known)}
        self._refuses = refuses
        self._attempt: _Attempt | None = None

    def begin(self, operation: str | None) -> None:
        """Before a request touches the store (under its lock); raises `DiskFull` for a write
        while the journal is full. `operation` None: the TTL reaper's deletes."""
        if operation in PURE_READS:
            self._attempt = None
            return
        if operation not in READS and self._refuses():
            raise DiskFull("the journal is full")
        sets = None
        if operation is not None and operation not in NO_SETTINGS_CHANGE:
            sets = (dict(self.tables), dict(self.backups),
                    {kind: dict(found) for kind, found in self.records.items()})
        self._attempt = _Attempt(UndoLog(), sets)

    def commit(self, operation: str | None) -> None:
        """Journals what changed since the last commit (`begin`). `operation` None: only items
        can have. Raises `JournalError` after undoing the request when the journal refuses."""
        attempt, self._attempt = self._attempt, None
        try:
            self._commit(operation, attempt)
        finally:
            if attempt is not None:
                attempt.undo.close()

    def _commit(self, operation: str | None, attempt: _Attempt | None) -> None:
        touched = changes.drain()
        settings = (operation is not None and operation not in NO_SETTINGS_CHANGE) or any(
            self.known.get(table.name, _NOBODY).table is not table for table, _, _ in touched)
        if not touched and not settings:
            return
        saved = self._state(settings, touched)
        ops: list[Any] = []
        names: set[str] = set()
        if settings:
            ops += self._settings_changes(names)
            ops += self._backup_changes()
        ops += self._item_changes(touched, names)
        ops += self._stream_records(names)
        if not ops:
            return
        try:
            self._append(frame(encoding.dumps(
                {"n": self.sequence + 1, "t": self.clock(), "ops": ops})))
        except JournalError:
            self._restore(saved)
            if attempt is not None:
                self._undo(attempt)
            raise
        self.sequence += 1

    def rebase(self) -> None:
        """Everything in the store is durable as it is now (a new base snapshot holds it:
        a restored named state, `service.Durability.replace_tables`)."""
        self.known = {name: tracked(table) for name, table in self.tables.items()}
        self.known_backups = set(self.backups)
        self.known_records = {kind: dict(found) for kind, found in self.records.items()}

    def mark(self, event: str) -> None:
        """A record that only notes an event (e.g. the first seed finished)."""
        self._append(frame(encoding.dumps(
            {"n": self.sequence + 1, "t": self.clock(), "mark": event})))
        self.sequence += 1
        if event == "initialized":
            self.initialized = True

    def _state(self, settings: bool, touched: list[Any]) -> Any:
        """What building a record changes here: all of it after a settings operation, else
        only the stream positions of the tables touched (a write pays per table it wrote)."""
        if settings:
            return ({name: dataclasses.replace(known) for name, known in self.known.items()},
                    set(self.known_backups),
                    {kind: dict(found) for kind, found in self.known_records.items()})
        return {name: (known.shard, known.next_sequence)
                for name in {table.name for table, _, _ in touched}
                if (known := self.known.get(name)) is not None}

    def _restore(self, saved: Any) -> None:
        if isinstance(saved, tuple):
            self.known, self.known_backups, self.known_records = saved
            return
        for name, (shard, next_sequence) in saved.items():
            self.known[name].shard, self.known[name].next_sequence = shard, next_sequence

    def _undo(self, attempt: _Attempt) -> None:
        """Puts the store back as it was before the request (the last journaled state)."""
        attempt.undo.journal.roll_back()
        if attempt.sets is None:
            return
        tables, backups, records = attempt.sets
        for current, before in ((self.tables, tables), (self.backups, backups),
                                *((self.records[kind], records[kind]) for kind in records)):
            current.clear()
            current.update(before)
        for name, known in self.known.items():
            table = self.tables.get(name)
            if table is known.table and encoding.canonical(table_settings(table)) != \
                    known.settings:
                apply_settings(table, encoding.loads(known.settings.encode()))
                stream_shards.attach(table, known.shard)

    def _settings_changes(self, names: set[str]) -> list[Any]:
        ops: list[Any] = []
        for name in [n for n, known in self.known.items()
                     if self.tables.get(n) is not known.table]:
            del self.known[name]
            ops.append(["D", name])
        for name, table in self.tables.items():
            if table.status == CREATING:
                continue  # a restore's: its job journals it (`encode_table`)
            known = self.known.get(name)
            settings = table_settings(table)
            text = encoding.canonical(settings)
            if known is None:
                ops.append(["C", name, settings])
                ops += [_put(name, item) for item in table_items(table)]
                shard = stream_shards.of(table)
                self.known[name] = Tracked(table, text, shard, _first_sequence(shard))
                names.add(name)
            elif text != known.settings:
                ops.append(["M", name, settings])
                known.settings = text
                if stream_shards.of(table) is not known.shard:
                    known.shard = stream_shards.of(table)
                    known.next_sequence = _first_sequence(known.shard)
                names.add(name)
        return ops

    def _backup_changes(self) -> list[Any]:
        current = set(self.backups)
        ops: list[Any] = [["b", arn] for arn in sorted(self.known_backups - current)]
        ops += [self._backup_op(arn, self.backups[arn])
                for arn in sorted(current - self.known_backups)]
        self.known_backups = current
        for kind, found in self.records.items():
            known = self.known_records[kind]
            ops += [[kind, arn, found[arn]] for arn in found
                    if known.get(arn) is not found[arn] and isinstance(found[arn], dict)]
            self.known_records[kind] = dict(found)
        return ops

    def _backup_op(self, arn: str, backup: Any) -> list[Any]:
        """A backup CreateBackup made in this request is its table's items at this point of
        the journal (replay copies them from the state it has reached): a few bytes, however
        many items. Any other is written whole."""
        source, backup.taken_from = backup.taken_from, None
        known = self.known.get(source) if source is not None else None
        if known is not None and self.tables.get(source) is known.table:
            return ["B", arn, backup_reference(backup, source)]
        return ["B", arn, backup_document(backup)]

    # -- a restore's new table, journaled when ready ------------------------------------
    @staticmethod
    def encode_table(table: Any) -> PreparedTable:
        """A restore's new table (not in the store: the restore's job calls this off the
        request path) as its records' starts, encoded and checksummed as they are iterated:
        "R" (a restore began: the table, not complete yet) and puts, `PART_BYTES` or so per
        record. `journal_part` writes each in its own short hold of the store lock, `adopt`
        the "A" that completes the table; replay drops a table whose "A" never came."""
        settings = table_settings(table)
        return PreparedTable(_parts(table, settings), encoding.canonical(settings))

    def journal_part(self, start: bytes, start_crc: int) -> None:
        """One record of a restore's table (`encode_table`), under the store lock."""
        self._append(frame_of_parts(start, start_crc, self._record_end()))
        self.sequence += 1

    def adopt(self, table: Any, prepared: PreparedTable) -> None:
        """`table` (a restore's, ACTIVE now; under the store lock), its records journaled
        (`journal_part`), is complete: "A" (and its settings, if they changed since, as an
        "M"); tracked from here on. Raises `JournalError` when the journal refuses it."""
        ops = encoding.dumps(["A", table.name])
        settings = table_settings(table)
        if encoding.canonical(settings) != prepared.settings:
            ops += b"," + encoding.dumps(["M", table.name, settings])
        start = b'{"ops":[' + ops
        self._append(frame_of_parts(start, zlib.crc32(start), self._record_end()))
        self.sequence += 1
        self.known[table.name] = tracked(table)

    def _record_end(self) -> bytes:
        """How a record begun elsewhere ends: its sequence number and time, set now."""
        return b'],"n":%d,"t":%s}' % (self.sequence + 1, encoding.dumps(self.clock()))

    def _item_changes(self, touched: list[Any], names: set[str]) -> list[Any]:
        ops: list[Any] = []
        seen: set[tuple[int, Any, Any]] = set()
        for table, hash_key, range_key in touched:
            identity = (id(table), hash_key, range_key)
            if identity in seen:
                continue
            seen.add(identity)
            known = self.known.get(table.name)
            if known is None or known.table is not table:
                continue  # a table no longer there (or not yet journaled: its "C" holds it)
            item = stored_item(table, hash_key, range_key)
            ops.append(["X", table.name, key_image(table, hash_key, range_key)] if item is None
                       else _put(table.name, item))
            names.add(table.name)
        return ops

    def _stream_records(self, names: set[str]) -> list[Any]:
        ops: list[Any] = []
        for name in sorted(names):
            known = self.known[name]
            shard = stream_shards.of(known.table)
            if shard is None:
                continue
            if shard is not known.shard:
                known.shard, known.next_sequence = shard, _first_sequence(shard)
            records = shard.since(known.next_sequence)
            if records:
                ops.append(["S", name, [stream_records.decode(raw) for raw in records]])
            known.next_sequence = shard.next_sequence
        return ops


@dataclass(frozen=True)
class PreparedTable:
    """A restored table's records, encoded off the store lock (`encode_table`)."""

    parts: Iterator[tuple[bytes, int]]  # each record's start ('{"ops":[' and ops), its crc32
    settings: str  # canonical JSON of the settings in its "R"


@dataclass
class _Attempt:
    """A request in flight: how to put the store back if its record cannot be written."""

    undo: UndoLog  # items and stream records
    sets: tuple[dict[str, Any], dict[str, Any], dict[str, dict[str, Any]]] | None  # settings ops


_NOBODY = Tracked(None, "", None, 0)


def _parts(table: Any, settings: dict[str, Any]) -> Iterator[tuple[bytes, int]]:
    ops = [encoding.dumps(["R", table.name, settings])]
    size = 0
    for item in each_item(table):
        op = encoding.dumps(_put(table.name, item))
        ops.append(op)
        size += len(op)
        if size >= PART_BYTES:
            start = b'{"ops":[' + b",".join(ops)
            yield start, zlib.crc32(start)
            ops, size = [], 0
    if ops:
        start = b'{"ops":[' + b",".join(ops)
        yield start, zlib.crc32(start)


def _first_sequence(shard: Shard | None) -> int:
    return shard.start if shard is not None else 0


def _put(name: str, item: Any) -> list[Any]:
    """An item's after-image, with its size: a restart from the journal need not size it
    again for DescribeTable's figures (the write sized it already, to move them)."""
    return ["P", name, item_image(item), item.size()]
