"""Snapshots: every table written out without stopping requests, so the journal can be dropped.

Fuzzy, as a database's online checkpoint is. `plan()` runs under the store lock in the same
hold that starts a new journal segment: it takes each table's settings and its stream records
at that instant. `SnapshotWriter` then lists a table's hash keys (in a hold of the lock of its
own, when it comes to the table: 5-10 ms per million keys, one table's at a time) and writes
its items in chunks of a few hundred, each read under a short hold of the lock (requests wait
for one chunk, never for the table) and encoded outside it. An item that changes after the
plan may be captured before or after the change; either way the new segment holds the
change's after-image, and replaying the segment over the snapshot gives the exact state
(replay is idempotent). So may an item created or deleted after the plan: the segment holds
its put or its delete. Tables created after the plan are in the segment only.

Records: a header, per table its settings, item chunks (`item_chunks`), its query indexes
(`index_sections`) and figures (size and item count, its indexes' too: `table_description`),
both of exactly the items written, and stream records (those within the stream's
retention; the first one kept gives the shard its starting sequence number), each on-demand
backup (`backups`), then an end record; a snapshot without its end record is damaged. It
is written to `.tmp`, fsynced, renamed into place and the directory fsynced, so a crash
leaves the old snapshot or the new.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from ddbkit.emulator.durability import encoding, formats, index_sections, item_chunks
from ddbkit.emulator.durability.backups import backup_record
from ddbkit.emulator.durability.files import sync_file
from ddbkit.emulator.durability.framing import frame, write_frame
from ddbkit.emulator.durability.images import ImageDecoder, item_image
from ddbkit.emulator.durability.replay import Replayer
from ddbkit.emulator.durability.tablemeta import table_settings
from ddbkit.emulator.store import index_images, indexes, item_copies, stream_shards
from ddbkit.emulator.store.buckets import release
from ddbkit.emulator.store.stream_shards import Records
from ddbkit.emulator.store.table_description import Figures, current, tally
from ddbkit.emulator.store.tables import CREATING

FORMAT = formats.SNAPSHOT
CHUNK_ITEMS = 500  # items read per hold of the store lock (~2-4 ms)
FRAME_ITEMS = 2_500  # items per chunk record: a value many items share is written once in it;
# pickling 10,000 held the interpreter 20-40 ms a time, 2,500 make the snapshot 5% larger
CHUNK_RECORDS = 250  # stream records per snapshot record, written as held (their bytes)


class SnapshotAborted(Exception):
    """The emulator is stopping; the partial snapshot was removed."""


@dataclass
class TablePlan:
    name: str
    table: Any
    settings: bytes  # encoded at plan time: later requests change its settings dicts in place
    stream_start: int | None  # the shard's first sequence number; None: no stream
    records: Records | None  # the shard's records as of the plan, encoded (read from disk
    # as they are iterated)
    figures: Figures  # zero figures of the plan's indexes, counted as written
    layouts: dict[str | None, indexes.Layout]  # its query indexes'
    signature: Any  # what they are built for (`store.indexes.signature`)
    items: Any = None  # a copy of the table's items as planned (an `ItemsCopy`), or None
    counted: bool = False  # `figures` are the table's own of exactly `items` already


def plan(tables: dict[str, Any], frozen: bool = False) -> list[TablePlan]:
    """What to write, taken under the store lock at the snapshot's instant. `frozen`: the
    items too (a copy of each table's dict as it is now, made a slice per hold of the lock as
    it is written: `store.item_copies`), so the snapshot is exact (a named state)."""
    plans = []
    for name, table in tables.items():
        if table.status == CREATING:
            continue  # a restore's, journaled whole once ready (in the segment this opens)
        shard = stream_shards.of(table)
        start, records = shard.snapshot() if shard else (None, None)
        figures = current(table) if frozen else None  # exact: no need to size every item
        plans.append(TablePlan(name, table, encoding.dumps(table_settings(table)),
                               start, records,
                               figures or tally(table), indexes.layouts(table),
                               indexes.signature(table),
                               item_copies.begin(table) if frozen else None, figures is not None))
    return plans


@dataclass
class Written:
    path: Path
    size: int
    items: int


class SnapshotWriter:
    def __init__(self, path: Path, header: dict[str, Any], plans: list[TablePlan],
                 lock: AbstractContextManager[Any], retention: timedelta,
                 now: Callable[[], datetime], stop: threading.Event | None = None,
                 backups: list[tuple[str, Any]] | Callable[[], list[tuple[str, Any]]]
                 | None = None,
                 records: list[tuple[str, str, Any]] | None = None,
                 frame_items: int = FRAME_ITEMS) -> None:
        self.path, self.header, self.plans = path, header, plans
        self.frame_items = frame_items  # fewer: shorter pauses of other threads to decode one
        # (arn, Backup): frozen copies, read without the lock. A callable is asked after the
        # items are written: every backup made while they were (journaled by reference,
        # `backups`) is then written whole, so none is rebuilt from this fuzzy state.
        self.backups = backups or []
        self.records = records or []  # (kind, arn, description) of exports and imports
        self.lock, self.retention, self.now = lock, retention, now
        self.stop = stop or threading.Event()
        self.items = 0

    def write(self) -> Written:
        """Writes `<path>.tmp`, then renames it to `path`; the caller fsyncs the directory."""
        temp = self.path.with_name(self.path.name + ".tmp")
        try:
            with open(temp, "wb", buffering=1 << 20) as out:
                self.write_to(out)
                out.flush()
                sync_file(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return Written(self.path, self.path.stat().st_size, self.items)

    def write_to(self, out: BinaryIO) -> None:
        """Every record, to any binary stream (a file, or memory for a named state)."""
        self._put(out, {"format": FORMAT, **self.header})
        for table in self.plans:
            self._table(out, table)
        backups = self.backups() if callable(self.backups) else self.backups
        for arn, backup in backups:
            write_frame(out, backup_record(arn, backup))
        for kind, arn, description in self.records:
            self._put(out, {"record": kind, "arn": arn, "description": description})
        self._put(out, {"end": {"tables": len(self.plans), "items": self.items,
                                "completed_at": _epoch(self.now())}})

    @staticmethod
    def _put(out: BinaryIO, record: Any) -> None:
        out.write(frame(encoding.dumps(record)))

    def _table(self, out: BinaryIO, plan: TablePlan) -> None:
        out.write(frame(b'{"table":' + encoding.dumps(plan.name) + b',"settings":'
                        + plan.settings + b"}"))
        figures = plan.figures  # of exactly the items written, however fuzzy
        keys = (plan.table.hash_key_attr, plan.table.range_key_attr or "")
        pending: list[Any] = []
        written: list[Any] = []
        for items in self._chunks(plan):
            if not plan.counted:
                for item in items:
                    figures.add(item, 1)
            pending += items
            written += items
            while len(pending) >= self.frame_items:  # a hold reads whole parts: up to 16k
                out.write(frame(item_chunks.encode(
                    plan.name, _images(pending[:self.frame_items]), keys)))
                del pending[:self.frame_items]
        if pending:
            out.write(frame(item_chunks.encode(plan.name, _images(pending), keys)))
        # of exactly the items written, as the figures are
        built = indexes.TableIndexes(plan.table, plan.signature, plan.layouts)
        found = index_images.image(built.build(written), written)
        for section in index_sections.encode(plan.name, found):
            out.write(frame(section))
        index_images.discard(built, found)
        release(written)  # a million references: dropped at once, every request waited
        self._put(out, {"figures": plan.name, **figures.record()})
        if plan.stream_start is not None:
            self._stream(out, plan)

    def _chunks(self, plan: TablePlan) -> Iterator[list[Any]]:
        """The table's items, a few hundred per hold of the lock (stored items never change
        in place, so they are read and encoded outside it)."""
        if plan.items is not None:
            yield from self._copied_chunks(plan)
            return
        ranged, source = plan.table.range_key_attr is not None, plan.table.items
        with self.lock:  # the parts as they are now, each kept whole until the walk ends
            parts = iter(source.part_list())
            source.pin()
        try:
            while True:
                if self.stop.is_set():
                    raise SnapshotAborted()
                items: list[Any] = []
                with self.lock:  # whole parts (up to 16k entries)
                    for part in parts:
                        items += [i for entry in part.values() for i in entry.values()] \
                            if ranged else part.values()
                        if len(items) >= CHUNK_ITEMS:
                            break
                if not items:
                    return
                self.items += len(items)
                yield items
        finally:
            with self.lock:
                source.unpin()

    def _copied_chunks(self, plan: TablePlan) -> Iterator[list[Any]]:
        """A frozen plan's items: its copy, finished, then read straight through (nothing
        writes it)."""
        copied = plan.items.finished(self.stop)
        if copied is None:
            raise SnapshotAborted()
        entries, ranged = copied.items.values(), plan.table.range_key_attr is not None
        while part := list(islice(entries, CHUNK_ITEMS)):
            if self.stop.is_set():
                raise SnapshotAborted()
            items = [item for entry in part for item in entry.values()] if ranged else part
            self.items += len(items)
            yield items
        release(copied.items)  # read once: freed a slice at a time, not whole at the end

    def _stream(self, out: BinaryIO, plan: TablePlan) -> None:
        horizon = _epoch(self.now() - self.retention)
        assert plan.records is not None
        first = plan.records.first_at(horizon)
        kept = plan.records[first:]  # the held bytes: decoded a chunk at a time, so a
        start = (plan.stream_start or 0) + first  # snapshot holds one chunk's dicts, not all
        name = encoding.dumps(plan.name)
        for offset in range(0, max(len(kept), 1), CHUNK_RECORDS):
            # `{"stream": name, "records": [...], "start": start}` as encoding.dumps writes
            # it, from the held bytes: a record is held as its encoding already, and decoding
            # and encoding a day's records again took most of a snapshot's time
            head = b'{"stream":' + name + b',"records":['
            tail = b'],"start":' + encoding.dumps(start) + b"}" if offset == 0 else b"]}"
            raws = b",".join(kept[offset:offset + CHUNK_RECORDS])
            out.write(frame(head + raws + tail))


def _images(items: list[Any]) -> list[dict[str, Any]]:
    return [item_image(item) for item in items]


def _epoch(moment: datetime) -> float:
    """Epoch seconds of a naive UTC datetime (moto's kind), as the journal's times are."""
    return moment.replace(tzinfo=UTC).timestamp()


def read_snapshot(payloads: Iterator[bytes], items: bool = True) -> Iterator[dict[str, Any]]:
    """The snapshot's records after its header, checked for shape; raises ValueError.
    Item chunks come with their images' attribute values built (`images.ImageDecoder`);
    with `items=False` they are skipped undecoded (their frames' checksums still checked)."""
    images = ImageDecoder()
    header = next(payloads, None)
    if header is None:
        raise ValueError("an empty snapshot")
    first = encoding.loads(header)
    if not isinstance(first, dict) or first.get("format") not in formats.SNAPSHOTS_READ:
        raise ValueError(f"not a {FORMAT} file")
    yield first
    ended = False
    pieces = index_sections.Pieces()
    for payload in payloads:
        if ended:
            raise ValueError("records after the end record")
        record: Any
        if item_chunks.is_chunk(payload):
            if not items:
                continue
            name, found = item_chunks.decode(payload, images)
            record = {"items": name, "images": found}
        elif index_sections.is_section(payload):
            if not items:
                continue
            name, image = index_sections.decode(payload)
            if pieces.add(name, image):
                continue  # yielded whole once the table's pieces end
            record = {"query_indexes": name, "image": image}
        else:
            record = encoding.loads(payload)
        if not isinstance(record, dict):
            raise ValueError("a record that is not an object")
        whole = pieces.done()
        if whole is not None:
            yield {"query_indexes": whole[0], "image": whole[1]}
        ended = "end" in record
        yield record
    if not ended:
        raise ValueError("no end record: the snapshot is incomplete")


def apply_snapshot_record(replayer: Replayer, record: dict[str, Any]) -> None:
    """One record of `read_snapshot` (after the header) into the replayer's store."""
    if "items" in record:
        replayer.put_many(replayer.table(record["items"]), record["images"],
                          replayer.written.setdefault(record["items"], []))
    elif "query_indexes" in record:
        name = record["query_indexes"]
        index_images.install(replayer.table(name), replayer.written.pop(name, []),
                             record["image"])
        index_images.release_image(record["image"])
    elif "table" in record:
        replayer.apply([["C", record["table"], record["settings"]]])
    elif "figures" in record:
        replayer.written.pop(record["figures"], None)  # the table's items are all in
        replayer.set_figures(record["figures"], record)
    elif "backup" in record:
        replayer.apply([["B", record["backup"], record["document"]]])
    elif "record" in record:
        replayer.apply([[record["record"], record["arn"], record["description"]]])
    elif "stream" in record:
        if "start" in record:
            replayer.set_records(record["stream"], int(record["start"]), record["records"])
        else:
            replayer.append_records(record["stream"], record["records"])
    elif "end" not in record:
        raise ValueError(f"an unknown record {sorted(record)}")
