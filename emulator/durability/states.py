"""Named states: the emulator's data saved under a name and put back at once, for fast tests.

A state is a snapshot (`snapshot`'s format) of every table (settings, GSIs and LSIs, items,
stream with its records and sequence numbers) at one exact moment: a short hold of the store
lock takes each table's settings, stream records and begins a copy of its item map (made
a part at a time after it, `store.item_copies`; the items themselves never change in place),
and the encoding and writing happen after it, while requests go on.

Restoring decodes the state into new tables (items, indexes from the file's index sections,
stream shards, figures) without the lock, then replaces the catalog's whole set of tables in
one short hold: a request sees the state before or after, never a mix, and tables created
since are gone. One save or restore runs at a time; a second call waits for it (the admin
calls run off the event loop, `endpoint.http`, so requests are served meanwhile). Nor does
one run beside a compaction's snapshot: it waits for one being written, and a compaction
due meanwhile waits for it.

States live in memory; with a data dir (`ddbkit up --data-dir`) each is also written to
`<data-dir>/states/<name>.snap` (atomically) and survives restarts, and a restore is durable:
it starts a new journal generation whose base snapshot holds the state's tables
(`service.Durability.replace_tables`), so a restart after it comes back restored.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import logging
import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ddbkit.emulator.durability import hooks
from ddbkit.emulator.durability.files import write_in_slices
from ddbkit.emulator.durability.framing import FrameError, read_frames
from ddbkit.emulator.durability.journal import FULL_ERRNOS, DiskFull, JournalError
from ddbkit.emulator.durability.replay import Replayer
from ddbkit.emulator.durability.snapshot import (
    SnapshotWriter,
    apply_snapshot_record,
    plan,
    read_snapshot,
)
from ddbkit.emulator.durability.state_base import table_records
from ddbkit.emulator.store.access import STORE_LOCK
from ddbkit.emulator.store.buckets import collector_paused
from ddbkit.emulator.store.catalog import catalog
from ddbkit.emulator.store.clock import now
from ddbkit.emulator.store.ready import prepare
from ddbkit.emulator.store.table_releases import release_tables

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
KEEP_STREAM = timedelta(days=36500)  # a state keeps its stream records as they were
# Items per chunk record: a chunk is pickled and unpickled in one call that holds the
# interpreter while the request thread waits for it: 20-25 ms per 1,000 items in a server
# grown to 1M items (its memory new to the process), so 250. Shared values are written once
# per chunk: the bench's items (copies of a small pool) take 301 bytes each, 246 at 1,000.
FRAME_ITEMS = 250
SUFFIX = ".snap"
log = logging.getLogger("ddbkit.durability")


class StateError(Exception):
    """A request about states that cannot be met; `kind` is the error type to answer."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class StateInfo:
    name: str
    tables: int
    items: int
    bytes: int

    def as_json(self) -> dict[str, Any]:
        return {"Name": self.name, "Tables": self.tables, "Items": self.items,
                "SizeBytes": self.bytes}


