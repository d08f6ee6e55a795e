"""`Durability`: the data dir restored, journaled and compacted, as one open/close unit.

`open()` (before the server accepts a request) locks the data dir, restores it into the
store (`recovery`), opens the journal and starts journaling every request (`hooks`);
`start_compacting()` (once the tables are provisioned) starts the background thread below. Query
indexes (`store.indexes`) the snapshot did not install are built by `recovery` before any
request (`store.ready`: about 0.2 s of CPU per 100k items).

A background thread compacts: once the journal outgrows its limit, it starts a new segment
and writes a snapshot (`snapshot`) while requests go on, then drops and merges the history
the snapshot made obsolete (`history_compaction`). `close()` (after the server stopped)
syncs and releases everything.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ddbkit.emulator.durability import history_compaction, hooks
from ddbkit.emulator.durability.config import DurabilityConfig
from ddbkit.emulator.durability.convert import Converted, upgrade
from ddbkit.emulator.durability.files import DataDir, Listing, journal_generation
from ddbkit.emulator.durability.framing import FrameError
from ddbkit.emulator.durability.history import History
from ddbkit.emulator.durability.history_merge import table_keys
from ddbkit.emulator.durability.journal import JournalError, JournalWriter, free_bytes
from ddbkit.emulator.durability.merge_process import MergeFailed, MergeStopped, merge_apart
from ddbkit.emulator.durability.recorder import Recorder
from ddbkit.emulator.durability.recovery import Recovered, Recovery, journal_header
from ddbkit.emulator.durability.snapshot import FORMAT as SNAPSHOT
from ddbkit.emulator.durability.snapshot import SnapshotAborted, SnapshotWriter, plan
from ddbkit.emulator.durability.state_base import BaseWriter
from ddbkit.emulator.durability.watermark import Watermark
from ddbkit.emulator.errors import DataDirError
from ddbkit.emulator.operations import export_jobs
from ddbkit.emulator.store import backfills, changes, stream_spill
from ddbkit.emulator.store.access import STORE_LOCK
from ddbkit.emulator.store.buckets import collector_paused
from ddbkit.emulator.store.catalog import catalog
from ddbkit.emulator.turns import jobs_running, lower_priority

log = logging.getLogger("ddbkit.durability")


def _records(backend: Any) -> dict[str, dict[str, Any]]:
    """Where moto keeps export ("E") and import ("I") descriptions (`store.backup_calls`)."""
    return {"E": backend.table_exports, "I": backend.table_imports}


def _settle_interrupted(backend: Any, moment: float) -> None:
    """What the last run left unfinished, settled before any request (and journaled by the
    first commit): an export IN_PROGRESS is FAILED, a GSI backfill is finished whole."""
    failed = export_jobs.fail_interrupted(backend.table_exports, moment)
    built = backfills.finish_at_start(backend.tables)
    if failed or built:
        log.warning("ddbkit: the last run stopped during admin work: %d export(s) now FAILED; "
                    "indexes built whole for %s", failed, ", ".join(built) or "no table")


def _written_at(path: Path) -> float | None:
    """When a snapshot file was written (None: there is none yet)."""
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def recovery_days(tables: Any) -> int:
    """The longest recovery period of the tables with point-in-time recovery on (0: none)."""
    days = 0
    for table in tables:
        description = table.continuous_backups.get("PointInTimeRecoveryDescription", {})
        if description.get("PointInTimeRecoveryStatus") == "ENABLED":
            days = max(days, int(description.get("RecoveryPeriodInDays", 35)))
    return days

CHECK_INTERVAL = 1.0  # seconds between checks of the journal's size
# A due compaction waits for a background job (a backup's copy, an export, a state save ...)
# to end, but not longer than this: back-to-back jobs must not let the journal grow unbounded
DEFER_LIMIT = 120.0  # seconds
MERGE_TARGET_FACTOR = 4  # merged history files grow to this many journal limits
INITIALIZED = "initialized"


@dataclass
class Compaction:
    generation: int
    items: int
    snapshot_bytes: int
    seconds: float


def _backups_now(backend: Any) -> list[tuple[str, Any]]:
    """The backups as they are now (a snapshot writes them after its items: `snapshot`)."""
    with STORE_LOCK:
        return list(backend.backups.items())


class Durability:
    def __init__(self, config: DurabilityConfig, account_id: str, region: str,
                 clock: Callable[[], float] = time.time) -> None:
        self.config, self.account_id, self.region, self.clock = config, account_id, region, clock
        self.data_dir = DataDir(config.data_dir)
        self.restored: Recovered | None = None
        self.journal: JournalWriter | None = None
        self.watermark = Watermark(self.data_dir.watermark_path())
        self.recorder: Recorder | None = None
        self.history: History | None = None
        self.generation = 0
        self.snapshot_bytes = 0
        self.snapshot_at: float | None = None  # epoch seconds the last snapshot was written
        self.last_compaction: Compaction | None = None
        self._journal_bytes = 0  # in segments older than the current one, since the snapshot
        self._stop = threading.Event()
        self._compact_lock = threading.Lock()
        self._waiting_for_room = False
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def open(self) -> Recovered:
        self.data_dir.lock()
        try:
            return self._open()
        except (OSError, JournalError) as exc:  # a read-only or full disk: one line
            self._release()
            raise DataDirError(f"cannot use data dir {self.data_dir.path}: "
                               f"{getattr(exc, 'strerror', None) or exc}") from exc
        except BaseException:
            self._release()
            raise

    def _open(self) -> Recovered:
        # Stream records restored below spill beside the data, now that this process holds it.
        stream_spill.use(self.data_dir.path / stream_spill.FOLDER_NAME)
        if self.config.discard:
            listing = self.data_dir.listing()
            self.data_dir.remove([*listing.snapshots.values(), *listing.journals.values(),
                                  *listing.merged.values(), *listing.temps,
                                  self.data_dir.watermark_path()])
        converted = upgrade(self.data_dir)
        backend = catalog(self.account_id, self.region)
        tables = backend.tables
        with STORE_LOCK:
            before = dict(tables)
            restored = Recovery(self.data_dir, tables, self.account_id, self.region,
                                self._utcnow(), self.config.stream_retention,
                                backend.backups, _records(backend)).run()
            self._repair(restored)
            if converted is not None:
                self._say_converted(converted, restored, len(backend.backups))
            if restored.new:  # a mark left by journals since removed would describe nothing
                self.data_dir.remove([self.data_dir.watermark_path()])
            self.generation, self.snapshot_bytes = restored.generation, restored.snapshot_bytes
            self.snapshot_at = _written_at(self.data_dir.snapshot_path(self.generation))
            self.journal = JournalWriter(self.data_dir.journal_path(self.generation),
                                         self._header(self.generation), self.config.fsync,
                                         on_synced=self._synced)
            self._journal_bytes = restored.journal_bytes
            self.recorder = Recorder(tables, self.journal.append, restored.sequence,
                                     known=[n for n, t in tables.items() if before.get(n) is not t],
                                     initialized=restored.initialized, clock=self.clock,
                                     backups=backend.backups, records=_records(backend),
                                     refuses=self.journal.refuses)
            changes.record(True)
            _settle_interrupted(backend, self.clock())
            self.recorder.commit("Open")  # tables that were here before the restore, if any
            self.history = History(self.data_dir)
            hooks.activate(self.recorder, self.history, rotation=self._compact_lock,
                           replacer=self.replace_tables, sync=self._sync_journal)
            # the listing and its segment headers are read only when there is something to drop
            kept = self._plan(self.data_dir.listing()).kept if restored.obsolete else set()
        self.data_dir.remove([p for p in restored.obsolete if p not in kept])
        self.data_dir.sync()
        stream_spill.folder()  # what a killed process spilled goes now, not at the first spill
        self.journal.start()
        self.restored = restored
        return restored

    def start_compacting(self) -> None:
        """Starts the background compaction: once the emulator is ready, so a large journal's
        first snapshot does not compete with provisioning for the interpreter."""
        if self._thread is None and self.journal is not None:
            self._thread = threading.Thread(target=self._compact_when_due,
                                            name="ddbkit-compact", daemon=True)
            self._thread.start()

    def _repair(self, restored: Recovered) -> None:
        if restored.torn is None:
            return
        path, offset, reason = restored.torn
        dropped = path.stat().st_size - offset
        os.truncate(path, offset)
        log.warning("ddbkit: warning: %s: dropped %d bytes at its end (%s): the last write "
                    "before a crash, cut short", path, dropped, reason)

    def _say_converted(self, converted: Converted, restored: Recovered, backups: int) -> None:
        torn = "".join(f"; dropped {why}" for why in converted.torn)
        log.warning("ddbkit: converted data dir %s from format 1 to format 2 (%d tables, "
                    "%d items, %d backups, %d files); the format-1 files are kept in %s%s",
                    self.data_dir.path, restored.tables, restored.items, backups,
                    converted.files, converted.aside, torn)

    def _synced(self, path: Path, size: int) -> None:
        try:
            self.watermark.write(journal_generation(path), size)
        except OSError as exc:  # a full disk: the old mark only understates, which is safe
            log.debug("ddbkit: cannot update %s: %s", self.watermark.path, exc)

    def _sync_journal(self) -> None:
        journal = self.journal
        if journal is not None:
            journal.sync()

    def mark_initialized(self) -> None:
        """Notes that provisioning and the first seed finished: later starts restore."""
        with STORE_LOCK:
            if self.recorder is not None:
                self.recorder.mark(INITIALIZED)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        with STORE_LOCK:
            hooks.deactivate()
        self._release()

    def _release(self) -> None:
        hooks.deactivate()
        stream_spill.use(None)  # the data dir is no longer ours to write in
        changes.record(False)
        if self.journal is not None:
            try:
                self.journal.close()
            except OSError as exc:
                log.error("ddbkit: could not sync the journal on close: %s", exc)
            self.journal = None
        self.watermark.close()
        self.data_dir.unlock()

    # -- compaction --------------------------------------------------------------------
    @property
    def journal_bytes(self) -> int:
        return self._journal_bytes + (self.journal.size if self.journal else 0)

    def due(self) -> bool:
        return self.journal_bytes > max(self.config.journal_max_bytes, self.snapshot_bytes)

    def _compact_when_due(self) -> None:
        lower_priority()
        due_since: float | None = None
        while not self._stop.wait(CHECK_INTERVAL):
            if not self.due() or not self._room_for_snapshot():
                due_since = None
                continue
            due_since = time.monotonic() if due_since is None else due_since
            if jobs_running() and time.monotonic() - due_since < DEFER_LIMIT:
                continue  # one background thread at a time beside requests (`turns`)
            due_since = None
            try:
                self.compact()
            except SnapshotAborted:
                return
            except OSError as exc:  # a full disk: the old snapshot and journal stay whole
                log.error("ddbkit: snapshot failed (%s); the journal keeps everything, "
                          "retrying later", exc.strerror or exc)
                self._stop.wait(30)
            except Exception:
                log.exception("ddbkit: snapshot failed; the journal keeps everything, "
                              "retrying later")
                self._stop.wait(30)

    def _room_for_snapshot(self) -> bool:
        """A snapshot is at most the last one plus the journal since; one that cannot fit
        would only take the room writes need, then fail. Tried again once there is room."""
        needed = self.snapshot_bytes + self.journal_bytes
        room = free_bytes(self.data_dir.path) >= needed
        if not room and not self._waiting_for_room:
            log.warning("ddbkit: no room in %s for a snapshot (about %d bytes): the journal "
                        "keeps everything; compacting once there is room",
                        self.data_dir.path, needed)
        self._waiting_for_room = not room
        return room

    def compact(self) -> Compaction:
        """A new journal segment, then a snapshot of the tables as of its start."""
        with self._compact_lock:
            started = time.perf_counter()
            assert self.journal is not None and self.recorder is not None
            backend = catalog(self.account_id, self.region)
            tables = backend.tables
            with STORE_LOCK:
                generation = self.generation + 1
                older = self.journal_bytes  # until the snapshot is written, they still count
                self.journal.rotate(self.data_dir.journal_path(generation),
                                    self._header(generation, previous=self.journal.size))
                self.data_dir.sync()
                self.generation, self._journal_bytes = generation, older
                plans = plan(tables)
                records = [(kind, arn, found) for kind, registry in _records(backend).items()
                           for arn, found in registry.items() if isinstance(found, dict)]
                header = {"generation": generation, "account": self.account_id,
                          "region": self.region, "sequence": self.recorder.sequence,
                          "rotated_at": self.clock(), "initialized": self._initialized()}
            with collector_paused():  # decoded and encoded records: no cycles to look for
                written = SnapshotWriter(self.data_dir.snapshot_path(generation), header,
                                         plans, STORE_LOCK, self.config.stream_retention,
                                         self._utcnow, self._stop,
                                         lambda: _backups_now(backend), records).write()
            self.data_dir.sync()
            self.snapshot_bytes, self._journal_bytes = written.size, 0
            self.snapshot_at = time.time()
            self._compact_history()
            done = Compaction(generation, written.items, written.size,
                              time.perf_counter() - started)
            self.last_compaction = done
            return done

    def replace_tables(self, built: dict[str, Any], tables: memoryview, items: int) -> None:
        """Puts `built` (a named state's tables, `states`) in place of every table, durably:
        a new journal segment whose base snapshot holds them (`state_base`; `tables`: the
        state file's table records). The snapshot is written and fsynced before the lock;
        under it, only its header and end, the rotation and the swap. A kill at any moment
        leaves the old tables (no snapshot of the new generation yet) or the new ones."""
        with self._compact_lock:  # no compaction rotates meanwhile
            assert self.journal is not None and self.recorder is not None
            backend = catalog(self.account_id, self.region)
            generation = self.generation + 1
            base = BaseWriter(self.data_dir.snapshot_path(generation),
                              {"format": SNAPSHOT, "generation": generation,
                               "account": self.account_id, "region": self.region}, tables)
            try:
                with STORE_LOCK:
                    backups, records = dict(backend.backups), _records(backend)
                    records = {kind: dict(found) for kind, found in records.items()}
                base.prepare(backups, records)
                with STORE_LOCK:
                    size = base.finish(self.recorder.sequence, self._initialized(), self.clock(),
                                       len(built), items, backend.backups, _records(backend))
                    older = self.journal_bytes
                    self.journal.rotate(self.data_dir.journal_path(generation),
                                        self._header(generation, previous=self.journal.size))
                    # appends go to the new segment from here on, over the old tables
                    # until the snapshot is in place
                    self.generation, self._journal_bytes = generation, older
                    base.install()
                    # the data dir holds the state now: memory follows before anything
                    # else can fail
                    backend.tables.clear()
                    backend.tables.update(built)
                    self.recorder.rebase()
                    self.snapshot_bytes, self._journal_bytes = size, 0
                    self.snapshot_at = time.time()
                    self.data_dir.sync()
            finally:
                base.discard()
            self._compact_history()  # the old generations as compaction leaves them

    def _compact_history(self) -> None:
        """Drops the history no restore may need, then merges the old segments. A merge
        that fails (a full disk, a damaged old segment) leaves them as they are."""
        planned = self._plan(self.data_dir.listing())
        self.data_dir.remove(planned.drop)
        if not planned.merge:
            return
        first, last = planned.merge_from, planned.merge[-1].last
        try:
            merge_apart(planned.merge, self.data_dir.merged_path(first, last),
                        self.account_id, self.region, first, planned.after, planned.starts,
                        self._stop)
        except MergeStopped:
            return
        except (MergeFailed, OSError) as exc:
            log.error("ddbkit: could not merge the history's segments %d-%d (%s); they stay "
                      "as they are", first, last, exc)
            return
        self.data_dir.remove([s.path for s in planned.merge])

    def _utcnow(self) -> datetime:
        """The emulator's clock as moto's naive UTC datetimes."""
        return datetime.fromtimestamp(self.clock(), UTC).replace(tzinfo=None)

    def _plan(self, listing: Listing) -> history_compaction.Plan:
        """What of the history point-in-time restores may still need, and what to merge."""
        with STORE_LOCK:
            days = recovery_days(list(catalog(self.account_id, self.region).tables.values()))
        start = self.clock() - days * 86400 if days else None
        try:
            return history_compaction.plan(
                listing, start, self.config.history_max_bytes,
                MERGE_TARGET_FACTOR * max(self.config.journal_max_bytes, 1 << 20), days * 86400)
        except (OSError, FrameError, ValueError, KeyError, TypeError) as exc:
            # a history file whose header cannot be read: keep everything, drop nothing
            log.error("ddbkit: cannot read the history in %s (%s); nothing of it is dropped",
                      self.data_dir.path, exc)
            every = [*listing.snapshots.values(), *listing.journals.values(),
                     *listing.merged.values()]
            return history_compaction.Plan(0, set(every))

    def _initialized(self) -> bool:
        return bool(self.recorder is not None and self.recorder.initialized)

    def _header(self, generation: int, previous: int | None = None) -> bytes:
        keys = table_keys(catalog(self.account_id, self.region).tables)  # under the lock
        return journal_header(generation, self.account_id, self.region, self.clock(),
                              previous, keys)

    def __repr__(self) -> str:
        return f"Durability({self.config.data_dir}, generation {self.generation})"

