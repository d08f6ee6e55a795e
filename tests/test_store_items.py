"""ddbkit's own item store (emulator/store/): key order as DynamoDB's, items, index entries,
transactions, and a backup taken while writes go on."""

from __future__ import annotations

import random
import sqlite3
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from ddbkit.emulator.store.items import Bounds, Entry, ItemStore, prefix_bounds
from ddbkit.emulator.store.key_bytes import NotAKey, decode_number, encode, encode_number

EDGES = ["0", "-0", "1", "1.5", "15E-1", "-1", "-1.5", "-15", "100", "99.999", "-0.001",
         "1E+125", "-1E+125", "1E-130", "-1E-130", "12345678901234567890123456789012345678",
         "-12345678901234567890123456789012345678", "0.0001234567890123456789"]


def _numbers() -> list[str]:
    rng = random.Random(7)
    found = list(EDGES)
    for _ in range(2000):
        digits = rng.randint(1, 38)
        found.append(f"{rng.choice(['', '-'])}{rng.randint(1, 10 ** digits)}"
                     f"E{rng.randint(-90, 86)}")
    return found


def test_number_bytes_sort_as_the_numbers_and_read_back_canonical() -> None:
    numbers = _numbers()
    by_value = sorted(numbers, key=Decimal)
    by_bytes = sorted(numbers, key=encode_number)
    assert [Decimal(n) for n in by_bytes] == [Decimal(n) for n in by_value]
    for number in numbers:
        assert Decimal(decode_number(encode_number(number))) == Decimal(number)
    assert encode_number("1.50") == encode_number("15E-1") == encode_number("1.5")
    assert encode_number("-0") == encode_number("0")
    # 38 digits survive (Decimal's default context would round them to 28)
    assert decode_number(encode_number(EDGES[15])) == EDGES[15]
    assert decode_number(encode_number("1E+2")) == "100"
    assert decode_number(encode_number("-0.0010")) == "-0.001"


def test_strings_sort_by_utf8_bytes_and_binaries_by_unsigned_bytes() -> None:
    # UTF-8 byte order: U+FF61 (EF BD A1) before U+1F600 (F0 9F 98 80), where UTF-16 order
    # (a surrogate pair, D83D ...) would put the emoji first.
    assert encode({"S": "\uff61"}) < encode({"S": "\U0001f600"})
    assert encode({"S": "a"}) < encode({"S": "ab"}) < encode({"S": "b"})
    assert encode({"B": b"\x7f"}) < encode({"B": b"\x80"}) < encode({"B": b"\xff"})


@pytest.mark.parametrize("value", [{"N": "abc"}, {"N": "Infinity"}, {"BOOL": True},
                                   {"S": "a", "N": "1"}, {"S": 5}])
def test_values_that_are_no_key_are_refused(value: dict[str, object]) -> None:
    with pytest.raises(NotAKey):
        encode(value)


def test_prefix_bounds_take_every_value_beginning_with_the_prefix() -> None:
    values = [b"a", b"ab", b"ab\xff", b"ab\xff\x01", b"ac", b"b", b"\xff", b"\xff\xff"]
    for prefix in (b"ab", b"ab\xff", b"\xff", b"a"):
        bounds = prefix_bounds(prefix)
        picked = [v for v in values if (bounds.lower is None or v >= bounds.lower) and (
            bounds.upper is None or v < bounds.upper)]
        assert picked == [v for v in values if v.startswith(prefix)], prefix


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ItemStore]:
    opened = ItemStore(tmp_path / "items.db", durable=False)
    yield opened
    opened.close()


def _key(n: int) -> bytes:
    return encode_number(str(n))


def test_items_are_stored_replaced_read_in_sort_order_and_deleted(store: ItemStore) -> None:
    for n in (5, -3, 40, 12, 0):
        store.put(1, b"p", _key(n), f"item {n}".encode(), n + 10)
    store.put(2, b"p", _key(5), b"another table", 1)
    store.put(1, b"p", _key(5), b"item 5 again", 3)
    assert store.get(1, b"p", _key(5)) == b"item 5 again"
    assert store.get(1, b"q", _key(5)) is None
    order = [decode_number(sk) for sk, _, _ in store.partition(1, b"p")]
    assert order == ["-3", "0", "5", "12", "40"]
    backwards = store.partition(1, b"p", Bounds(lower=_key(0), upper=_key(12)), forward=False)
    assert [decode_number(sk) for sk, _, _ in backwards] == ["12", "5", "0"]
    page = store.partition(1, b"p", after=_key(0), limit=2)
    assert [decode_number(sk) for sk, _, _ in page] == ["5", "12"]
    exclusive = Bounds(lower=_key(0), lower_inclusive=False, upper=_key(40),
                       upper_inclusive=False)
    assert [decode_number(sk) for sk, _, _ in store.partition(1, b"p", exclusive)] == ["5", "12"]
    store.delete(1, b"p", _key(-3))
    assert store.figures(1) == (4, 3 + 10 + 22 + 50)
    assert store.figures(2) == (1, 1)
    assert [pk for pk, _, _, _ in store.scan(1)] == [b"p"] * 4


