"""A snapshot's index sections: a table's query indexes, built of exactly the items written.

Written after the table's item chunks as `SECTION + table name + NUL + pickle` of a dict
(plain dicts, lists, bytes, ints, text only; read as data, never as code), so a restart
installs the indexes instead of building them on the first Query. The image
(`store.index_images.image`) is written in pieces of at most PIECE_ENTRIES entries: an
opening section (`{"pieces": signature, "indexes": names}`), then `{"piece": index,
"partitions": {partition: [rows, prefixes]}}` sections, a large partition split over several
in order. Pickling or unpickling a whole image was one call into C holding the interpreter,
and every request with it, for about a second at a million items. `Pieces` puts them back
together as they are read.

Also read: a whole image in one section (`{"signature", "indexes"}`, before the pieces). A
reader of that era takes a piece as an image made for other indexes (no "signature") and
builds the indexes before it serves, as for a snapshot without sections (format 2, or an
older format 3; `store.ready`).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

from ddbkit.emulator.durability.item_chunks import load_data

SECTION = b"\x00indexes\x00"  # no JSON record, nor an item chunk, starts with it
PIECE_ENTRIES = 10_000  # index entries per section: a few ms to pickle or unpickle
_PROTOCOL = 5


def encode(name: str, found: dict[str, Any]) -> Iterator[bytes]:
    """The sections of an image, in pieces."""
    yield _section(name, {"pieces": found["signature"], "indexes": list(found["indexes"])})
    for index, partitions in found["indexes"].items():
        piece: dict[bytes, list[list[Any]]] = {}
        room = PIECE_ENTRIES
        for partition, (rows, prefixes) in partitions.items():
            at = 0
            while True:
                taken = rows[at:at + room]
                piece[partition] = [taken, prefixes[at:at + room]]
                at, room = at + len(taken), room - len(taken)
                if room <= 0:
                    yield _section(name, {"piece": index, "partitions": piece})
                    piece, room = {}, PIECE_ENTRIES
                if at >= len(rows):
                    break
        if piece:
            yield _section(name, {"piece": index, "partitions": piece})


def _section(name: str, found: dict[str, Any]) -> bytes:
    return SECTION + name.encode() + b"\x00" + pickle.dumps(found, protocol=_PROTOCOL)


def is_section(payload: bytes) -> bool:
    return payload.startswith(SECTION)


def decode(payload: bytes) -> tuple[str, dict[str, Any]]:
    """(table name, what the section holds); raises ValueError for one that cannot be read."""
    end = payload.find(b"\x00", len(SECTION))
    if end < 0:
        raise ValueError("an index section without its table name")
    found = load_data(memoryview(payload)[end + 1:])
    if not isinstance(found, dict):
        raise ValueError("an index section that is not an index image")
    return payload[len(SECTION):end].decode(), found


class Pieces:
    """A table's image put back together from its pieces as they are read."""

    def __init__(self) -> None:
        self.name: str | None = None
        self.image: dict[str, Any] | None = None

    def add(self, name: str, found: dict[str, Any]) -> bool:
        """Whether `found` was a piece (kept here); False for a whole image.
        Raises ValueError for a piece that does not follow its table's opening."""
        if "pieces" in found:
            if self.image is not None:
                raise ValueError("an index section out of its place")
            self.name = name
            self.image = {"signature": found["pieces"],
                          "indexes": {index: {} for index in found["indexes"]}}
            return True
        if "piece" not in found:
            return False
        if self.image is None or name != self.name or found["piece"] not in \
                self.image["indexes"]:
            raise ValueError("an index section out of its place")
        partitions = self.image["indexes"][found["piece"]]
        for partition, (rows, prefixes) in found["partitions"].items():
            held = partitions.get(partition)
            if held is None:
                partitions[partition] = [rows, prefixes]
            else:  # a large partition's next entries
                held[0] += rows
                held[1] += prefixes
        return True

    def done(self) -> tuple[str, dict[str, Any]] | None:
        """The (table name, image) put together, once its pieces have all been read."""
        if self.image is None or self.name is None:
            return None
        found, self.name, self.image = (self.name, self.image), None, None
        return found
