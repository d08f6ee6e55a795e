"""Where stream shards keep their older records: segment files in a private spill folder.

A shard (`stream_shards`) writes its records here in batches and reads them back by offset and
length. Each shard's bytes go into segment files of about `SEGMENT_BYTES`, numbered along
one growing offset, so dropping the records past 24 hours deletes whole files: the disk a
shard uses is bounded like its records. A segment file is deleted when nothing refers to it
any more (the shard trimmed it, its table went, or a snapshot that still read it finished),
so a snapshot can read its records without the store lock while the shard goes on.

The files hold no durable data (the journal and snapshots do, and restore every record at
start), so they are never synced, and a spill folder is emptied when it is taken:
- beside a data dir, `<data-dir>/streams/` (`use`, once the data dir is locked): what an
  earlier process left there is removed;
- otherwise (`--in-memory`, or a shard made outside a server) a folder of this process's own
  in the system's temp dir (`TMPDIR`), `ddbkit-streams-*`, removed at exit; one left by a
  process that died (kill -9) is removed by the next process that makes one (a folder
  whose lock file nobody holds).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import shutil
import tempfile
import threading
import time
import uuid
import weakref
from bisect import bisect_right
from collections.abc import Sequence
from pathlib import Path

SEGMENT_BYTES = 16 << 20  # a shard's segment file is closed and a new one begun past this
FOLDER_NAME = "streams"  # beside a data dir
_TEMP_PREFIX = "ddbkit-streams-"
_LOCK_NAME = ".lock"
_YOUNG_SECONDS = 60.0

_guard = threading.Lock()
_parent: Path | None = None  # where new segments go (`use`); None: a temp folder
_current: Path | None = None  # this process's folder in `_parent`, once made
_temp: Path | None = None
_ours: set[Path] = set()  # folders this process made: never emptied while its shards live
_locks: list[int] = []  # open descriptors of the lock files of this process's folders


def use(parent: Path | None) -> None:
    """New segments go into a folder of this process under `parent` (`<data-dir>/streams`,
    whose data dir this process holds the lock of), made at the first `folder()` call, which
    empties `parent` of what another process left; None: into this process's temp folder.
    Shards made before keep their own files."""
    global _parent, _current
    with _guard:
        _parent, _current = parent, None


def folder() -> Path:
    """The folder new segment files go into."""
    global _current, _temp
    with _guard:
        if _parent is not None:
            if _current is None:
                _current = _take(_parent)
            return _current
        if _temp is None:
            base = Path(tempfile.gettempdir())
            _remove_abandoned(base)
            _temp = _make(base, _TEMP_PREFIX)
        return _temp


def _take(parent: Path) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    mine = [p for p in _ours if p.parent == parent]
    for child in parent.iterdir():
        if child not in mine:
            _remove(child)
    return mine[0] if mine else _make(parent)


def _make(parent: Path, prefix: str = "") -> Path:
    made = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    fd = os.open(made / _LOCK_NAME, os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held while this process lives
    _locks.append(fd)
    _ours.add(made)
    atexit.register(_remove_at_exit, made, not prefix)
    return made


def _remove_at_exit(made: Path, with_parent: bool) -> None:
    shutil.rmtree(made, ignore_errors=True)
    if with_parent:  # `<data-dir>/streams`, unless another process has begun to use it
        with contextlib.suppress(OSError):
            made.parent.rmdir()


def _remove_abandoned(base: Path) -> None:
    """Temp spill folders whose process has gone (nobody holds their lock file)."""
    with contextlib.suppress(OSError):
        for child in base.glob(_TEMP_PREFIX + "*"):
            if child.stat().st_mtime > time.time() - _YOUNG_SECONDS:
                continue  # perhaps made a moment ago, its lock not taken yet
            try:
                fd = os.open(child / _LOCK_NAME, os.O_RDWR)
            except OSError:
                continue  # not ours to judge (another user's, or half made)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # its process is alive
            finally:
                os.close(fd)
            _remove(child)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


class Segment:
    """One file of a shard's records; the file is deleted when this object is."""

    __slots__ = ("__weakref__", "base", "path", "size")

    def __init__(self, path: Path, base: int) -> None:
        self.path, self.base, self.size = path, base, 0
        weakref.finalize(self, _unlink, str(path))

    def read(self, offset: int, length: int) -> bytes:
        """`length` bytes from the shard's `offset` (which this segment holds)."""
        fd = os.open(self.path, os.O_RDONLY)
        try:
            data = os.pread(fd, length, offset - self.base)
        finally:
            os.close(fd)
        if len(data) != length:
            raise OSError(f"stream spill file {self.path} is short: {len(data)} of {length} "
                          f"bytes at {offset - self.base}")
        return data


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


