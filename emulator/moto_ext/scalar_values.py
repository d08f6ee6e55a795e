"""Scalar attribute values are immutable: share them on deepcopy and cast them directly.

moto deep-copies items on many paths (its transactions, projections, PartiQL); with
`DynamoType.__deepcopy__` dispatching through a chain of `is_*` type checks, that was ~40%
of a 20-item Query when moto still answered Query. A scalar value (S, N, B, BOOL, NULL)
holds a str, bytes or bool and no moto code assigns `.type` or `.value` after construction
(only maps, lists and sets change, in place), so a copy of one may be the value itself, as
`copy.deepcopy` does for a str, and `cast_value` (behind every comparison) decides on the
type once. Sizes are aws_sizes' (capacity/sizes.py).
Maps, lists and sets keep moto's code.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

from ddbkit.emulator.moto_ext.binary_values import as_bytes
from ddbkit.emulator.moto_ext.store import require

_IMMUTABLE: dict[str, type | tuple[type, ...]] = {
    "S": str, "N": str, "B": (bytes, str), "BOOL": bool, "NULL": bool}


def immutable(value: DynamoType) -> bool:
    kinds = _IMMUTABLE.get(value.type)
    return kinds is not None and isinstance(value.value, kinds)


def _wrap_deepcopy(original: Any) -> Any:
    def __deepcopy__(self: DynamoType, memo: dict[int, Any]) -> DynamoType:
        return self if immutable(self) else original(self, memo)

    return __deepcopy__


def _item_deepcopy(self: Item, memo: dict[int, Any]) -> Item:
    """moto's Item.__deepcopy__ (a new Item, its attrs copied without LimitedSizeDict's
    per-key size check), sharing scalar values without a trip through copy.deepcopy."""
    result: Any = Item.__new__(Item)
    memo[id(self)] = result
    result.hash_key = copy.deepcopy(self.hash_key, memo)
    result.range_key = copy.deepcopy(self.range_key, memo)
    attrs = LimitedSizeDict.__new__(LimitedSizeDict)
    for key, value in self.attrs.items():
        dict.__setitem__(attrs, key, value if immutable(value) else copy.deepcopy(value, memo))
    result.attrs = attrs
    return result  # type: ignore[no-any-return]


def _wrap_cast_value(original: property) -> property:
    getter = original.fget
    assert getter is not None

    def cast_value(self: DynamoType) -> Any:
        # moto's chain of is_* checks, decided on the type once: every key comparison and
        # every condition goes through here.
        kind = self.type
        if kind == "S" or kind == "BOOL":
            return self.value
        if kind == "B":  # compared as bytes, as DynamoDB compares binary (binary_values)
            return as_bytes(self.value)
        if kind == "N":
            return Decimal(self.value)
        return getter(self)

    return property(cast_value)


def install() -> None:
    require(DynamoType, "__deepcopy__", "cast_value", "is_number", "is_set", "is_list",
            "is_map")
    require(Item, "__deepcopy__")
    Item.__deepcopy__ = _item_deepcopy  # type: ignore[method-assign]
    DynamoType.__deepcopy__ = _wrap_deepcopy(DynamoType.__deepcopy__)  # type: ignore[method-assign]
    DynamoType.cast_value = _wrap_cast_value(  # type: ignore[method-assign,assignment]
        DynamoType.__dict__["cast_value"])
