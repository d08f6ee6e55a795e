"""A restored named state as the base snapshot of a new journal generation.

Journaling a restore as one record of every item took seconds under the store lock. Instead
`service.Durability.replace_tables` starts a new segment whose snapshot holds the state's
tables: the state file's table records are copied as they are (no decoding), written and
fsynced off the lock. Under the lock there is only what depends on the instant of the swap:
the header's journal sequence number (patched in place: the header is written padded to a
fixed length), the end record (its `completed_at` is the swap's time, so point-in-time history
uses this base only for moments after the restore) and, if backups or export records changed
meanwhile, those records again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ddbkit.emulator.durability import encoding
from ddbkit.emulator.durability.backups import backup_record
from ddbkit.emulator.durability.files import sync_file, write_in_slices
from ddbkit.emulator.durability.framing import HEADER, frame, write_frame

SLACK = 64  # header bytes kept for what is only known at the swap (sequence, flags)


def table_records(state: bytes) -> memoryview:
    """The framed records of a named state's file between its header and its end record
    (the file has been read whole and checked)."""
    view = memoryview(state)
    first = HEADER.size + HEADER.unpack_from(view, 0)[0]
    offset, last = first, first
    while offset < len(view):
        last = offset
        offset += HEADER.size + HEADER.unpack_from(view, offset)[0]
    return view[first:last]


class BaseWriter:
    """Writes `<path>.tmp` in two steps: `prepare` (off the lock), then `finish` (under it);
    `install` renames it into place."""

    def __init__(self, path: Path, header: dict[str, Any], tables: memoryview) -> None:
        self.path, self.header, self.tables = path, header, tables
        self.temp = path.with_name(path.name + ".tmp")
        self._width = len(self._header_payload({"sequence": 2 ** 63, "initialized": False,
                                                "rotated_at": 1e10})) + SLACK
        self._tail_at = 0  # where the backups' records begin
        self.backups: dict[str, Any] = {}
        self.records: dict[str, dict[str, Any]] = {}

    def prepare(self, backups: dict[str, Any], records: dict[str, dict[str, Any]]) -> None:
        with open(self.temp, "wb", buffering=1 << 20) as out:
            out.write(frame(self._header_payload({}, self._width)))
            write_in_slices(out, self.tables)
            self._tail_at = out.tell()
            self._write_tail(out, backups, records)
            out.flush()
            sync_file(out.fileno())  # the bulk reaches the disk here, not under the lock

    def finish(self, sequence: int, initialized: bool, completed_at: float, tables: int,
               items: int, backups: dict[str, Any], records: dict[str, dict[str, Any]]) -> int:
        """Makes the file whole and durable as of now; the file's size."""
        with open(self.temp, "r+b") as out:
            if not _same(backups, self.backups) or records != self.records:
                out.truncate(self._tail_at)  # rare: a backup made during the restore
                out.seek(self._tail_at)
                self._write_tail(out, backups, records)
            out.seek(0, os.SEEK_END)
            out.write(frame(encoding.dumps({"end": {"tables": tables, "items": items,
                                                    "completed_at": completed_at}})))
            out.seek(0)
            out.write(frame(self._header_payload(
                {"sequence": sequence, "initialized": initialized, "rotated_at": completed_at},
                self._width)))
            out.flush()
            sync_file(out.fileno())
            return out.seek(0, os.SEEK_END)

    def install(self) -> None:
        os.replace(self.temp, self.path)

    def discard(self) -> None:
        self.temp.unlink(missing_ok=True)

    def _write_tail(self, out: Any, backups: dict[str, Any],
                    records: dict[str, dict[str, Any]]) -> None:
        self.backups = dict(backups)
        self.records = {kind: dict(found) for kind, found in records.items()}
        for arn, backup in backups.items():
            write_frame(out, backup_record(arn, backup))
        for kind, found in records.items():
            for arn, description in found.items():
                if isinstance(description, dict):
                    out.write(frame(encoding.dumps({"record": kind, "arn": arn,
                                                    "description": description})))

    def _header_payload(self, fields: dict[str, Any], width: int | None = None) -> bytes:
        header = {**self.header, "sequence": 0, "initialized": False, "rotated_at": 0.0,
                  **fields}
        payload = encoding.dumps({**header, "pad": ""})
        if width is None:
            return payload
        if len(payload) > width:
            raise ValueError("a state base's header outgrew its room")
        return encoding.dumps({**header, "pad": " " * (width - len(payload))})


def _same(now: dict[str, Any], then: dict[str, Any]) -> bool:
    """The same backups, object for object (what compaction's snapshots assume too)."""
    return now.keys() == then.keys() and all(now[arn] is then[arn] for arn in now)
