"""An index entry's key as one bytes object that sorts as the tuple of its values would.

An entry is ordered by several key values (an index's sort key, then the table's keys), each
as its order bytes (`key_bytes`). Joined plainly, `ab`+`c` and `a`+`bc` would be one key, so
every value but the last has each 0x00 byte written as 0x00 0xFF and is followed by 0x00
0x01: a value that ends sooner sorts first, as in a tuple, and the last value is kept as it
is (often a table key's own bytes, shared). Bounds of one first value: `lowest` sorts
before every entry key that starts with it, `above` after them; the entry keys whose first
value begins with a prefix are those that start with `escaped(prefix)`.
"""

from __future__ import annotations

__all__ = ["END", "above", "escaped", "join", "lowest", "successor"]

END = b"\x00\x01"
_PAST = b"\x00\x02"


def escaped(value: bytes) -> bytes:
    return value.replace(b"\x00", b"\x00\xff")


def join(values: list[bytes]) -> bytes:
    """The entry key of these order bytes (the last one itself when it is alone)."""
    if len(values) == 1:
        return values[0]
    if not values:
        return b""
    return b"".join([escaped(value) + END for value in values[:-1]]) + values[-1]


def lowest(first: bytes) -> bytes:
    """Before every entry key whose first value is `first`, after every smaller one."""
    return escaped(first) + END


def above(first: bytes) -> bytes:
    """After every entry key whose first value is `first`, before every greater one."""
    return escaped(first) + _PAST


def successor(prefix: bytes) -> bytes | None:
    """The first bytes after every bytes that begin with `prefix`, or None when there is
    none (the prefix is empty or all 0xFF)."""
    trimmed = prefix.rstrip(b"\xff")
    return trimmed[:-1] + bytes([trimmed[-1] + 1]) if trimmed else None
