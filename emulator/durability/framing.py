"""The record frame of every durability file (journal segments, snapshots): length and CRCs.

    +----------+---------------+-------------------+--------------------+
    | len: u32 | crc32(payload)| crc32(first 8 B)  | payload: len bytes |
    +----------+---------------+-------------------+--------------------+   little-endian

A reader tells a torn tail from damage, as Redis's AOF loader and SQLite's WAL do. A crash can
only cut the last write short: its header or payload is incomplete, or (after a power loss with
a lazy fsync) the payload reads back as zeros or garbage and the file ends with it. Any bad
record followed by more data is damage. The header's own CRC keeps a corrupted length from
passing for a cut-short payload (which would silently drop every record after it).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from ddbkit.emulator.turns import give_way

HEADER = struct.Struct("<III")
MAX_PAYLOAD = 1 << 30  # far above any record we write (a 16 MB batch's after-images)
_ZEROS_CHUNK = 1 << 20


class FrameError(Exception):
    """A record that cannot be read; `offset` is where it starts."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(f"{reason} at byte {offset}")
        self.offset = offset
        self.reason = reason


class TornTail(FrameError):
    """The bytes from `offset` to the end are the last write, cut short by a crash."""


class Corrupt(FrameError):
    """A damaged record with more data after it."""


def frame(payload: bytes) -> bytes:
    give_way()  # a background writer's checksum and write let go of the interpreter
    head = struct.pack("<II", len(payload), zlib.crc32(payload))
    return head + struct.pack("<I", zlib.crc32(head)) + payload


def write_frame(out: BinaryIO, parts: list[bytes]) -> None:
    """Writes `frame(b"".join(parts))` without joining them: copying a record of hundreds of
    MB (a large backup's) held the interpreter for seconds. Each part's checksum and write
    let go of the interpreter: it gives way between parts (`turns`)."""
    crc = 0
    for part in parts:
        give_way()
        crc = zlib.crc32(part, crc)
    head = struct.pack("<II", sum(len(part) for part in parts), crc)
    out.write(head + struct.pack("<I", zlib.crc32(head)))
    for part in parts:
        give_way()
        out.write(part)


def frame_of_parts(first: bytes, first_crc: int, rest: bytes) -> bytes:
    """`frame(first + rest)`, `first_crc` being `zlib.crc32(first)` computed earlier (a
    restore's large record is checksummed off the store lock; only `rest` is under it)."""
    head = struct.pack("<II", len(first) + len(rest), zlib.crc32(rest, first_crc))
    return b"".join((head, struct.pack("<I", zlib.crc32(head)), first, rest))


def read_frames(stream: BinaryIO, size: int) -> Iterator[bytes]:
    """Every record's payload, in order. Raises `TornTail` after the last whole record when
    the file ends in a cut-short one, `Corrupt` at a damaged record followed by more data."""
    offset = 0
    while offset < size:
        give_way()  # each read and checksum lets go of the interpreter (`turns`)
        head = stream.read(HEADER.size)
        if len(head) < HEADER.size:
            raise TornTail(offset, "a record header cut short")
        length, crc, head_crc = HEADER.unpack(head)
        if zlib.crc32(head[:8]) != head_crc or length > MAX_PAYLOAD:
            if _only_zeros(stream):
                raise TornTail(offset, "a record header not fully written")
            raise Corrupt(offset, "a damaged record header")
        end = offset + HEADER.size + length
        if end > size:
            raise TornTail(offset, "a record cut short")
        payload = stream.read(length)
        if len(payload) < length:
            raise TornTail(offset, "a record cut short")
        if zlib.crc32(payload) != crc:
            if end == size:
                raise TornTail(offset, "a last record whose checksum fails")
            raise Corrupt(offset, "a record whose checksum fails")
        yield payload
        offset = end


def last_frame(stream: BinaryIO, size: int) -> bytes:
    """The last record's payload, found by skipping over the others' (never read): a
    snapshot's end record says whether it serves before its items are decoded."""
    offset, last = 0, None
    while offset < size:
        stream.seek(offset)
        head = stream.read(HEADER.size)
        if len(head) < HEADER.size:
            raise TornTail(offset, "a record header cut short")
        length, _, head_crc = HEADER.unpack(head)
        if zlib.crc32(head[:8]) != head_crc:
            raise Corrupt(offset, "a damaged record header")
        if offset + HEADER.size + length > size:
            raise TornTail(offset, "a record cut short")
        last, offset = offset, offset + HEADER.size + length
    if last is None:
        raise TornTail(0, "no record")
    stream.seek(last)
    return next(read_frames(stream, size - last))


def _only_zeros(stream: BinaryIO) -> bool:
    """True when nothing but zero bytes follows (what a crash leaves of an unwritten tail)."""
    while chunk := stream.read(_ZEROS_CHUNK):
        if chunk.count(0) != len(chunk):
            return False
    return True
