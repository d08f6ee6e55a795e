"""Old journal segments merged into one history file, keeping every restorable second.

A point-in-time restore resolves its moment to a whole second S and replays every record
with t <= S (`history`). So of the changes to one item within a second (t in (S-1, S]), only
the last after-image can ever be seen: the others are dropped. A table created, replaced or
deleted within the second drops its earlier item changes of that second the same way. The
survivors keep their records' order, times and sequence numbers, so a restore to any whole
second reads the same state from the merged file as from the segments.

An item's key needs its table's key schema: segment headers carry the schemas of the tables
at their start ("keys"), and each "C" op the schema from then on. A table whose schema is
unknown (a segment written before headers carried them) keeps all its changes.

What nothing reads goes: stream records (a restore restores no stream, and a restart reads
the newest snapshot, which holds the records within the stream's retention, and the segments
after it, never merged history), backups, exports and imports (the current state holds
those), and the records before the oldest base kept (`after`: its sequence number).

Written to `.tmp`, fsynced, renamed into place and the directory fsynced; only then are the
inputs removed (`history_compaction`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ddbkit.emulator.durability import encoding, formats
from ddbkit.emulator.durability.files import sync_dir, sync_file
from ddbkit.emulator.durability.framing import frame, read_frames
from ddbkit.emulator.durability.history_files import Source

ITEM_OPS = frozenset({"P", "X"})
TABLE_OPS = frozenset({"C", "D"})  # an empty table, or none: earlier item changes vanish
DROPPED_OPS = frozenset({"S", "B", "b", "E", "I"})
Keys = dict[str, tuple[str, str | None]]


def key_names(settings: dict[str, Any]) -> tuple[str, str | None]:
    schema = settings.get("Table", settings)["KeySchema"]
    hash_attr = next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")
    range_attr = next((k["AttributeName"] for k in schema if k["KeyType"] == "RANGE"), None)
    return hash_attr, range_attr


def table_keys(tables: dict[str, Any]) -> dict[str, list[str | None]]:
    """The key attributes of each table, for a segment header (under the store lock)."""
    return {name: [t.hash_key_attr, t.range_key_attr] for name, t in tables.items()}


@dataclass
class Merged:
    path: Path
    records_in: int
    records_out: int
    bytes: int


class _Bucket:
    """The records of one second, their item changes superseded as later ones come."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.latest: dict[tuple[str, str], tuple[int, int]] = {}  # (table, key) -> where
        self.of_table: dict[str, list[tuple[int, int]]] = {}

    def add(self, record: dict[str, Any], keys: Keys) -> None:
        """Adds a record; `keys` follows the schema changes its ops make, op by op."""
        ops: list[Any] = record["ops"]
        index = len(self.records)
        for position, op in enumerate(ops):
            kind, table = op[0], op[1]
            if kind in ITEM_OPS and table in keys:
                names = keys[table]
                image = op[2]
                key = encoding.canonical([image.get(names[0]),
                                          None if names[1] is None else image.get(names[1])])
                earlier = self.latest.get((table, key))
                if earlier is not None:
                    self._drop(*earlier)
                self.latest[table, key] = (index, position)
                self.of_table.setdefault(table, []).append((index, position))
            elif kind in TABLE_OPS:
                for where in self.of_table.pop(table, []):
                    self._drop(*where)
                self.latest = {k: w for k, w in self.latest.items() if k[0] != table}
                if kind == "C":
                    keys[table] = key_names(op[2])
                else:
                    keys.pop(table, None)
        self.records.append(record)

    def _drop(self, index: int, position: int) -> None:
        self.records[index]["ops"][position] = None

    def flush(self) -> Iterator[dict[str, Any]]:
        records, self.records, self.latest, self.of_table = self.records, [], {}, {}
        for record in records:  # in a process of its own (`merge_process`): no request
            ops = [op for op in record["ops"] if op is not None]  # waits on its frees
            if ops:
                yield {**record, "ops": ops}


def _records(source: Source) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    """(record, None) per record; the header first as (header, header)."""
    with open(source.path, "rb") as stream:
        payloads = read_frames(stream, source.path.stat().st_size)
        header = encoding.loads(next(payloads))
        yield header, header
        for payload in payloads:
            yield encoding.loads(payload), None


def merge(inputs: list[Source], path: Path, account: str, region: str, first: int,
          after: int, starts: dict[int, float]) -> Merged:
    """Writes `inputs` (consecutive generations, oldest first) from generation `first` on,
    records past sequence number `after`, as one history file."""
    last = inputs[-1].last
    keys: Keys = {}  # tables whose schema is known: the others keep every change
    temp = path.with_name(path.name + ".tmp")
    bucket, second = _Bucket(), None
    counted_in = counted_out = 0
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        with os.fdopen(fd, "wb", closefd=False) as out:
            for number, source in enumerate(inputs):
                for record, header in _records(source):
                    if header is not None:
                        keys = _header_keys(header, keys)
                        if number == 0:
                            _put(out, {"format": formats.JOURNAL, "history": [first, last],
                                       "account": account, "region": region,
                                       "created": starts[first],
                                       "starts": {str(g): starts[g] for g in sorted(starts)
                                                  if g >= first},
                                       "keys": {name: list(names)
                                                for name, names in keys.items()}})
                        continue
                    if "ops" not in record:
                        continue  # marks: read by a restart, which never reads history
                    counted_in += 1
                    if int(record["n"]) <= after:
                        continue  # before the oldest base kept
                    when = float(record["t"])
                    ops = [op for op in record["ops"] if op[0] not in DROPPED_OPS]
                    if not ops:
                        continue
                    if second != math.ceil(when):
                        counted_out += _write(out, bucket.flush())
                        second = math.ceil(when)
                    bucket.add({**record, "ops": ops}, keys)
            counted_out += _write(out, bucket.flush())
            out.flush()
        sync_file(fd)
    except BaseException:
        os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(temp, path)
    sync_dir(path.parent)
    return Merged(path, counted_in, counted_out, path.stat().st_size)


def _header_keys(header: dict[str, Any], keys: Keys) -> Keys:
    """Schemas at a file's start: its header's when it has them, else what was tracked."""
    found = header.get("keys")
    if isinstance(found, dict):
        return {name: (str(names[0]), None if names[1] is None else str(names[1]))
                for name, names in found.items()}
    return keys


def _put(out: BinaryIO, record: dict[str, Any]) -> None:
    out.write(frame(encoding.dumps(record)))


def _write(out: BinaryIO, records: Iterator[dict[str, Any]]) -> int:
    count = 0
    for record in records:
        _put(out, record)
        count += 1
    return count
