"""A GSI that UpdateTable adds is filled from the table's items in the background (its
backfill) while the table serves; then it is ACTIVE, as DynamoDB does it.

UpdateTable begins a copy of the table's item map (nothing copied in the request: its parts,
a few at a time after, `store.item_copies`; the items are shared, none changes in place) and
from then on the table's built indexes log every write for the new index
(`TableIndexes.pending`, `indexes.follow`).
The worker builds the index from the copy without the lock, as a table's indexes are built at
once (`indexes.built_index`), and counts its figures (`table_description.index_figure`);
then it applies the logged writes, `CHUNK` per hold of the lock, and, the log empty, installs
the index in the same hold. A table of at most `CHUNK` items is filled within UpdateTable.
Done, the index turns ACTIVE in a journaled change of the table's settings (an "M" record).

While it runs the index is CREATING with Backfilling true (`table_description`), Query and
Scan on it are refused as DynamoDB refuses them (`check_readable`), and the table stays
ACTIVE: the emulator has no resource-allocation phase, so the backfill begins at once and
other UpdateTable changes are accepted (DynamoDB accepts them once the backfill began), but
not another GSI Create or Delete (LimitExceededException, `operations/update_table`).
Deleting the index being backfilled stops its backfill. A restart settles a backfill it
interrupted by building the index whole before the first request (`finish_at_start`): an
index is never half-built after a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.durability import hooks
from ddbkit.emulator.durability.journal import JournalError
from ddbkit.emulator.operations.call import validation_error
from ddbkit.emulator.store import item_copies, table_description
from ddbkit.emulator.store.access import STORE_LOCK
from ddbkit.emulator.store.background import worker
from ddbkit.emulator.store.buckets import release
from ddbkit.emulator.store.indexes import (
    Index,
    Layout,
    TableIndexes,
    built_index,
    indexes_for,
)
from ddbkit.emulator.store.tables import ACTIVE, Table

log = logging.getLogger("ddbkit")

CHUNK = 1000  # items per hold of the store lock: a few milliseconds
PAUSE = 0.002  # seconds between holds, for waiting requests to take the lock
CREATING = "CREATING"
BACKFILLING = "Cannot read from backfilling global secondary index: {name}"


@dataclass(eq=False)
class Backfill:
    tables: dict[str, Any]  # the catalog's: a table no longer there needs no index
    table: Table
    name: str
    built: TableIndexes
    layout: Layout  # the index's, and its definition: read under the lock, at the start
    definition: Any
    items: Any  # the table's item map when the backfill began (an `ItemsCopy`)
    started: float = 0.0


_running: list[Backfill] = []  # at most one per table: one index is created at a time


def begin(tables: dict[str, Any], table: Table, name: str) -> None:
    """Fills the table's new GSI `name` (CREATING, its writes logged in its built indexes'
    `pending`): at once for a small table, else in the background. Under the store lock."""
    built = table.index_set
    if built is None or name not in built.pending:
        return  # built whole already (`indexes_for`): nothing to fill
    definition = next(index for index in table.global_indexes if index.name == name)
    job = Backfill(tables, table, name, built, built.layouts[name], definition,
                   item_copies.begin(table), started=time.perf_counter())
    if len(table) <= CHUNK:  # ACTIVE from the next DescribeTable on (`finish_backfills`)
        found = _build(job)
        assert found is not None  # nothing to stop it: the copy is made whole
        _catch_up(job, *found, 0)
        return
    _running.append(job)
    log.warning("ddbkit: backfilling index %s of %s: %d items", name, table.name, len(table))
    worker("backfill").submit(lambda stop: _run(job, stop))


def running(table: Table, name: str) -> bool:
    """Whether the table's index `name` is being backfilled."""
    return any(job.table is table and job.name == name for job in _running)


def check_readable(table: Table, index: Any) -> None:
    """Query and Scan on an index being backfilled: DynamoDB's refusal."""
    if index is not None and running(table, index.name):
        raise validation_error(BACKFILLING.format(name=index.name))


def cancel(table: Table, name: str) -> None:
    """The index `name` is deleted: its backfill, if any, stops."""
    _running[:] = [job for job in _running if not (job.table is table and job.name == name)]


def _build(job: Backfill, stop: threading.Event | None = None) -> tuple[Index, Any] | None:
    """The index of the copied items, and its figures (no lock needed: nothing changes);
    None when `stop` is set while the items are copied (between two parts)."""
    ranged, copied = job.table.range_key_attr is not None, job.items.finished(stop)
    if copied is None:
        return None
    items = [item for entry in copied.items.values() for item in entry.values()] if ranged \
        else list(copied.items.values())
    release(copied.items)  # a slice at a time: a million entries freed at once held requests
    del copied
    job.items = None
    index = built_index(job.table, job.layout, items)
    release(items)
    held = [item for bucket in index.partitions.values() for item in bucket]
    figure = table_description.index_figure(job.table, job.definition, held)
    release(held)
    return index, figure


def _run(job: Backfill, stop: threading.Event) -> None:
    built = _build(job, stop)
    if built is None:
        return
    index, figure = built
    while not stop.is_set():
        with STORE_LOCK:
            if job not in _running:
                return  # cancelled
            if not _current(job):
                _running.remove(job)
                return
            if _catch_up(job, index, figure, CHUNK):
                _finish(job, figure)
                return
        time.sleep(PAUSE)


def _current(job: Backfill) -> bool:
    """Whether the index being filled is still wanted (not deleted, nor its table)."""
    return job.tables.get(job.table.name) is job.table and job.table.index_set is job.built \
        and job.name in job.built.pending


def _catch_up(job: Backfill, index: Index, figure: Any, limit: int) -> bool:
    """Under the store lock: up to `limit` logged writes applied to the index; once none is
    left, the index installed (True)."""
    writes = job.built.pending[job.name]
    for old, new in writes[:limit]:
        if old is not None and index.holds(old):
            index.remove(old)
            figure.add(old, -1)
        if new is not None and index.holds(new) and index.add_once(new):
            figure.add(new, 1)
    del writes[:limit]
    if writes:
        return False
    del job.built.pending[job.name]
    job.built.indexes[job.name] = index
    return True


def _finish(job: Backfill, figure: Any) -> None:
    """Under the store lock: the index ACTIVE, journaled, its figures the table's."""
    if job in _running:
        _running.remove(job)
    found = next((i for i in job.table.global_indexes if i.name == job.name), None)
    if found is None:
        return
    counted = table_description.current_key(job.table)
    try:
        with hooks.journaled("UpdateTable"):
            found.status = ACTIVE
    except JournalError:  # undone: DescribeTable shows it ACTIVE, as after any backfill
        log.warning("ddbkit: index %s of %s: its backfill finished but the journal refused "
                    "the change", job.name, job.table.name)
        return
    table_description.index_counted(job.table, found, figure, counted)
    log.warning("ddbkit: index %s of %s ACTIVE: %d items, backfilled in %.2f s", job.name,
             job.table.name, figure.indexes[job.name][1], time.perf_counter() - job.started)


def finish_at_start(tables: dict[str, Any]) -> list[str]:
    """At start, before any request: a GSI left CREATING (its backfill interrupted) is built
    whole with its table's other indexes and made ACTIVE (the caller journals it). Returns
    the tables changed."""
    changed = []
    for table in tables.values():
        creating = [i for i in table.global_indexes if i.status == CREATING]
        if not creating:
            continue
        table.index_set = None  # a snapshot's image may hold the index half-filled
        indexes_for(table)
        for index in creating:
            index.status = ACTIVE
        changed.append(table.name)
    return changed
