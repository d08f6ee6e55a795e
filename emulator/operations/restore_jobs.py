"""A restore's new table, filled off the request path.

RestoreTableFromBackup and RestoreTableToPointInTime answer at once with the new table
CREATING, as DynamoDB does: it is in the store, empty, listed and described, but item
operations answer ResourceNotFoundException and DeleteTable or UpdateTable
ResourceInUseException (`store.access`). A thread then makes the real table's contents
without the store lock: its items (a copy of the backup's, or the source's as of the moment,
read back from the data dir's history), its query indexes and its figures. Its journal
records are encoded and written a few hundred KB at a time, each in a short hold of the lock,
while no journal rotation (no snapshot) may start; one last short hold installs the rest:
items, indexes and figures move into the CREATING table, it turns ACTIVE and the record that
completes it is journaled (`durability.hooks`).

A snapshot never holds a CREATING table, and replay drops a restore's table whose completing
record never came, so a kill -9 at any moment leaves either no table after the restart or
the whole one, never half. A restore that fails (its history unreadable, the journal
refusing) drops the table, logs why (ERROR) and counts in /metrics
(`ddbkit_restores_failed_total`): DynamoDB has no failed state for a table. While a restore
reads a backup, DeleteBackup answers BackupInUseException.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from ddbkit.emulator.durability import hooks
from ddbkit.emulator.durability.journal import JournalError
from ddbkit.emulator.operations.call import OperationError
from ddbkit.emulator.store.access import STORE_LOCK
from ddbkit.emulator.store.buckets import collector_paused
from ddbkit.emulator.store.catalog import Catalog
from ddbkit.emulator.store.indexes import TableIndexes, layouts, signature
from ddbkit.emulator.store.table_description import counted
from ddbkit.emulator.store.tables import ACTIVE, CREATING, Table, table_items

log = logging.getLogger(__name__)

_reading: dict[str, int] = {}  # backup ARN -> restores reading it (under STORE_LOCK)


def backup_in_use(arn: str) -> bool:
    """A restore is still reading this backup (under the store lock)."""
    return _reading.get(arn, 0) > 0


def start(backend: Catalog, shown: Table, work: Table, items: Callable[[], Any],
          backup_arn: str | None = None) -> threading.Thread:
    """Under the store lock: `shown` (the table the answer describes, already in the store)
    turns CREATING; `work` (the same settings, out of the store) gets `items()` and all the
    rest off the lock, then `shown` takes them and turns ACTIVE."""
    shown.status = CREATING
    if backup_arn is not None:
        _reading[backup_arn] = _reading.get(backup_arn, 0) + 1
    thread = threading.Thread(target=_run, args=(backend, shown, work, items, backup_arn),
                              name=f"ddbkit-restore-{shown.name}", daemon=True)
    thread.start()
    return thread


def _run(backend: Catalog, shown: Table, work: Table, items: Callable[[], Any],
         backup_arn: str | None) -> None:
    try:
        # Millions of new objects: a full cyclic collection over them stalls every request
        # (they hold no cycles), so none runs while they are made, and they are frozen after.
        with collector_paused():
            work.items = items().index()  # its directory made here, not by a first request
            built = _indexes(work)
            counted(work)
            encoded = hooks.encoded_table(work)
    except Exception as exc:
        if isinstance(exc, OperationError):  # the history could not say: one line, its cause
            log.error("ddbkit: the restore of table %s failed (%s: %s); the table is dropped",
                      shown.name, exc.message, exc.__cause__ or "no record of that moment")
        else:
            log.exception("ddbkit: the restore of table %s failed; the table is dropped",
                          shown.name)
        with STORE_LOCK:
            _finish(backend, shown, backup_arn, ready=None)
        return
    with hooks.rotation_paused():
        for start, crc in [] if encoded is None else encoded.parts:
            with STORE_LOCK:
                if not _journaled(backend, shown, start, crc):
                    _finish(backend, shown, backup_arn, ready=None)
                    return
        with contextlib.suppress(OSError):  # the journal's own syncer logs and retries
            hooks.sync_journal()  # not left to the next rotation's fsync, under the lock
        with STORE_LOCK:
            _finish(backend, shown, backup_arn, ready=(work, built, encoded))


def _journaled(backend: Catalog, shown: Table, start: bytes, crc: int) -> bool:
    """One record of the table's (under the store lock); False when it cannot be (the
    store was replaced, or the journal refused it: the table is dropped)."""
    if backend.tables.get(shown.name) is not shown:
        return False
    try:
        hooks.journal_part(start, crc)
    except JournalError:
        log.error("ddbkit: the journal refused the restored table %s; the table is dropped",
                  shown.name)
        return False
    return True


def _indexes(work: Table) -> TableIndexes:
    return TableIndexes(work, signature(work), layouts(work)).build(
        table_items(work)).ready_to_scan()  # not by the restored table's first Scan


def _finish(backend: Catalog, shown: Table, backup_arn: str | None,
            ready: tuple[Table, TableIndexes, Any] | None) -> None:
    """Under the store lock: the table installed (or dropped, `ready` None)."""
    if backup_arn is not None:
        _reading[backup_arn] -= 1
        if not _reading[backup_arn]:
            del _reading[backup_arn]
    if backend.tables.get(shown.name) is not shown:
        return  # the store was replaced meanwhile (a named state restored)
    if ready is None:
        del backend.tables[shown.name]
        backend.restores_failed += 1
        return
    work, built, encoded = ready
    shown.items = work.items
    built.table = shown
    shown.index_set, shown.figures, shown.status = built, work.figures, ACTIVE
    try:
        hooks.adopt(shown, encoded)
    except JournalError:
        log.error("ddbkit: the journal refused the restored table %s; the table is dropped",
                  shown.name)
        del backend.tables[shown.name]
        backend.restores_failed += 1