def test_index_entries_follow_each_write_and_read_in_index_order(store: ItemStore) -> None:
    def entry(status: str, when: str) -> tuple[Entry, ...]:
        return (Entry(7, status.encode(), when.encode()),)

    store.put(1, b"b1", b"", b"b1 PENDING", 10, (), entry("PENDING", "2025-01-02"))
    store.put(1, b"b2", b"", b"b2 PENDING", 10, (), entry("PENDING", "2025-01-01"))
    store.put(1, b"b3", b"", b"b3 DONE", 10, (), entry("DONE", "2025-01-01"))
    # b1 moves from PENDING to DONE: its old entry goes, the new one comes
    store.put(1, b"b1", b"", b"b1 DONE", 10, entry("PENDING", "2025-01-02"),
              entry("DONE", "2025-01-03"))
    pending = store.index_range(7, b"PENDING")
    assert [body for _, _, _, body, _ in pending] == [b"b2 PENDING"]
    done = store.index_range(7, b"DONE", forward=False)
    assert [body for _, _, _, body, _ in done] == [b"b1 DONE", b"b3 DONE"]
    first = store.index_range(7, b"DONE", limit=1)
    rest = store.index_range(7, b"DONE", after=first[0][:3])
    assert [r[3] for r in first + rest] == [b"b3 DONE", b"b1 DONE"]
    store.delete(1, b"b3", b"", entry("DONE", "2025-01-01"))
    assert [r[3] for r in store.index_range(7, b"DONE")] == [b"b1 DONE"]
    store.drop_index(7)
    assert store.index_range(7, b"DONE") == []


def test_a_failed_transaction_leaves_no_trace_and_a_failed_inner_one_only_its_own(
        store: ItemStore) -> None:
    store.put(1, b"a", b"", b"kept", 1)
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.put(1, b"a", b"", b"overwritten", 1)
            store.put(1, b"b", b"", b"new", 1)
            raise RuntimeError("refused by the throughput model")
    assert store.get(1, b"a") == b"kept" and store.get(1, b"b") is None
    with store.transaction():
        store.put(1, b"c", b"", b"outer", 1)
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.put(1, b"d", b"", b"inner", 1)
                raise RuntimeError("inner refused")
    assert store.get(1, b"c") == b"outer" and store.get(1, b"d") is None


def test_a_backup_while_writes_go_on_holds_a_consistent_table(store: ItemStore,
                                                              tmp_path: Path) -> None:
    for n in range(3000):
        store.put(1, _key(n), b"", b"x" * 200, 200)
    stop = threading.Event()
    written = []

    def writer() -> None:  # the request thread: keeps writing while the backup copies
        n = 3000
        while not stop.is_set() and n < 6000:
            store.put(1, _key(n), b"", b"y" * 200, 200)
            written.append(n)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    store.backup(tmp_path / "copy.db")
    stop.set()
    thread.join()
    copy = sqlite3.connect(tmp_path / "copy.db")
    count = copy.execute("SELECT count(*) FROM items WHERE t = 1").fetchone()[0]
    copy.close()
    assert 3000 <= count <= 3000 + len(written)
    assert store.figures(1)[0] == 3000 + len(written)


def test_the_wal_stays_bounded_without_any_write_checkpointing(tmp_path: Path) -> None:
    """Checkpoints are the store's thread's (none inside a COMMIT): under steady writes the
    WAL is truncated once past its limit, and not while a backup reads."""
    store = ItemStore(tmp_path / "items.db", durable=False, wal_limit=256 * 1024)
    wal = tmp_path / "items.db-wal"
    try:
        store.checkpoints.reading(True)  # a backup is reading: no truncation
        for n in range(400):
            store.put(1, _key(n), b"", b"z" * 2000, 2000)
        store.checkpoints.run_once(sqlite3.connect(tmp_path / "items.db"))
        assert store.checkpoints.truncations == 0 and wal.stat().st_size > 256 * 1024
        store.checkpoints.reading(False)
        store.checkpoints.run_once(sqlite3.connect(tmp_path / "items.db"))
        assert store.checkpoints.truncations >= 1 and wal.stat().st_size < 256 * 1024
        assert store.figures(1) == (400, 800_000)
    finally:
        store.close()


