"""The data dir on disk: file names, the lock that keeps one emulator per dir, fsync steps.

    <data-dir>/
      snapshot-00000007.snap      the tables, taken from the moment journal-00000007 began
      journal-00000007.log        every change since then, one record per request
      journal-00000008.log        (a compaction in progress: a new segment first, then its
      snapshot-00000008.snap.tmp   snapshot, renamed into place once complete)
      history-00000001-00000006.log  segments 1-6 merged (`history_merge`): point-in-time
                                  history older than the newest snapshot, never read at start
      journal.synced              how much of the newest segment reached the disk (`watermark`)
      states/NAME.snap            named states (`states`)
      format-1/                   a format-1 data dir's files, kept after its conversion

A generation number ties a snapshot to the journal segment that continues it; the state is
the newest snapshot plus every segment from its generation on (or all segments from 1 when
no snapshot was taken yet). Files of older generations are history: kept while a
point-in-time restore may need them (`history_compaction`), merged, then removed; a `.tmp` is
a snapshot or a merge a crash interrupted.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ddbkit.emulator.durability import watermark
from ddbkit.emulator.errors import DataDirError
from ddbkit.emulator.turns import give_way

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; one emulator per dir is then up to the user
    fcntl = None  # type: ignore[assignment]

_SNAPSHOT = re.compile(r"^snapshot-(\d{8})\.snap$")
_JOURNAL = re.compile(r"^journal-(\d{8})\.log$")
_MERGED = re.compile(r"^history-(\d{8})-(\d{8})\.log$")
_TEMP = re.compile(r"^(snapshot-\d{8}\.snap|history-\d{8}-\d{8}\.log)\.tmp$")


@dataclass
class Listing:
    snapshots: dict[int, Path] = field(default_factory=dict)
    journals: dict[int, Path] = field(default_factory=dict)
    merged: dict[tuple[int, int], Path] = field(default_factory=dict)  # (first, last) held
    temps: list[Path] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.snapshots and not self.journals


class DataDir:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def snapshot_path(self, generation: int) -> Path:
        return self.path / f"snapshot-{generation:08d}.snap"

    def journal_path(self, generation: int) -> Path:
        return self.path / f"journal-{generation:08d}.log"

    def merged_path(self, first: int, last: int) -> Path:
        return self.path / f"history-{first:08d}-{last:08d}.log"

    def watermark_path(self) -> Path:
        return self.path / watermark.NAME

    def lock(self) -> None:
        """Creates the dir if needed and holds it for this process (released by `unlock`)."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDONLY)
        except OSError as exc:
            raise DataDirError(f"cannot use data dir {self.path}: {exc.strerror}") from exc
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                raise DataDirError(f"data dir {self.path} is in use by another ddbkit up "
                                   "(stop it, or pick another --data-dir)") from exc
        self._fd = fd

    def unlock(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None

    def listing(self) -> Listing:
        found = Listing()
        for entry in os.scandir(self.path):
            if match := _SNAPSHOT.match(entry.name):
                found.snapshots[int(match[1])] = Path(entry.path)
            elif match := _JOURNAL.match(entry.name):
                found.journals[int(match[1])] = Path(entry.path)
            elif match := _MERGED.match(entry.name):
                found.merged[int(match[1]), int(match[2])] = Path(entry.path)
            elif _TEMP.match(entry.name):
                found.temps.append(Path(entry.path))
        return found

    def sync(self) -> None:
        """Makes creations, renames and removals in the dir durable."""
        if self._fd is not None:
            try:
                os.fsync(self._fd)
            except OSError:
                pass  # some filesystems refuse fsync on a directory; nothing more to do there

    def remove(self, paths: list[Path]) -> None:
        for path in paths:
            path.unlink(missing_ok=True)
        if paths:
            self.sync()


def journal_generation(path: Path) -> int:
    match = _JOURNAL.match(path.name)
    if match is None:
        raise ValueError(f"{path.name} is not a journal segment")
    return int(match[1])


def sync_dir(path: Path) -> None:
    """Makes the creations in a directory durable (where the filesystem allows it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on a directory; nothing more to do there
    finally:
        os.close(fd)


WRITE_SLICE = 1 << 20  # bytes per write call of a large buffer


def write_in_slices(out: BinaryIO, data: bytes | memoryview) -> None:
    """Writes `data` a megabyte per call, giving way between calls (`turns`): a state's or a
    base snapshot's hundreds of MB in one write left a request waiting 87-131 ms (a 1M
    state save and restore, a watchdog in the server)."""
    view = memoryview(data)
    for at in range(0, len(view), WRITE_SLICE):
        out.write(view[at:at + WRITE_SLICE])
        give_way()


def sync_file(fd: int) -> None:
    """fdatasync where there is one (the data, not the access times), fsync elsewhere."""
    getattr(os, "fdatasync", os.fsync)(fd)
