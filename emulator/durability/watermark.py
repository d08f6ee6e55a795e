"""`journal.synced`: how much of the newest journal segment is known to have reached the disk.

A crash can only cut short what was written after the last fsync (a killed process nothing;
a power loss with `--fsync every-second` up to a second). So at start-up a segment that ends
before the size recorded here, or is missing while a newer generation is recorded, lost data
that was on disk: it was truncated or damaged later, and is refused as damage rather than
trimmed as a torn tail. Its successor's header (`previous`) does the same for older segments.

    +---------------------+-----------------+-----------+---------------------+
    | "ddbkit-synced/2\n"  | generation: u64 | size: u64 | crc32(gen and size) |
    +---------------------+-----------------+-----------+---------------------+
    little-endian, rewritten in place

It is written after the journal's fsync, so it never claims more than the disk holds. A torn
write of it fails its CRC and is ignored, like a missing file (a data dir from before it) or
one of another format.
"""

from __future__ import annotations

import os
import struct
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

from ddbkit.emulator.durability.formats import SYNCED

NAME = "journal.synced"
_MARK = struct.Struct("<QQI")


@dataclass(frozen=True)
class Synced:
    generation: int
    size: int


def read(path: Path) -> Synced | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if len(data) != len(SYNCED) + _MARK.size or not data.startswith(SYNCED):
        return None
    generation, size, crc = _MARK.unpack_from(data, len(SYNCED))
    if zlib.crc32(data[len(SYNCED):len(SYNCED) + 16]) != crc:
        return None
    return Synced(generation, size)


class Watermark:
    """Records (generation, size) after each fsync of the journal; thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fd = -1
        self._last: Synced | None = None

    def write(self, generation: int, size: int) -> None:
        mark = Synced(generation, size)
        with self._lock:
            if mark == self._last:
                return
            if self._fd < 0:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT
                                   | getattr(os, "O_CLOEXEC", 0), 0o644)
            # Not fsynced: the journal it describes already is, so a mark lost to a power
            # loss only understates what reached the disk, and a torn one fails its CRC.
            # A second fsync per commit would double --fsync always's cost for nothing.
            os.pwrite(self._fd, mark_bytes(generation, size), 0)
            self._last = mark

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def mark_bytes(generation: int, size: int) -> bytes:
    """The whole file's content for this mark."""
    head = struct.pack("<QQ", generation, size)
    return SYNCED + _MARK.pack(generation, size, zlib.crc32(head))
