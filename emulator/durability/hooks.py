"""The two calls the rest of the emulator makes into durability; no-ops when nothing journals.

- `journaled(operation)`: `endpoint.app` wraps every request in it, inside the store lock, so
  the request's changes are journaled before the lock is released and the response goes out
  (whether moto answered or raised); `operations/expiry.py` each chunk of TTL deletes
  (operation None);
- `history()`: `moto_ext.point_in_time`, for the state of a table at a past moment;
- `encoded_items(table)` and `adopt(table, encoded)`: a restore's new table, journaled whole
  once it is ready (`operations.restore_jobs`).

They raise `JournalError` when the journal cannot take the record, after undoing what the
block changed (`recorder`): the request then gets an error instead of an acknowledgement, and
leaves no trace. On entry, `DiskFull` refuses a write while the journal is full. This module
imports nothing heavy, so the request path pays one global read when durability is off.
"""

from __future__ import annotations

from typing import Any, Protocol


class _Recorder(Protocol):
    def begin(self, operation: str | None) -> None: ...

    def commit(self, operation: str | None) -> None: ...

    def encode_items(self, table: Any) -> bytes: ...

    def adopt(self, table: Any, encoded: bytes) -> None: ...


_recorder: _Recorder | None = None
_history: Any = None  # `history.History` of the open data dir: point-in-time restores read it


def activate(recorder: _Recorder, history: Any = None) -> None:
    global _recorder, _history
    _recorder, _history = recorder, history


def deactivate() -> None:
    global _recorder, _history
    _recorder = _history = None


def history() -> Any:
    """The data dir's history, or None when the emulator keeps none (`--in-memory`)."""
    return _history


def encoded_items(table: Any) -> bytes | None:
    """A restore's new table's items (it is not in the store yet) as its journal record's
    puts, encoded off the request path; None when nothing journals."""
    recorder = _recorder
    return None if recorder is None else recorder.encode_items(table)


def adopt(table: Any, encoded: bytes | None) -> None:
    """Under the store lock, as the restored `table` turns ACTIVE: its record, `encoded` by
    `encoded_items`, is journaled. Raises `JournalError` when the journal refuses it."""
    if _recorder is not None and encoded is not None:
        _recorder.adopt(table, encoded)


class journaled:
    """Journals the block's changes on the way out of it, or undoes them."""

    __slots__ = ("operation",)

    def __init__(self, operation: str | None) -> None:
        self.operation = operation

    def __enter__(self) -> None:
        if _recorder is not None:
            _recorder.begin(self.operation)

    def __exit__(self, *exc: Any) -> None:
        if _recorder is not None:
            _recorder.commit(self.operation)
