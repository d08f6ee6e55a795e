"""Building an item checks its 400 KB limit once, not once per attribute.

moto's `Item.__init__` stores each attribute through `LimitedSizeDict.__setitem__`, which
re-sizes every attribute already stored before adding one: O(n^2) in the item's attributes
on every PutItem, BatchWriteItem and projection. Sizes are never negative, so checking the
finished item against the same limit accepts and refuses exactly the same items. Later
writes into an item (UpdateItem) keep moto's per-set check.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.utilities import bytesize

from emulator.moto_ext import require

MAX_ITEM_BYTES = 405000  # LimitedSizeDict's limit (AWS says 400 KB; measured 409-410 KB)


def _size(value: Any) -> int:
    return value.size() if type(value) is DynamoType else bytesize(str(value))  # as moto


def _init(self: Item, hash_key: DynamoType, range_key: DynamoType | None,
          attrs: dict[str, Any]) -> None:
    self.hash_key = hash_key
    self.range_key = range_key
    built = LimitedSizeDict()
    for key, value in attrs.items():
        dict.__setitem__(built, key, DynamoType(value))
    if sum(_size(key) + _size(value) for key, value in built.items()) > MAX_ITEM_BYTES:
        raise ItemSizeTooLarge
    self.attrs = built


def install() -> None:
    require(LimitedSizeDict, "__setitem__")
    require(Item, "__init__", "size")
    Item.__init__ = _init  # type: ignore[method-assign]
