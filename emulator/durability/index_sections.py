"""A snapshot's index sections: a table's query indexes, built of exactly the items written.

Written after the table's item chunks as `SECTION + table name + NUL + pickle` of an
`store.index_images.image` (plain dicts, lists, bytes, ints, text only; read as data, never
as code), so a restart installs the indexes instead of building them on the first Query. A
snapshot without them (format 2, or an older format 3) restores as before, and the restart
builds them before it serves (`store.ready`).
"""

from __future__ import annotations

import pickle
from typing import Any

from ddbkit.emulator.durability.item_chunks import load_data

SECTION = b"\x00indexes\x00"  # no JSON record, nor an item chunk, starts with it
_PROTOCOL = 5


def encode(name: str, found: dict[str, Any]) -> bytes:
    return SECTION + name.encode() + b"\x00" + pickle.dumps(found, protocol=_PROTOCOL)


def is_section(payload: bytes) -> bool:
    return payload.startswith(SECTION)


def decode(payload: bytes) -> tuple[str, dict[str, Any]]:
    """(table name, index image); raises ValueError for one that cannot be read."""
    end = payload.find(b"\x00", len(SECTION))
    if end < 0:
        raise ValueError("an index section without its table name")
    found = load_data(memoryview(payload)[end + 1:])
    if not isinstance(found, dict):
        raise ValueError("an index section that is not an index image")
    return payload[len(SECTION):end].decode(), found
