"""moto's item objects built from values already decoded, for `durability.images`.

Built without `Item.__init__` and `DynamoType.__init__`: a restart builds every item of the
data dir, and the constructors cost ~25 us an item (type dispatch, the 400 KB size check the
item passed when it was first written, moto's instance tracking); building the same objects
directly costs ~6 us. Sizes are computed on first use (`item_size`).
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

_new = object.__new__


def new_value(kind: str, inner: Any) -> Any:
    """A moto DynamoType of one type tag and its (already built) inner value."""
    value: Any = _new(DynamoType)
    value.type, value.value = kind, inner
    return value


def is_value(value: Any) -> bool:
    return type(value) is DynamoType


def new_item(values: dict[str, Any], hash_attr: str, range_attr: str | None) -> Any:
    """A moto Item of attribute values already built."""
    attrs = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.update(attrs, values)
    item: Any = _new(Item)
    item.hash_key = attrs[hash_attr]
    item.range_key = attrs[range_attr] if range_attr is not None else None
    item.attrs = attrs
    return item


def key_value(image: dict[str, Any]) -> Any:
    """A key attribute's value through moto's own constructor (a request's key)."""
    return DynamoType(image)
