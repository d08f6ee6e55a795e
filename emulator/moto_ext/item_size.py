"""Item sizes: checked once when an item is built, remembered until the item changes.

moto's `Item.__init__` stores each attribute through `LimitedSizeDict.__setitem__`, which
re-sizes every attribute already stored before adding one: O(n^2) in the item's attributes
on every PutItem, BatchWriteItem and projection. Sizes are never negative, so checking the
finished item against the same limit accepts and refuses exactly the same items. No write
sets an attribute of a built item (UpdateItem builds a new one: operations/updates.py).

Query and Scan size every candidate for the 1 MB page and capacity, so `Item.size` is
remembered on the item, from the check at build time on; with aws_sizes
installed it is the size DynamoDB bills (`billed_size`, for consumed capacity). No write
changes a stored item in place (UpdateItem applies its update to a copy and stores that), so
a memo never goes stale; copies are new Items without the memo.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

from ddbkit.emulator.capacity.sizes import MAX_ITEM_BYTES, item_size
from ddbkit.emulator.moto_ext.store import request_keys, require, stored_item

_MEMO = "_ddbkit_size"


def _init(self: Item, hash_key: DynamoType, range_key: DynamoType | None,
          attrs: dict[str, Any]) -> None:
    self.hash_key = hash_key
    self.range_key = range_key
    built = LimitedSizeDict()
    for key, value in attrs.items():
        dict.__setitem__(built, key, DynamoType(value))
    total = item_size(built)
    if total > MAX_ITEM_BYTES:
        raise ItemSizeTooLarge
    self.attrs = built
    self.__dict__[_MEMO] = total  # what Item.size sums (aws_sizes sizes each value)


def _wrap_size(original: Any) -> Any:
    def size(self: Item) -> int:
        known = self.__dict__.get(_MEMO)
        if known is None:
            known = self.__dict__[_MEMO] = original(self)
        return known  # type: ignore[no-any-return]

    size.__wrapped__ = original  # type: ignore[attr-defined]
    return size


def billed_size(item: Any) -> int:
    """The item's size as DynamoDB bills it: `Item.size`, once aws_sizes sizes values."""
    return item.size()  # type: ignore[no-any-return]


def _stored(backend: DynamoDBBackend, table_name: str, key: dict[str, Any]) -> Any:
    try:
        table = backend.get_table(table_name)
    except Exception:  # noqa: BLE001 - an unknown table: moto answers it, nothing changes
        return None
    keys = request_keys(table, key)
    return None if keys is None else stored_item(table, *keys)



def install() -> None:
    require(LimitedSizeDict, "__setitem__")
    require(Item, "__init__", "size")
    require(DynamoDBBackend, "get_table")
    Item.__init__ = _init  # type: ignore[method-assign]
    Item.size = _wrap_size(Item.size)  # type: ignore[method-assign]
