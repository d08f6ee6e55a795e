"""Item after-images: stored items as DynamoDB JSON, and back, fast.

An image is the item's attributes in DynamoDB JSON exactly as the store holds them
(`store.item.Item.attrs`: binary values `bytes`, or text where an old data dir kept text;
`encoding` tags bytes), so replaying an image gives back the same item whichever path wrote
it. A stored item never changes in place, so its image is its own `attrs`, not a copy, and
can be encoded outside the store's lock.

Reading builds ddbkit's items directly from the decoded dicts (`Item.stored`: numbers are
canonical in an image already). Short scalar values repeat across items (statuses, dates):
the snapshot decoder shares one dict among them (`store.item.interned`).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ddbkit.emulator.store.item import Item, Key, interned


def item_image(item: Any) -> dict[str, Any]:
    """The stored item's attributes (its own dict: never to be changed)."""
    found: dict[str, Any] = item.attrs
    return found


def store_item(table: Any, item: Any) -> None:
    """Puts a built item into a table, replacing the one with its key."""
    if table.range_key_attr is None:
        table.items[item.hash_key] = item
    else:
        table.items.entry(item.hash_key)[item.range_key] = item


def key_image(table: Any, hash_key: Key, range_key: Key | None) -> dict[str, Any]:
    key = {table.hash_key_attr: hash_key.document()}
    if table.range_key_attr is not None and range_key is not None:
        key[table.range_key_attr] = range_key.document()
    return key


def build_item(image: dict[str, Any], hash_attr: str, range_attr: str | None,
               size: Any = None) -> Item:
    """The item that was stored when `image` was taken; `size`: its size, as journaled
    (an int; anything else is damage)."""
    item = Item.stored(image, hash_attr, range_attr)
    if size is not None:
        item.sized(checked_size(size))
    return item


def checked_size(size: Any) -> int:
    """A journaled item size; anything but a count of bytes is damage (ValueError)."""
    if type(size) is not int or size < 0:
        raise ValueError(f"an item size that is not a count of bytes: {size!r}")
    return size


def item_of(values: dict[str, Any], hash_attr: str, range_attr: str | None) -> Item:
    """The item of an image `ImageDecoder` decoded."""
    return Item.stored(values, hash_attr, range_attr)


_SCALARS: dict[str, type] = {"S": str, "N": str, "BOOL": bool, "NULL": bool}


class ImageDecoder:
    """Decodes JSON holding only item images (a snapshot's item chunks) as the parser makes
    each value: bytes untagged, short scalar values shared between items (`interned`), so
    a restart builds and keeps fewer objects.

    Sound for images only: a `{"$b": text}` there is always `encoding`'s tag (an attribute's
    or a member's value is a dict, never text), and sharing an equal value is invisible
    because stored items never change in place.
    """

    def loads(self, raw: bytes) -> Any:
        return json.loads(raw, object_hook=self._hook)

    @staticmethod
    def _hook(obj: dict[str, Any]) -> Any:
        if len(obj) != 1:
            return obj
        for kind, inner in obj.items():
            shape = type(inner)
            if shape is str and kind == "$b":
                return base64.b64decode(inner)  # `encoding`'s tag for bytes
            if _SCALARS.get(kind) is shape:
                return interned(obj)
        return obj


def build_key(image: dict[str, Any], hash_attr: str,
              range_attr: str | None) -> tuple[Key, Key | None]:
    return (Key(image[hash_attr]),
            Key(image[range_attr]) if range_attr is not None else None)