def test_an_item_holds_canonical_numbers_and_keys_ordered_as_dynamodb_orders_them() -> None:
    from ddbkit.emulator.capacity.sizes import item_size
    from ddbkit.emulator.store.item import Item, Key

    item = Item.of({"pk": {"N": "007.50"}, "sk": {"B": b"\xff"},
                    "nested": {"M": {"n": {"NS": ["1E2", "2"]}, "l": {"L": [{"N": "-0"}]}}},
                    "s": {"S": "same"}}, "pk", "sk")
    assert item.attrs["pk"] == {"N": "7.5"} and item.hash_key == Key({"N": "7.50"})
    assert item.attrs["nested"] == {"M": {"n": {"NS": ["100", "2"]}, "l": {"L": [{"N": "0"}]}}}
    assert item.size() == item_size(item.attrs) == item.size()  # counted once, by sizes.py
    keys = [Key({"N": n}) for n in ("10", "-2", "3.5", "0")]
    assert [k.value for k in sorted(keys)] == ["-2", "0", "3.5", "10"]
    assert len({Key({"N": "1.0"}), Key({"N": "1"})}) == 1
    assert Key({"B": b"\x80"}) > Key({"B": b"\x7f"})


def test_items_and_keys_are_their_own_copies_and_short_scalars_are_shared() -> None:
    import copy

    from ddbkit.emulator.store.item import INTERN_LENGTH, Item, interned

    first = Item.of({"pk": {"S": "a"}, "status": {"S": "CONFIRMED"}, "ok": {"BOOL": True},
                     "price": {"N": "12.50"}, "long": {"S": "x" * (INTERN_LENGTH + 1)},
                     "tags": {"SS": ["p"]}}, "pk", None)
    second = Item.of({"pk": {"S": "b"}, "status": {"S": "CONFIRMED"}, "ok": {"BOOL": True},
                      "price": {"N": "12.5"}, "long": {"S": "x" * (INTERN_LENGTH + 1)},
                      "tags": {"SS": ["p"]}}, "pk", None)
    for name in ("status", "ok", "price"):  # one dict for equal short scalars
        assert first.attrs[name] is second.attrs[name]
    assert first.attrs["price"] == {"N": "12.5"}
    for name in ("long", "tags"):  # long text and collections are each item's own
        assert first.attrs[name] == second.attrs[name]
        assert first.attrs[name] is not second.attrs[name]
    request_value = {"S": "PENDING"}
    assert interned(request_value) == request_value
    assert interned(request_value) is not request_value  # never the caller's dict
    assert interned({"S": "PENDING"}) is interned(request_value)
    assert copy.copy(first) is first and copy.deepcopy(first) is first
    assert copy.deepcopy({"k": first.hash_key})["k"] is first.hash_key


def test_keys_of_base64_text_and_sort_values_order_as_key_bytes() -> None:
    from ddbkit.emulator.store.item import Item, Key, sort_value

    assert Key({"B": "AP8="}) == Key({"B": b"\x00\xff"})  # a request's key, base64 text
    values = [{"N": n} for n in ("10", "-2", "3.5", "0", "-0.5")]
    assert sorted(values, key=sort_value) == sorted(values, key=lambda v: Key(v))
    assert sort_value({"S": "\uff61"}) < sort_value({"S": "\U0001f600"})  # code points
    assert sort_value({"B": "gA=="}) == b"\x80"
    for value in ({"N": "1.50"}, {"S": "x"}, {"B": b"\x01"}):
        assert Key(value).sortable == sort_value(value)
    image = {"pk": {"N": "7"}, "sk": {"S": "a"}}
    stored = Item.stored(image, "pk", "sk")
    assert stored.attrs is image and stored.range_key == Key({"S": "a"})


def test_a_copy_of_a_table_s_items_shares_items_not_the_dicts_holding_them() -> None:
    from collections import defaultdict

    from ddbkit.emulator.store.access import copied_items
    from ddbkit.emulator.store.item import Item

    item = Item.of({"pk": {"S": "a"}, "sk": {"N": "1"}}, "pk", "sk")
    items: defaultdict[object, dict[object, Item]] = defaultdict(dict)
    items[item.hash_key][item.range_key] = item
    copied = copied_items(items)
    items[item.hash_key].clear()
    assert type(copied) is defaultdict and copied[item.hash_key][item.range_key] is item


def test_the_shared_values_table_starts_over_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    from ddbkit.emulator.store import item as items

    monkeypatch.setattr(items, "INTERN_LIMIT", 4)
    monkeypatch.setitem(items._SHARED, "N", {})  # this test's own, whatever ran before
    first = items.interned({"N": "1"})
    for n in range(2, 6):  # the fifth distinct number finds the table full: it starts over
        items.interned({"N": str(n)})
    assert len(items._SHARED["N"]) <= 4
    again = items.interned({"N": "1"})
    assert again == first and again is not first  # shared anew; items keep the old dict
    assert items.interned({"N": "1"}) is again
