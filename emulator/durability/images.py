"""Item after-images: moto's stored items as DynamoDB JSON, and back, fast.

An image is the item's attributes in DynamoDB JSON, exactly as moto holds them (binary values
stay `bytes`, or text where moto kept text; `encoding` tags bytes), so replaying an image
gives back the same item whichever path wrote it. Writing walks the DynamoType tree directly:
`Item.to_json` deep-copies every map and list on the way.

Reading builds moto's objects without their constructors (`moto_ext.item_records`, which
says why). Scalar values may be shared between the key and the attributes, and
between items: moto never changes a scalar value in place (`moto_ext.scalar_values`).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ddbkit.emulator.moto_ext.item_records import is_value, key_value, new_item, new_value


def value_image(value: Any) -> dict[str, Any]:
    kind, inner = value.type, value.value
    if kind == "M":
        return {"M": {k: _nested(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_nested(v) for v in inner]}
    if isinstance(inner, list):
        return {kind: list(inner)}  # sets: a copy, so the image can be encoded outside the lock
    return {kind: inner}


def _nested(value: Any) -> dict[str, Any]:
    # moto converts nested values to DynamoType on every path we know; a raw dict is already
    # DynamoDB JSON.
    return value_image(value) if is_value(value) else dict(value)


def item_image(item: Any) -> dict[str, Any]:
    return {name: value_image(value) for name, value in item.attrs.items()}


def store_item(table: Any, item: Any) -> None:
    """Puts a built item into a moto table, replacing the one with its key."""
    if table.range_key_attr is None:
        table.items[item.hash_key] = item
    else:
        table.items[item.hash_key][item.range_key] = item


def key_image(table: Any, hash_key: Any, range_key: Any) -> dict[str, Any]:
    key = {table.hash_key_attr: value_image(hash_key)}
    if table.range_key_attr is not None and range_key is not None:
        key[table.range_key_attr] = value_image(range_key)
    return key


def build_value(image: dict[str, Any]) -> Any:
    for kind, inner in image.items():
        if kind == "M":
            inner = {k: build_value(v) for k, v in inner.items()}
        elif kind == "L":
            inner = [build_value(v) for v in inner]
        return new_value(kind, inner)
    raise ValueError("an attribute value with no type")


def build_item(image: dict[str, Any], hash_attr: str, range_attr: str | None) -> Any:
    """A moto Item equal to what was stored when `image` was taken."""
    return item_of({name: build_value(value) for name, value in image.items()},
                   hash_attr, range_attr)


def item_of(values: dict[str, Any], hash_attr: str, range_attr: str | None) -> Any:
    """A moto Item of attribute values already built (`ImageDecoder`)."""
    return new_item(values, hash_attr, range_attr)


_SCALARS: dict[str, type] = {"S": str, "N": str, "BOOL": bool, "NULL": bool, "B": bytes}
_COLLECTIONS: dict[str, type] = {"L": list, "SS": list, "NS": list, "BS": list, "M": dict}
INTERN_LENGTH = 24  # statuses, dates, prices, flags repeat; ids and free text do not
INTERN_LIMIT = 1 << 18


class ImageDecoder:
    """Decodes JSON holding only item images (a snapshot's item chunks), building moto's
    DynamoTypes as the parser makes each value, instead of walking the parsed images again:
    a restart's largest cost. Short scalar values repeat across items (statuses, dates), so
    one DynamoType serves them all, as `moto_ext.scalar_values` already shares them between
    copies (moto never changes a scalar in place): fewer objects to build and keep.

    Sound for images only: every value there is `{TYPE: inner}` with `inner` of that type's
    shape, and a map's or an item's own keys hold values already built, never a bare str,
    list or dict, so neither is mistaken for a value.
    """

    def __init__(self) -> None:
        self._shared: dict[tuple[str, str | bool], Any] = {}

    def loads(self, raw: bytes) -> Any:
        return json.loads(raw, object_hook=self._hook)

    def _hook(self, obj: dict[str, Any]) -> Any:
        if len(obj) != 1:
            return obj
        for kind, inner in obj.items():
            shape = type(inner)
            if shape is str and kind == "$b":
                return base64.b64decode(inner)  # `encoding`'s tag for bytes
            if _SCALARS.get(kind) is shape or (kind == "B" and shape is str):
                if shape is bool or (shape is str and len(inner) <= INTERN_LENGTH):
                    return self._scalar(kind, inner)
                return new_value(kind, inner)
            if _COLLECTIONS.get(kind) is shape:
                return new_value(kind, inner)
        return obj

    def _scalar(self, kind: str, inner: str | bool) -> Any:
        shared = self._shared.get((kind, inner))
        if shared is None:
            shared = new_value(kind, inner)
            if len(self._shared) < INTERN_LIMIT:
                self._shared[(kind, inner)] = shared
        return shared


def build_key(image: dict[str, Any], hash_attr: str,
              range_attr: str | None) -> tuple[Any, Any | None]:
    return (key_value(image[hash_attr]),
            key_value(image[range_attr]) if range_attr is not None else None)
