"""A copy of a table's items made a part at a time is exactly the items at its start.

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
from ddbkit.emulator.store.item_copies import ItemsCopy
from ddbkit.emulator.store.item_map import PART, SPARSE
from ddbkit.emulator.store.tables import Table

COUNT = PART * 6 + 500  # hash keys in parts 0-3, or 0-6 without a sort key (two items a key)


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


def numbers_in(table: Table, part: int, count: int) -> list[int]:
    """`count` stored item numbers whose hash keys are in that part of the map."""
    found = (n for n in range(COUNT)
             if table.items.number_of(item(table, n, "").hash_key) == part)
    return [next(found) for _ in range(count)]


def writes_between_slices(table: Table) -> None:
    """Overwrites, deletes and a transaction's undo in the first part (the first slice copied
    it) and the newest (no slice has yet), and new items, which go into the newest."""
    for part in (min(table.items.parts), max(table.items.parts)):
        overwritten, deleted, undone = numbers_in(table, part, 3)
        item_writes.store(table, item(table, overwritten, "second"))
        key = item(table, deleted, "")
        item_writes.remove(table, key.hash_key, key.range_key)
        changed = item(table, undone, "")
        old = item_writes.remove(table, changed.hash_key, changed.range_key)
        atomic_writes.restore(table, changed.hash_key, changed.range_key, old)
    for n in range(COUNT, COUNT + 10):
        item_writes.store(table, item(table, n, "new"))
    key = item(table, COUNT, "")  # a new item, deleted again
    item_writes.remove(table, key.hash_key, key.range_key)


def check_copy(ranged: bool) -> None:
    table = made(ranged)
    expected = contents(table.items, ranged)
    with STORE_LOCK:
        copying = ItemsCopy(table)
        assert table.copies == [copying]
        assert not copying.step()  # one slice done (the first parts), the others not
        writes_between_slices(table)
    copied = copying.whole()
    assert contents(copied, ranged) == expected
    assert contents(table.items, ranged) != expected  # the writes did land
    assert table.copies == [] and table.items.pinned == 0
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
    assert contents(copying.whole(), False) == expected and table.copies == []


def test_a_part_emptied_during_a_copy_merges_once_the_copy_is_whole() -> None:
    table = made(ranged=False)
    expected = contents(table.items, False)
    in_part = [n for n in range(COUNT) if table.items.number_of(item(table, n, "").hash_key) == 1]
    with STORE_LOCK:
        copying = ItemsCopy(table)
        for n in in_part[SPARSE:]:  # part 1, not copied yet, down to a merge's size
            item_writes.remove(table, item(table, n, "").hash_key, None)
        assert len(table.items.parts[1]) == SPARSE  # kept whole while the copy reads it
    assert contents(copying.whole(), False) == expected
    assert table.items.pinned == 0 and 1 not in table.items.parts  # merged when let go
    gone = {item(table, n, "").hash_key for n in in_part[SPARSE:]}
    assert contents(table.items, False) == {k: v for k, v in expected.items() if k not in gone}