class NamedStates:
    def __init__(self, account_id: str, region: str) -> None:
        self.account_id, self.region = account_id, region
        self._saved: dict[str, tuple[bytes, StateInfo]] = {}
        self._busy = threading.Lock()  # one call at a time; the others wait their turn

    def save(self, name: str) -> StateInfo:
        _check(name)
        # no snapshot is written meanwhile (one that is waits to end first): two background
        # threads at once share the turns the request thread gets (`turns`)
        with self._busy, hooks.rotation_paused():
            return self._save(name)

    def _save(self, name: str) -> StateInfo:
        with STORE_LOCK:
            plans = plan(catalog(self.account_id, self.region).tables, frozen=True)
        writer = SnapshotWriter(Path(name), {"state": name}, plans, contextlib.nullcontext(),
                                KEEP_STREAM, _utcnow, frame_items=FRAME_ITEMS)
        out = io.BytesIO()
        with collector_paused():  # its garbage is acyclic: freed as it goes
            writer.write_to(out)
        del plans
        data = out.getvalue()
        info = StateInfo(name, len(writer.plans), writer.items, len(data))
        directory = _directory()
        if directory is not None:
            try:
                _write_atomically(directory / f"{name}{SUFFIX}", data)
            except OSError as exc:
                raise _not_saved(name, directory, exc) from exc
        self._saved[name] = (data, info)
        return info

    def restore(self, name: str) -> StateInfo:
        """Puts the state in place (takes the store lock itself, briefly)."""
        with self._busy:
            with hooks.rotation_paused():  # as in `save`; the swap takes it again itself
                data, info = self._load(name)
                built = self._build(name, data)
            tables = catalog(self.account_id, self.region).tables
            with STORE_LOCK:
                old = list(tables.values())
            replace = hooks.table_replacer()
            if replace is None:
                with STORE_LOCK:
                    tables.clear()
                    tables.update(built)
            else:
                try:
                    replace(built, table_records(data), info.items)
                except OSError as exc:
                    raise _not_restored(name, exc) from exc
            del built
            release_tables(old)  # a slice at a time: at once, every request waited
            return info

    @staticmethod
    def _build(name: str, data: bytes) -> dict[str, Any]:
        """The state's tables, new objects no request sees until they are swapped in."""
        built: dict[str, Any] = {}
        replayer = Replayer(built)
        try:
            with collector_paused():
                records = read_snapshot(read_frames(io.BytesIO(data), len(data)))
                next(records)
                for record in records:
                    apply_snapshot_record(replayer, record)
                for table in built.values():  # a state without index sections: build here
                    prepare(table)
        except (FrameError, ValueError, KeyError, TypeError) as exc:
            raise StateError("ValidationException", f"saved state {name!r} is damaged: "
                                                    f"{exc}") from exc
        return built

    def delete(self, name: str) -> None:
        with self._busy:
            self._delete(name)

    def _delete(self, name: str) -> None:
        self._load(name)
        self._saved.pop(name, None)
        directory = _directory()
        if directory is not None:
            (directory / f"{name}{SUFFIX}").unlink(missing_ok=True)

    def list(self) -> list[StateInfo]:
        with self._busy:
            return self._list()

    def _list(self) -> builtins.list[StateInfo]:
        directory = _directory()
        if directory is not None and directory.is_dir():
            for path in directory.glob(f"*{SUFFIX}"):
                if path.stem not in self._saved and NAME.match(path.stem):
                    self._load(path.stem)
        return sorted((info for _, info in self._saved.values()), key=lambda i: i.name)

    def _load(self, name: str) -> tuple[bytes, StateInfo]:
        _check(name)
        if name in self._saved:
            return self._saved[name]
        directory = _directory()
        path = directory / f"{name}{SUFFIX}" if directory is not None else None
        if path is None or not path.is_file():
            raise StateError("ResourceNotFoundException", f"no saved state named {name!r}")
        data = path.read_bytes()
        tables = items = 0
        try:
            # the counts are in the end record: the item chunks are not built here, only
            # when the state is restored
            for record in read_snapshot(read_frames(io.BytesIO(data), len(data)),
                                        items=False):
                if "end" in record:
                    tables, items = int(record["end"]["tables"]), int(record["end"]["items"])
        except (FrameError, ValueError, KeyError, TypeError) as exc:
            raise StateError("ValidationException", f"saved state {path} is damaged: "
                                                    f"{exc}") from exc
        self._saved[name] = (data, StateInfo(name, tables, items, len(data)))
        return self._saved[name]


def _check(name: Any) -> None:
    if not isinstance(name, str) or not NAME.match(name):
        raise StateError("ValidationException",
                         "a state's Name is 1-128 letters, digits, '_', '-' or '.'")


def _directory() -> Path | None:
    history = hooks.history()
    return None if history is None else history.data_dir.path / "states"


def _utcnow() -> datetime:
    return datetime.fromtimestamp(now(), UTC).replace(tzinfo=None)


def _not_saved(name: str, directory: Path, exc: OSError) -> JournalError:
    """A clean refusal (`endpoint.app` answers it); the path goes to the server's log only."""
    full = exc.errno in FULL_ERRNOS
    failed = (DiskFull if full else JournalError)(
        f"cannot save state {name!r} in {directory}: {exc.strerror}")
    failed.answer = (f"The emulator's disk is full: state {name!r} was not saved. Free some "
                     "space and save it again." if full else
                     f"The emulator could not write state {name!r}; see the server's log.")
    log.error("ddbkit: %s", failed)
    return failed


def _not_restored(name: str, exc: OSError) -> JournalError:
    """The data dir could not take the restore: the tables are as they were."""
    full = exc.errno in FULL_ERRNOS
    failed = (DiskFull if full else JournalError)(f"cannot restore state {name!r}: {exc}")
    failed.answer = (f"The emulator's disk is full: state {name!r} was not restored. Free "
                     "some space and restore it again." if full else
                     f"The emulator could not restore state {name!r}; see the server's log.")
    log.error("ddbkit: %s", failed)
    return failed


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    try:
        with open(temp, "wb") as out:
            write_in_slices(out, data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)  # a full disk keeps no half-written state
        raise
