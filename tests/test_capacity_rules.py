"""The capacity rules as pure functions: sizes and units, against hand-computed values."""

from __future__ import annotations

import pytest

from ddbkit.emulator.capacity.rules import (
    EVENTUAL,
    STRONG,
    TRANSACTIONAL,
    TRANSACTIONAL_WRITE,
    IndexEntry,
    index_write_units,
    read_units,
    write_units,
)
from ddbkit.emulator.capacity.sizes import item_size, number_size, value_size


@pytest.mark.parametrize(("number", "size"), [
    ("0", 1), ("-0.0", 1), ("1", 2), ("10", 2), ("100", 2), ("1e5", 2), ("12", 2),
    ("1.5", 3), ("123", 3), ("12.3", 3), ("1234", 3), ("123.4", 4), ("123456", 4),
    ("-1", 3), ("0.001", 2), ("99999999999999999999999999999999999999", 20),
])
def test_number_sizes_count_base_100_digits(number: str, size: int) -> None:
    assert number_size(number) == size


def test_item_size_counts_names_values_and_container_overheads() -> None:
    item = {
        "s": {"S": "héllo"},          # 1 + 6 (é is 2 bytes)
        "b": {"B": b"\x00\x01\x02"},  # 1 + 3
        "t": {"BOOL": True},          # 1 + 1
        "n": {"NULL": True},          # 1 + 1
        "ss": {"SS": ["ab", "c"]},    # 2 + 3
        "l": {"L": [{"S": "ab"}, {"N": "1"}]},  # 1 + 3 + (1 + 2) + (1 + 2)
        "m": {"M": {"k": {"S": "v"}}},          # 1 + 3 + (1 + 1 + 1)
    }
    assert item_size(item) == 7 + 4 + 2 + 2 + 5 + 10 + 7
    assert value_size({"L": []}) == 3 and value_size({"M": {}}) == 3
    assert value_size({"B": "AAEC"}) == 3  # base64 on the wire


def test_units_round_up_per_request_kind() -> None:
    kb20 = 20 * 1024
    assert write_units(kb20) == 20 and write_units(kb20, TRANSACTIONAL_WRITE) == 40
    assert read_units(kb20, STRONG) == 5 and read_units(kb20, EVENTUAL) == 2.5
    assert read_units(kb20, TRANSACTIONAL) == 10
    assert write_units(0) == 1 and read_units(0, EVENTUAL) == 0.5  # nothing there
    assert write_units(1025) == 2 and read_units(4097, STRONG) == 2


def test_index_writes_by_what_the_entry_did() -> None:
    small = IndexEntry(("PENDING",), {"a": 1}, 100)
    assert index_write_units(None, None) is None
    assert index_write_units(None, small) == 1  # enters a sparse index
    assert index_write_units(small, None) == 1  # leaves it
    assert index_write_units(small, IndexEntry(("PENDING",), {"a": 1}, 100)) is None
    assert index_write_units(small, IndexEntry(("PENDING",), {"a": 2}, 100)) == 1
    assert index_write_units(small, IndexEntry(("CONFIRMED",), {"a": 1}, 100)) == 2
    big = IndexEntry(("PENDING",), {"a": 3}, 3000)
    assert index_write_units(big, IndexEntry(("PENDING",), {"a": 4}, 10)) == 3
    assert index_write_units(big, IndexEntry(("X",), {"a": 3}, 10)) == 4


def test_a_stored_number_is_sized_from_its_text_as_from_its_value() -> None:
    """Stored numbers (DynamoDB's canonical text) are sized without Decimal; the text path
    and the Decimal path agree on every number, and other texts still take the Decimal one."""
    import random
    from decimal import Decimal

    from ddbkit.emulator.capacity import sizes
    from ddbkit.emulator.store.item import number_text

    rng = random.Random(11)
    for _ in range(5000):
        digits = rng.randint(1, 38)
        text = number_text(f"{rng.choice(['', '-'])}{rng.randint(1, 10 ** digits)}"
                           f"E{rng.randint(-60, 60)}")
        sign, found, exponent = Decimal(text).as_tuple()
        significant = [i for i, d in enumerate(found) if d]
        assert isinstance(exponent, int)
        high = exponent + len(found) - 1 - significant[0]
        low = exponent + len(found) - 1 - significant[-1]
        expected = 1 + high // 2 - low // 2 + 1 + (1 if sign else 0)
        assert sizes._plain_number_size(text) == number_size(text) == expected, text
    assert sizes._plain_number_size("1.50") is None and number_size("1.50") == number_size("1.5")
    assert sizes._plain_number_size("1E+3") is None and number_size("1E+3") == 2
    assert number_size("0") == 1 and sizes._plain_number_size("-0") is None
