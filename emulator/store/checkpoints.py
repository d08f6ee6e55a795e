"""Checkpoints of the item store's WAL on a thread of their own, never inside a write.

SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold, so that
write pays for copying the WAL into the database, and while a backup holds its read
transaction every COMMIT retries and the first one after it copies the whole backlog
(docs/store-shapes.md measured 84 ms at 100k items and 672 ms at 1M). Here the store turns
that off and this thread checkpoints instead: PASSIVE every `interval` (copies what no reader
needs, waits for no one), and once the WAL passes `limit` bytes a TRUNCATE, which restarts
the WAL, but never while a backup or export is reading, which it would wait for, and writers
with it. A TRUNCATE needs a moment without a writer, which a busy writer never leaves by
itself (SQLite's busy handler is not fair), so the store's next transaction waits at `admit()`
while one runs: a few milliseconds, about every `limit` bytes of writes. The WAL stays
bounded, and a write never does a checkpoint's copying.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

__all__ = ["Checkpointer"]

WAL_LIMIT = 64 * 2**20


class Checkpointer:
    """Runs the store's checkpoints until `stop()`; `reading()` marks a long reader."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], path: Path, *,
                 interval: float = 0.2, limit: int = WAL_LIMIT) -> None:
        self._connect = connect
        self._wal = path.with_name(path.name + "-wal")
        self.interval = interval
        self.limit = limit
        self._readers = 0
        self._truncating = False
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ddbkit-checkpoints",
                                        daemon=True)
        self.truncations = 0

    def start(self) -> Checkpointer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def reading(self, on: bool) -> None:
        """A backup or export starts (True) or ends (False) its read transaction."""
        with self._lock:
            self._readers += 1 if on else -1

    def admit(self) -> None:
        """Called by the store before each transaction: waits while a TRUNCATE runs."""
        if self._truncating:
            with self._lock:
                self._lock.wait_for(lambda: not self._truncating)

    def run_once(self, connection: sqlite3.Connection) -> None:
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        if not self._wal.exists() or self._wal.stat().st_size <= self.limit:
            return
        with self._lock:
            if self._readers:
                return
            self._truncating = True
        try:
            busy = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            self.truncations += 0 if busy else 1
        finally:
            with self._lock:
                self._truncating = False
                self._lock.notify_all()

    def _run(self) -> None:
        connection = self._connect()
        try:
            while not self._stop.wait(self.interval):
                self.run_once(connection)
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()  # small at close
        finally:
            connection.close()
