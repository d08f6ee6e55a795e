"""A copy of a table's items made a slice at a time is exactly the items at its start.

Writes land between the copy's slices through the store's own write paths (a put, a delete,
a transaction's undo); the finished copy holds what the table held when the copy began, for
a table with and without a sort key, and the table no longer tells it of writes. Store
objects only: the server's use of it (CreateBackup under a writer) is in test_backups_under_writes.
"""

from __future__ import annotations

import threading
from typing import Any

from ddbkit.emulator.moto_ext import item_writes
from ddbkit.emulator.store import atomic_writes
from ddbkit.emulator.store.access import STORE_LOCK
from ddbkit.emulator.store.item import Item
from ddbkit.emulator.store.item_copies import SLICE, ItemsCopy
from ddbkit.emulator.store.tables import Table

COUNT = SLICE * 2 + 500  # three slices (a ranged table: two items per hash key)


def made(ranged: bool) -> Table:
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
    if ranged:
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attrs.append({"AttributeName": "sk", "AttributeType": "N"})
    table = Table("copied", "123456789012", "us-east-1", schema, attrs)
    for n in range(COUNT):
        item_writes.store(table, item(table, n, "first"))
    return table


def item(table: Table, n: int, value: str) -> Item:
    key = {"pk": {"S": f"k{n // 2 if table.range_key_attr else n:06d}"}}
    if table.range_key_attr:
        key["sk"] = {"N": str(n % 2)}
    return Item.of({**key, "v": {"S": value}}, "pk", table.range_key_attr)


def contents(items: Any, ranged: bool) -> dict[Any, Any]:
    """Every item's attributes by its keys, in plain dicts."""
    if ranged:
        return {(h, r): i.attrs for h, entry in items.items() for r, i in entry.items()}
    return {h: i.attrs for h, i in items.items()}


def writes_between_slices(table: Table) -> None:
    """Overwrites, deletes and new items on both sides of the copy's position, and a
    transaction's undo of one of them."""
    for n in (1, COUNT - 1, SLICE + 7, 3):
        item_writes.store(table, item(table, n, "second"))
    for n in (5, COUNT - 3):
        key = item(table, n, "")
        item_writes.remove(table, key.hash_key, key.range_key)
    item_writes.store(table, item(table, COUNT + 10, "new"))
    changed = item(table, 9, "")
    old = item_writes.remove(table, changed.hash_key, changed.range_key)
    atomic_writes.restore(table, changed.hash_key, changed.range_key, old)


def check_copy(ranged: bool) -> None:
    table = made(ranged)
    expected = contents(table.items, ranged)
    with STORE_LOCK:
        copying = ItemsCopy(table)
        assert table.copies == [copying]
        assert not copying.step()  # one slice done, the others still the table's
        writes_between_slices(table)
    copied = copying.as_dict()
    assert contents(copied, ranged) == expected
    assert contents(table.items, ranged) != expected  # the writes did land
    assert table.copies == []
    item_writes.store(table, item(table, 2, "after"))  # no longer told: the copy stays
    assert contents(copied, ranged) == expected


def test_a_copy_without_a_sort_key_is_the_items_at_its_start() -> None:
    check_copy(ranged=False)


def test_a_copy_with_a_sort_key_is_the_items_at_its_start() -> None:
    check_copy(ranged=True)


def test_a_stopped_copy_goes_on_when_asked_again() -> None:
    table = made(ranged=False)
    expected = contents(table.items, False)
    stop = threading.Event()
    stop.set()
    with STORE_LOCK:
        copying = ItemsCopy(table)
    assert copying.finished(stop) is None and table.copies == [copying]
    with STORE_LOCK:
        writes_between_slices(table)
    assert contents(copying.as_dict(), False) == expected and table.copies == []
