"""The journal writer: append framed records with write(2), fsync as the policy says, rotate.

`append` returns once the record is in the file (the kernel's page cache): a killed process
loses nothing it appended, and the caller answers the request only after that. Whether a
power loss may cost the last second is the fsync policy's (Redis's `appendfsync`):
- `always`: fdatasync before `append` returns; each write waits for the disk;
- `every-second`: a background thread fdatasyncs once a second when something was appended.

A failed append truncates the segment back to its last whole record and raises
`JournalError` (`DiskFull` when the disk or a limit is full); the caller undoes the write it
belongs to. A full journal then refuses writes up front (`refuses()`) until the file system
shows room again, or a few seconds passed (a quota does not show in statvfs): writes are
tried then, and the first that fits ends the state. Entering and leaving that state is
logged once each, with the path.

`on_synced(path, size)` hears, at most once a second and at rotation and close, how much of
the segment is on disk (`watermark`): what a crash can cost ends there.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from ddbkit.emulator.durability.files import sync_dir, sync_file
from ddbkit.emulator.durability.framing import frame
from ddbkit.emulator.metrics.buckets import FSYNC_BOUNDS, Buckets

FsyncPolicy = Literal["always", "every-second"]
FSYNC_POLICIES: tuple[FsyncPolicy, ...] = ("always", "every-second")
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
RETRY_SECONDS = 5.0  # while full, one write is tried this often even if statvfs shows no room
ROOM = 64 * 1024  # free bytes before writes are tried again
DISK_FULL = ("The emulator's disk is full: the write was not applied. Free some space; "
             "writes resume by themselves.")
JOURNAL_FAILED = "The emulator cannot write its journal: the write was not applied."

log = logging.getLogger("ddbkit.durability")


class JournalError(Exception):
    """The journal could not take a record: the request it belongs to is not acknowledged.
    `str()` names the server's path (for its log); `answer` is what a client is told."""

    answer = JOURNAL_FAILED


class DiskFull(JournalError):
    """No room for the record (ENOSPC, a quota, a file size limit): retry once space returns."""

    answer = DISK_FULL


class JournalWriter:
    def __init__(self, path: Path, header: bytes, fsync: FsyncPolicy,
                 on_synced: Callable[[Path, int], None] | None = None) -> None:
        self.fsync = fsync
        self._on_synced = on_synced
        self._lock = threading.Lock()  # the fd against rotation; never held across an fsync
        self._fd = -1
        self._size = 0
        self._unsynced = False
        self._broken = ""  # why appends are refused: a failed write could not be undone
        self._full_at: float | None = None  # monotonic time of the last append with no room
        self.path = path
        self.fsync_seconds = Buckets(FSYNC_BOUNDS)  # each fsync's time, for /metrics
        self._open(path, header)
        self._stop = threading.Event()
        self._syncer: threading.Thread | None = None

    @property
    def size(self) -> int:
        return self._size

    def _open(self, path: Path, header: bytes) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0),
                     0o644)
        try:
            size = os.fstat(fd).st_size
            if size == 0:
                try:
                    _write_all(fd, frame(header))
                    self._sync_file(fd)
                    sync_dir(path.parent)  # its name too, before journal.synced names it
                except OSError:
                    path.unlink(missing_ok=True)  # a segment with a torn header is damage
                    raise
                size = os.fstat(fd).st_size
            else:  # a killed process's last writes may still be only in the page cache
                self._sync_file(fd)
        except BaseException:
            os.close(fd)
            raise
        self._fd, self._size, self.path = fd, size, path
        self._report(path, size)  # a new segment's header, or a restored one: both on disk

    def start(self) -> JournalWriter:
        if self.fsync == "every-second" or self._on_synced is not None:
            self._syncer = threading.Thread(target=self._sync_every_second,
                                            name="ddbkit-fsync", daemon=True)
            self._syncer.start()
        return self

    @property
    def full(self) -> bool:
        return self._full_at is not None

    def refuses(self) -> bool:
        """True while the journal is full and nothing says there is room again yet."""
        full_at = self._full_at
        if full_at is None or time.monotonic() - full_at >= RETRY_SECONDS:
            return False
        return free_bytes(self.path.parent) < ROOM

    def append(self, data: bytes) -> None:
        """Writes framed records (already framed: see `framing.frame`)."""
        with self._lock:
            if self._broken:
                raise JournalError(self._broken)
            start = self._size
            try:
                _write_all(self._fd, data)
                if self.fsync == "always":
                    self._sync_file(self._fd)
            except OSError as exc:
                message = f"cannot write the journal {self.path}: {exc.strerror}"
                if not _truncate(self._fd, start):
                    # Appending after a partial record would turn it into damage mid-file.
                    self._broken = message + " (and cannot undo it: restart ddbkit up)"
                    log.error("ddbkit: %s", self._broken)
                if exc.errno in FULL_ERRNOS:
                    self._became_full(message)
                    raise DiskFull(message) from exc
                log.error("ddbkit: %s", message)
                raise JournalError(message) from exc
            self._size = start + len(data)
            self._unsynced = self.fsync != "always"
            if self._full_at is not None:
                self._full_at = None
                log.warning("ddbkit: %s has room again: writes resume", self.path)

    def _became_full(self, message: str) -> None:
        if self._full_at is None:  # once per episode, not once per refused write
            log.error("ddbkit: %s; writes are refused (reads go on) until there is room",
                      message)
        self._full_at = time.monotonic()

    def rotate(self, path: Path, header: bytes) -> None:
        """Continues in a new segment; the old one is made durable first. If the new one
        cannot be started (a full disk), it is removed and appends go on in the old one."""
        with self._lock:
            self._sync_file(self._fd)
            self._report(self.path, self._size)
            old = self._fd
            self._open(path, header)
            os.close(old)
            self._unsynced = False

    def sync(self) -> None:
        with self._lock:
            if self._fd < 0:
                return
            path, size, fd = self.path, self._size, -1
            if self._unsynced:  # with `always`, every append was synced already
                fd = os.dup(self._fd)  # fsync without holding the lock: requests go on
                self._unsynced = False
        if fd >= 0:
            try:
                self._sync_file(fd)
            finally:
                os.close(fd)
        self._report(path, size)

    def _sync_file(self, fd: int) -> None:
        started = time.perf_counter()
        sync_file(fd)
        self.fsync_seconds.observe(time.perf_counter() - started)

    def _report(self, path: Path, size: int) -> None:
        if self._on_synced is not None:
            self._on_synced(path, size)

    def _sync_every_second(self) -> None:
        while not self._stop.wait(1.0):
            try:
                self.sync()
            except OSError:
                with self._lock:
                    self._unsynced = True  # try again next second

    def close(self) -> None:
        self._stop.set()
        if self._syncer is not None:
            self._syncer.join(timeout=5)
            self._syncer = None
        with self._lock:
            if self._fd >= 0:
                try:
                    self._sync_file(self._fd)
                    self._report(self.path, self._size)
                finally:
                    os.close(self._fd)
                    self._fd = -1


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def free_bytes(directory: Path) -> int:
    try:
        stat = os.statvfs(directory)
    except OSError:
        return 0
    return stat.f_frsize * (stat.f_bfree if os.geteuid() == 0 else stat.f_bavail)


def _truncate(fd: int, size: int) -> bool:
    try:
        os.ftruncate(fd, size)
    except OSError:
        return False  # left as it is, it is a torn tail the next start drops
    return True
