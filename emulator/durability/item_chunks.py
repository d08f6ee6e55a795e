"""A snapshot's item chunks: many items' images of one table in one record, both encodings.

Snapshot format 3 writes a chunk as `PICKLED + table name + NUL + pickle` of the images
list (protocol 5, plain dicts, lists, text, bytes, bools only). Decoding that is C all the way:
about ten times faster than format 2's JSON chunk (`{"items": name, "images": [...]}`,
still read), whose object hook built bytes and shared values in Python, and a restart spends
most of its time decoding items. The pickle keeps what the store shares: a value dict many
items hold (`store.item.interned`) and attribute names are written once per chunk and come
back as one object. Items replayed from a journal share nothing, so the writer makes equal
short scalar values one object (as `store.item.interned` does, but with a memo of its own:
it runs outside the store's lock) as it encodes, off the request path: a restart then keeps
one value dict per chunk where it would keep one per item.

Only what a data dir's own writer wrote is read, but a chunk is still decoded as data, never
as code: any reference to a class or function (`find_class`) is refused as damage.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

from ddbkit.emulator.durability import encoding
from ddbkit.emulator.durability.images import ImageDecoder
from ddbkit.emulator.store.item import INTERN_LENGTH

PICKLED = b"\x00items\x00"  # format 3's chunks: no JSON record starts with a NUL
JSON_ITEMS = b'{"items":'  # format 2's (and a converted format 1's)
_PROTOCOL = 5
_SCALARS = frozenset(("S", "N", "BOOL", "NULL"))


class _DataOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"an item chunk names {module}.{name}: not item data")


def load_data(data: bytes | memoryview) -> Any:
    """A pickle of plain data; raises ValueError for anything else or a damaged one."""
    try:
        return _DataOnly(io.BytesIO(data)).load()
    except (pickle.UnpicklingError, EOFError) as exc:
        raise ValueError(f"an unreadable snapshot record ({exc})") from None


def encode(name: str, images: list[dict[str, Any]], keys: tuple[str, ...] = ()) -> bytes:
    """The chunk of a table's images; `keys`: its key attributes (seldom repeated, so not
    shared)."""
    memo: dict[tuple[str, Any], dict[str, Any]] = {}
    shared = [{attribute: value if attribute in keys else _shared(value, memo)
               for attribute, value in image.items()} for image in images]
    return PICKLED + name.encode() + b"\x00" + pickle.dumps(shared, protocol=_PROTOCOL)


def _shared(value: dict[str, Any], memo: dict[tuple[str, Any], dict[str, Any]]) -> Any:
    """The first equal value met, for a short scalar (never changed in place: stored)."""
    if len(value) != 1:
        return value
    ((kind, inner),) = value.items()
    if kind in _SCALARS and (type(inner) is bool or
                             (type(inner) is str and len(inner) <= INTERN_LENGTH)):
        return memo.setdefault((kind, inner), value)
    return value


def is_chunk(payload: bytes) -> bool:
    return payload.startswith(PICKLED) or payload.startswith(JSON_ITEMS)


def of_table(payload: bytes, name: str) -> bool:
    """Whether the chunk holds items of table `name` (without decoding it)."""
    if payload.startswith(PICKLED):
        return payload.startswith(PICKLED + name.encode() + b"\x00")
    prefix = JSON_ITEMS + encoding.dumps(name)
    return payload.startswith(prefix) and payload[len(prefix):len(prefix) + 1] == b","


def decode(payload: bytes, json_decoder: ImageDecoder | None = None) -> tuple[str, list[Any]]:
    """(table name, images) of a chunk; raises ValueError for one that cannot be read."""
    if payload.startswith(PICKLED):
        end = payload.find(b"\x00", len(PICKLED))
        if end < 0:
            raise ValueError("an item chunk without its table name")
        images = load_data(memoryview(payload)[end + 1:])
        name = payload[len(PICKLED):end].decode()
    else:
        record = (json_decoder or ImageDecoder()).loads(payload)
        name, images = record["items"], record["images"]
    if not isinstance(images, list) or not isinstance(name, str):
        raise ValueError("an item chunk that is not a table's list of items")
    return name, images