class Segments:
    """A shard's segment files, their bytes numbered along one offset that only grows."""

    __slots__ = ("_bases", "_end", "_fd", "_name", "_segments")

    def __init__(self) -> None:
        self._segments: list[Segment] = []
        self._bases: list[int] = []  # each segment's first offset, for bisect
        self._end = 0  # the offset the next byte written gets
        self._fd = -1  # the last segment's, open for appending
        self._name = uuid.uuid4().hex

    def __del__(self) -> None:
        self._seal()

    def write(self, data: bytes) -> int:
        """Appends `data` in one segment; returns the offset of its first byte. OSError (a
        full disk): nothing is counted as written and the next write begins a new file."""
        if self._fd < 0 or self._segments[-1].size >= SEGMENT_BYTES:
            self._begin()
        segment, offset = self._segments[-1], self._end
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
        except OSError:
            self._end += len(data)  # whatever was written is never read: skip past it
            self._seal()
            raise
        segment.size += len(data)
        self._end += len(data)
        return offset

    def _begin(self) -> None:
        self._seal()
        path = folder() / f"{self._name}-{len(self._bases)}-{self._end}.seg"
        segment = Segment(path, self._end)
        self._fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND | os.O_TRUNC, 0o600)
        self._segments.append(segment)
        self._bases.append(self._end)

    def _seal(self) -> None:
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1

    def segment(self, offset: int) -> Segment:
        """The segment holding `offset`."""
        return self._segments[bisect_right(self._bases, offset) - 1]

    def drop_before(self, offset: int) -> None:
        """Lets go of the segments holding only bytes before `offset` (their files go once
        no snapshot reads them); the one being written is kept."""
        count = bisect_right(self._bases, offset) - 1
        count = min(count, len(self._segments) - 1)
        if count > 0:
            del self._segments[:count]
            del self._bases[:count]

    def pinned(self) -> Pinned:
        """The segments as of now, kept (with their files) while the result lives."""
        return Pinned(list(self._segments), list(self._bases))

    def paths(self) -> list[Path]:
        return [segment.path for segment in self._segments]


class Pinned:
    """Some segments, read without the store lock (a snapshot's)."""

    __slots__ = ("_bases", "_segments")

    def __init__(self, segments: list[Segment], bases: list[int]) -> None:
        self._segments, self._bases = segments, bases

    def segment(self, offset: int) -> Segment:
        return self._segments[bisect_right(self._bases, offset) - 1]


def read_records(segments: Segments | Pinned, offsets: Sequence[int],
                 lengths: Sequence[int]) -> list[bytes]:
    """The records at `offsets` (each `lengths` long), read with one file read for each run
    of records that lie end to end in one segment (as a batch was written)."""
    found: list[bytes] = []
    count, index = len(offsets), 0
    while index < count:
        start = offsets[index]
        segment = segments.segment(start)
        limit = segment.base + segment.size  # the next segment's offsets follow on
        end, stop = start + lengths[index], index + 1
        while stop < count and offsets[stop] == end and end < limit:
            end += lengths[stop]
            stop += 1
        data = segment.read(start, end - start)
        position = 0
        for at in range(index, stop):
            found.append(data[position:position + lengths[at]])
            position += lengths[at]
        index = stop
    return found
