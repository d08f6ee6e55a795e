"""A table that DeleteTable removed, or a backup that DeleteBackup removed, is freed off the
request path (`store.table_releases`). The release worker empties its items, its indexes'
partitions and its Scan key order, once nothing but the worker holds it. A table that is
still held elsewhere is left whole. A backup keeps the figures CreateBackup took, whole and
across its records, so neither DeleteBackup nor a restart's DescribeBackup counts its items
in the request.

The tables are real store tables, made in a catalog of this process's own. The release runs
in the real worker thread.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest

from ddbkit.emulator.durability import backups
from ddbkit.emulator.durability.images import build_item, store_item
from ddbkit.emulator.spec import get_table
from ddbkit.emulator.store import (
    access,
    backup_calls,
    table_calls,
    table_description,
    table_releases,
)
from ddbkit.emulator.store.background import worker
from ddbkit.emulator.store.catalog import catalog
from ddbkit.emulator.store.indexes import indexes_for
from ddbkit.emulator.store.item_map import ItemMap
from ddbkit.emulator.tables.schema import create_table_request

ACCOUNT, REGION = "123456789012", "ap-southeast-7"
BOOKINGS = get_table("bookings")
COUNT = 3_000


def _table(stage: str) -> Any:
    """The spec's bookings table (no sort key, so it has a Scan key order; four GSIs; a
    stream) in stage `stage`, filled."""
    table = table_calls.create_new_table(catalog(ACCOUNT, REGION),
                                         dict(create_table_request(BOOKINGS, stage)))
    for n in range(COUNT):
        store_item(table, build_item({"bookingId": {"S": f"k{n}"},
                                      "providerId": {"S": f"p{n % 7}"},
                                      "scheduledDate": {"S": f"2026-01-{n % 28 + 1:02d}"}},
                                     "bookingId", None))
    indexes_for(table).build().ready_to_scan()  # of the items stored above
    return table


def _held(table: Any) -> tuple[ItemMap, Any, list[Any]]:
    """What releasing the table empties: its item map, its Scan key order, its GSI's
    partitions (held here too, so the test can look at them afterwards)."""
    index_set = table.index_set
    return table.items, index_set.hash_keys, [
        index.partitions for index in index_set.indexes.values() if index.partitions]


def _size(items: ItemMap) -> int:
    return sum(len(held) for held in items.held_dicts())


def _worker_idle() -> None:
    """Waits until the release worker has run every task submitted so far."""
    done = threading.Event()
    worker("release").submit(lambda stop: done.set())
    assert done.wait(30), "the release worker did not get to the task"


def test_a_deleted_table_is_emptied_by_the_release_worker() -> None:
    found = _table("released")
    items, order, partitions = _held(found)
    assert _size(items) >= COUNT and len(order) == COUNT and partitions
    table_releases.release_later(access.delete_table(catalog(ACCOUNT, REGION), BOOKINGS.name("released")))
    del found  # the request is done with it: only the worker holds it now
    _worker_idle()
    assert _size(items) == 0
    assert len(order) == 0
    assert all(not each for each in partitions)


def test_a_table_still_held_elsewhere_is_left_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table_releases, "WAIT", 0.2)
    found = _table("kept")
    items, order, _ = _held(found)
    table_releases.release_later(access.delete_table(catalog(ACCOUNT, REGION), BOOKINGS.name("kept")))
    _worker_idle()  # `found` still holds it: a backup's copy might be reading it
    assert found.items is items and _size(items) >= COUNT and len(order) == COUNT
    assert [item.attrs["bookingId"]["S"] for item in found.items.values()][:2] == ["k0", "k1"]


def test_a_deleted_backup_copy_is_emptied_by_the_release_worker() -> None:
    backend = catalog(ACCOUNT, REGION)
    source = _table("backedup")
    backup = backup_calls.create_backup(backend, BOOKINGS.name("backedup"), "b", datetime(2026, 1, 1))
    copy = backup.table.items  # the copy, finished
    assert _size(copy) >= COUNT
    # its figures are the table's at the backup: not counted again (by a request) once whole
    assert table_description.figures_current(backup.frozen)
    assert backup_calls.description(backup)["SourceTableDetails"]["ItemCount"] == COUNT
    table_releases.release_later(backup_calls.delete_backup(backend, backup.arn))
    del backup
    _worker_idle()
    assert _size(copy) == 0
    assert _size(source.items) >= COUNT  # the table it was taken from keeps its items


def test_a_deleted_gsi_is_emptied_by_the_release_worker_and_the_scan_order_stays() -> None:
    backend = catalog(ACCOUNT, REGION)
    table = _table("gsideleted")
    _, order, partitions = _held(table)
    assert partitions
    table_calls.set_global_indexes(backend.tables, table, [])  # UpdateTable's Delete
    _worker_idle()
    assert all(not each for each in partitions)
    # every write kept the Scan's key order: it stays, rather than made again by the next
    # Scan under the store lock
    assert table.index_set.hash_keys is order and len(order) == COUNT


def test_a_backup_built_back_from_its_records_keeps_its_figures() -> None:
    """A snapshot's record of a backup, and the journal's reference to its table, carry the
    figures CreateBackup took: a restart's first DescribeBackup does not count the items."""
    backend = catalog(ACCOUNT, REGION)
    source = _table("recorded")
    backup = backup_calls.create_backup(backend, BOOKINGS.name("recorded"), "r", datetime(2026, 1, 1))
    taken = table_description.current(backup.frozen)
    assert taken is not None
    whole = backups.backup_document(backup)
    referenced = backups.backup_reference(backup, BOOKINGS.name("recorded"))
    for built in (backups.build_backup(whole), backups.build_backup(referenced, source)):
        assert table_description.figures_current(built.frozen)
        assert table_description.counted(built.frozen).record() == taken.record()
        assert backup_calls.backup_size(built) == taken.size  # ListBackups' size
