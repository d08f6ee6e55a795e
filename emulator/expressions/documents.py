"""Values of items held as DynamoDB JSON: reading a document path, comparing, sizing.

An attribute value is a one-member dict, `{"S": "x"}`, `{"N": "1.50"}`, `{"B": b"..."}`,
`{"L": [...]}`, `{"M": {...}}`, ... A number is its decimal text; a binary value its bytes
(base64 text is read as the bytes it stands for, so a value that has not been decoded yet
still compares right). DynamoDB orders numbers numerically, strings by their UTF-8 bytes
(the order of their code points, which is Python's `str` order) and binary by unsigned bytes;
values of different types are neither equal nor ordered.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

Value = dict[str, Any]  # one attribute value, DynamoDB JSON
Path = Sequence[str | int]  # names (map keys) and list indexes

ORDERED = frozenset({"S", "N", "B"})
SETS = frozenset({"SS", "NS", "BS"})
EXACT = frozenset({"S", "BOOL", "NULL"})  # equal only when their documents are
SIZED = frozenset({"S", "B", "SS", "NS", "BS", "L", "M"})


def kind(value: Value) -> str:
    """The value's type: S, N, B, BOOL, NULL, SS, NS, BS, L or M."""
    for found in value:
        return found
    return ""


def inner(value: Value) -> Any:
    for found in value.values():
        return found
    return None


def at(item: Mapping[str, Any], path: Path) -> Value | None:
    """The value a document path reaches in the item (`a.b[2]` is `["a", "b", 2]`), or None
    where the item has no such attribute, key or index."""
    first = path[0]
    found = item.get(first) if isinstance(first, str) else None
    if len(path) == 1:
        return found
    for index in range(1, len(path)):
        step = path[index]
        if found is None:
            return None
        if isinstance(step, str):
            members = found.get("M")
            found = members.get(step) if isinstance(members, dict) else None
        else:
            elements = found.get("L")
            found = elements[step] if isinstance(elements, list) and \
                0 <= step < len(elements) else None
    return found


def binary(raw: Any) -> bytes:
    """A binary value's bytes, from bytes or from base64 text."""
    if isinstance(raw, (bytes, bytearray)):
        return bytes(raw)
    if isinstance(raw, str):
        try:
            return base64.b64decode(raw)
        except (binascii.Error, ValueError):
            return raw.encode("utf8")
    return b""


def number(raw: Any) -> Decimal | None:
    try:
        return Decimal(raw)
    except (InvalidOperation, TypeError, ValueError):
        return None


def scalar(type_: str, raw: Any) -> Any:
    """A scalar's Python value as DynamoDB compares it: Decimal, str or bytes (BOOL and NULL
    as given)."""
    if type_ == "N":
        return number(raw)
    if type_ == "B":
        return binary(raw)
    return raw


def members(value: Value) -> frozenset[Any]:
    """A set's members as DynamoDB compares them (numbers numerically, binary by bytes)."""
    type_ = kind(value)
    return frozenset(scalar(type_[0], m) for m in inner(value) or ())


def equal(left: Value | None, right: Value | None) -> bool:
    """DynamoDB's `=`: both present, of one type, and of equal value (sets as sets, lists
    element by element, maps key by key)."""
    if left is None or right is None:
        return False
    if left == right:  # the same document is the same value, whatever its type
        return True
    type_ = kind(left)
    if type_ in EXACT or type_ != kind(right):
        return False
    a, b = inner(left), inner(right)
    if type_ in ORDERED:
        return bool(scalar(type_, a) == scalar(type_, b))
    if type_ in SETS:
        return members(left) == members(right)
    if type_ == "L":
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if type_ == "M":
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return bool(a == b)  # BOOL, NULL


def compare(left: Value | None, right: Value | None) -> int | None:
    """-1, 0 or 1 for two values of one ordered type (N, S, B); None otherwise (DynamoDB's
    ordering comparisons are then false)."""
    if left is None or right is None:
        return None
    ((type_, a),) = left.items()
    ((other, b),) = right.items()
    if type_ != other or type_ not in ORDERED:
        return None
    if type_ != "S":
        a, b = scalar(type_, a), scalar(type_, b)
        if a is None or b is None:
            return None
    return -1 if a < b else (1 if a > b else 0)


def between(value: Value | None, low: Value | None, high: Value | None) -> bool:
    """low <= value <= high, all three of one ordered type."""
    if value is None or low is None or high is None:
        return False
    ((type_, a),) = value.items()
    if type_ not in ORDERED or kind(low) != type_ or kind(high) != type_:
        return False
    a, lo, hi = scalar(type_, a), scalar(type_, inner(low)), scalar(type_, inner(high))
    return a is not None and lo is not None and hi is not None and bool(lo <= a <= hi)


def size(value: Value | None) -> int | None:
    """size(): a string's characters, a binary's bytes, a set's, list's or map's members;
    None for any other value or none."""
    if value is None:
        return None
    type_ = kind(value)
    if type_ not in SIZED:
        return None
    if type_ == "B":
        return len(binary(inner(value)))
    return len(inner(value))


def begins_with(whole: Value | None, prefix: Value | None) -> bool:
    """A string that starts with a string, or a binary with a binary."""
    if whole is None or prefix is None:
        return False
    type_ = kind(whole)
    if type_ not in ("S", "B") or kind(prefix) != type_:
        return False
    return bool(scalar(type_, inner(whole)).startswith(scalar(type_, inner(prefix))))


def contains(whole: Value | None, part: Value | None) -> bool:
    """A substring of a string (or of a binary's bytes), a member of a set of its type, an
    element of a list."""
    if whole is None or part is None:
        return False
    type_ = kind(whole)
    if type_ in ("S", "B"):
        return kind(part) == type_ and \
            scalar(type_, inner(part)) in scalar(type_, inner(whole))
    if type_ == "SS":  # strings are equal only as the same text
        return kind(part) == "S" and inner(part) in inner(whole)
    if type_ in SETS:
        return kind(part) == type_[0] and scalar(type_[0], inner(part)) in members(whole)
    if type_ == "L":
        return any(equal(element, part) for element in inner(whole))
    return False
