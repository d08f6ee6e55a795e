"""A table's item map keeps its parts small, its order the order keys were first stored, and
its parts' count following the table's size: sparse parts merge, except while pinned."""

from __future__ import annotations

from ddbkit.emulator.store.item import Key
from ddbkit.emulator.store.item_map import DIRECTORY, PART, SPARSE, ItemMap


def key(n: int) -> Key:
    return Key({"S": f"k{n:07d}"})


def filled(count: int) -> ItemMap:
    return ItemMap((key(n), n) for n in range(count))


def test_parts_stay_small_and_a_walk_gives_the_order_stored() -> None:
    items = filled(PART * 3 + 10)
    items[key(5)] = "again"  # an overwrite keeps its place
    assert max(map(len, items.parts.values())) <= PART and len(items.parts) == 4
    assert [k.value for k in items] == [key(n).value for n in range(PART * 3 + 10)]
    assert items[key(5)] == "again" and items.get(key(PART * 3 + 10)) is None
    assert len(items) == PART * 3 + 10 and key(PART * 2) in items


def test_a_part_deletes_leave_sparse_merges_into_the_newest() -> None:
    items = filled(PART * 2 + 10)
    for n in range(SPARSE, PART):  # part 0 down to SPARSE entries
        del items[key(n)]
    assert 0 not in items.parts and len(items.parts) == 2
    left = [*range(SPARSE), *range(PART, PART * 2 + 10)]
    assert sorted(k.value for k in items) == sorted(key(n).value for n in left)
    assert all(items[key(n)] == n for n in left)
    assert items.pop(key(1)) == 1 and key(1) not in items


def test_a_pinned_map_merges_nothing_until_let_go() -> None:
    items = filled(PART * 2 + 10)
    items.pin()
    for n in range(SPARSE, PART):
        items.pop(key(n))
    assert len(items.parts[0]) == SPARSE  # kept in its part while a reader walks the parts
    items.unpin()
    assert 0 not in items.parts
    assert all(items[key(n)] == n for n in range(SPARSE))


def test_a_map_made_of_parts_finds_its_keys() -> None:
    source = filled(PART + 5)
    made = ItemMap()
    for number, part in source.parts.items():
        made.adopt(number, dict(part))
    assert list(made.parts) == [0, 1] and made[key(PART + 1)] == PART + 1
    made[key(PART + 7)] = "new"
    copied = made.copy()
    made.clear()
    assert copied[key(PART + 7)] == "new" and len(copied) == PART + 6 and not made


def test_held_dicts_are_the_parts_and_the_directory() -> None:
    items = filled(PART + 1)
    held = items.held_dicts()  # what a release empties: every key twice, value and entry
    assert len(held) == 2 + DIRECTORY and sum(map(len, held)) == 2 * (PART + 1)
