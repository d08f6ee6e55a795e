"""Binary values compared as bytes: ordering, BETWEEN, begins_with and contains on B and BS.

moto keeps a binary value as the base64 text the request carried and compares that text
(`DynamoType.cast_value`, `comparisons.AttributeValue.expr`), so `<`, BETWEEN and the sort
order of binary range keys follow base64's alphabet, not the bytes (DynamoDB compares
binary as unsigned bytes), and two encodings of the same bytes differ.
`comparisons.FuncBeginsWith` accepts strings only and `FuncContains` no binary attribute,
where DynamoDB's begins_with and contains take binary too. Here both sides of a comparison
read a binary value as its bytes (`scalar_values.cast_value` calls `as_bytes`), and
begins_with / contains take a pair of strings or a pair of binaries.
A parallel Scan's segment comes from an md5 of the hash key's text (`Item.is_within_segment`),
which a binary key, decoded to bytes by moto's parser, does not have: that digest is of its
bytes here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from moto.dynamodb import comparisons
from moto.dynamodb.models.dynamo_type import Item

from ddbkit.emulator.moto_ext.store import require

BINARY_SETS = frozenset({"BS"})
CONTAINERS = frozenset({"S", "B", "SS", "NS", "BS", "L"})


def as_bytes(value: Any) -> Any:
    """A binary value's bytes (it arrives as base64 text); anything else is left alone."""
    if isinstance(value, str):
        try:
            return base64.b64decode(value)
        except (binascii.Error, ValueError):
            return value
    return value


def _wrap_value_expr(original: Any) -> Any:
    def expr(self: Any, item: Item | None) -> Any:
        if self.type == "B":
            return as_bytes(self.value)
        if self.type in BINARY_SETS:
            return {as_bytes(v) for v in self.value}
        return original(self, item)

    return expr


def _begins_with(self: Any, item: Item | None) -> bool:
    kind = self.attr.get_type(item)
    if kind not in ("S", "B") or self.substr.get_type(item) != kind:
        return False
    whole, prefix = self.attr.expr(item), self.substr.expr(item)
    if isinstance(whole, str) and isinstance(prefix, str):
        return whole.startswith(prefix)
    if isinstance(whole, bytes) and isinstance(prefix, bytes):
        return whole.startswith(prefix)
    return False


def _contains(self: Any, item: Item | None) -> bool:
    kind = self.attr.get_type(item)
    if kind not in CONTAINERS:
        return False
    if kind in ("S", "B") and self.operand.get_type(item) != kind:
        return False
    try:
        return bool(self.operand.expr(item) in self.attr.expr(item))
    except TypeError:  # an unhashable operand against a set
        return False


def _wrap_is_within_segment(original: Any) -> Any:
    def is_within_segment(self: Item, segments: tuple[int | None, int | None]) -> bool:
        segment, total = segments
        if self.hash_key.type != "B" or total is None:  # not a parallel scan
            return original(self, segments)  # type: ignore[no-any-return]
        digest = hashlib.md5(as_bytes(self.hash_key.value), usedforsecurity=False).digest()
        return digest[0] % total == segment

    return is_within_segment


def install() -> None:
    require(comparisons, "AttributeValue", "FuncBeginsWith", "FuncContains")
    require(Item, "is_within_segment")
    Item.is_within_segment = _wrap_is_within_segment(  # type: ignore[method-assign]
        Item.is_within_segment)
    value: Any = comparisons.AttributeValue
    value.expr = _wrap_value_expr(value.expr)
    begins: Any = comparisons.FuncBeginsWith
    begins.expr = _begins_with
    contains: Any = comparisons.FuncContains
    contains.expr = _contains
