"""Binary values compared as bytes: ordering, BETWEEN, begins_with and contains on B and BS.

moto keeps a binary value as the base64 text the request carried and compares that text
(`DynamoType.cast_value`, `comparisons.AttributeValue.expr`), so `<`, BETWEEN and the sort
order of binary range keys follow base64's alphabet, not the bytes (DynamoDB compares
binary as unsigned bytes), and two encodings of the same bytes differ.
`comparisons.FuncBeginsWith` accepts strings only and `FuncContains` no binary attribute,
where DynamoDB's begins_with and contains take binary too. Here both sides of a comparison
read a binary value as its bytes (`scalar_values.cast_value` calls `as_bytes`), and
begins_with / contains take a pair of strings or a pair of binaries.
(A parallel Scan's segment of a binary key is an md5 of its bytes: reads.segment_of.)
"""

from __future__ import annotations

import base64
import binascii
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


def install() -> None:
    require(comparisons, "AttributeValue", "FuncBeginsWith", "FuncContains")
    value: Any = comparisons.AttributeValue
    value.expr = _wrap_value_expr(value.expr)
    begins: Any = comparisons.FuncBeginsWith
    begins.expr = _begins_with
    contains: Any = comparisons.FuncContains
    contains.expr = _contains
