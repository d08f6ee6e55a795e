"""Named states: the emulator's data saved under a name and put back at once, for fast tests.

A state is a snapshot (`snapshot`'s format) of every table (settings, GSIs and LSIs, items,
stream with its records and sequence numbers), taken whole under the store lock, so it is one
exact moment. Restoring builds the tables from it and replaces the catalog's whole set of tables in
one step under the lock: a request sees the state before or after, never a mix, and tables
created since are gone. Indexes (`store.indexes`) are rebuilt by each table's first Query.

States live in memory; with a data dir (`ddbkit up --data-dir`) each is also written to
`<data-dir>/states/<name>.snap` (atomically) and survives restarts. A restore is a change
like any other: the request that makes it journals the tables it put in place
(`durability.recorder`), so a restart after a restore comes back restored.
"""

from __future__ import annotations

import io
import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ddbkit.emulator.durability import hooks
from ddbkit.emulator.durability.framing import FrameError, read_frames
from ddbkit.emulator.durability.journal import FULL_ERRNOS, DiskFull, JournalError
from ddbkit.emulator.durability.replay import Replayer
from ddbkit.emulator.durability.snapshot import (
    SnapshotWriter,
    apply_snapshot_record,
    plan,
    read_snapshot,
)
from ddbkit.emulator.store.access import STORE_LOCK
from ddbkit.emulator.store.catalog import catalog
from ddbkit.emulator.store.clock import now

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
KEEP_STREAM = timedelta(days=36500)  # a state keeps its stream records as they were
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

    def save(self, name: str) -> StateInfo:
        _check(name)
        with STORE_LOCK:
            tables = catalog(self.account_id, self.region).tables
            writer = SnapshotWriter(Path(name), {"state": name}, plan(tables), STORE_LOCK,
                                    KEEP_STREAM, _utcnow)
            out = io.BytesIO()
            writer.write_to(out)
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
        """Puts the state in place; call under the store lock, inside `hooks.journaled`."""
        data, info = self._load(name)
        built: dict[str, Any] = {}
        replayer = Replayer(built)
        try:
            records = read_snapshot(read_frames(io.BytesIO(data), len(data)))
            next(records)
            for record in records:
                apply_snapshot_record(replayer, record)
        except (FrameError, ValueError, KeyError, TypeError) as exc:
            raise StateError("ValidationException", f"saved state {name!r} is damaged: "
                                                    f"{exc}") from exc
        tables = catalog(self.account_id, self.region).tables
        with STORE_LOCK:
            tables.clear()
            tables.update(built)
        return info

    def delete(self, name: str) -> None:
        self._load(name)
        self._saved.pop(name, None)
        directory = _directory()
        if directory is not None:
            (directory / f"{name}{SUFFIX}").unlink(missing_ok=True)

    def list(self) -> list[StateInfo]:
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


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    try:
        with open(temp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)  # a full disk keeps no half-written state
        raise
