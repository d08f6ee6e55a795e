"""The two calls the rest of the emulator makes into durability; no-ops when nothing journals.

- `journaled(operation)`: `endpoint.app` wraps every request in it, inside the store lock, so
  the request's changes are journaled before the lock is released and the response goes out
  (whether moto answered or raised); `operations/expiry.py` each chunk of TTL deletes
  (operation None);
- `history()`: `moto_ext.point_in_time`, for the state of a table at a past moment;
- `encoded_table`, `rotation_paused`, `journal_part` and `adopt`: a restore's new table,
  journaled in parts once it is ready, then completed (`operations.restore_jobs`).
- `table_replacer()`: `states`, to put a named state's tables in place durably.

They raise `JournalError` when the journal cannot take the record, after undoing what the
block changed (`recorder`): the request then gets an error instead of an acknowledgement, and
leaves no trace. On entry, `DiskFull` refuses a write while the journal is full. This module
imports nothing heavy, so the request path pays one global read when durability is off.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol


class _Recorder(Protocol):
    def begin(self, operation: str | None) -> None: ...

    def commit(self, operation: str | None) -> None: ...

    def encode_table(self, table: Any) -> Any: ...

    def journal_part(self, start: bytes, start_crc: int) -> None: ...

    def adopt(self, table: Any, prepared: Any) -> None: ...


_recorder: _Recorder | None = None
_history: Any = None  # `history.History` of the open data dir: point-in-time restores read it
# Held while a restore journals its table's records: no journal rotation (and so no
# snapshot) falls between them, so they are all in one segment (the compaction's lock).
_rotation: AbstractContextManager[Any] = nullcontext()
_replacer: Callable[..., None] | None = None  # `service.Durability.replace_tables`
_sync: Callable[[], None] | None = None  # fsyncs the journal, without the store lock


def activate(recorder: _Recorder, history: Any = None,
             rotation: AbstractContextManager[Any] | None = None,
             replacer: Callable[..., None] | None = None,
             sync: Callable[[], None] | None = None) -> None:
    global _recorder, _history, _rotation, _replacer, _sync
    _recorder, _history, _replacer = recorder, history, replacer
    _rotation = nullcontext() if rotation is None else rotation
    _sync = sync


def deactivate() -> None:
    global _recorder, _history, _rotation, _replacer, _sync
    _recorder = _history = _replacer = None
    _rotation, _sync = nullcontext(), None


def sync_journal() -> None:
    """Makes what was appended durable, outside the store lock: a restore's records would
    otherwise be fsynced by the next rotation, under it."""
    sync = _sync
    if sync is not None:
        sync()


def rotation_paused() -> AbstractContextManager[Any]:
    """Keeps the journal from rotating while held (outside the store lock)."""
    return _rotation


def table_replacer() -> Callable[..., None] | None:
    """What puts a whole new set of tables in place durably, or None (`--in-memory`)."""
    return _replacer


def history() -> Any:
    """The data dir's history, or None when the emulator keeps none (`--in-memory`)."""
    return _history


def encoded_table(table: Any) -> Any:
    """A restore's new table (not in the store yet) as its journal records, encoded off the
    request path (`recorder.PreparedTable`); None when nothing journals."""
    recorder = _recorder
    return None if recorder is None else recorder.encode_table(table)


def journal_part(start: bytes, start_crc: int) -> None:
    """Under the store lock: one of those records. Raises `JournalError` when refused."""
    if _recorder is not None:
        _recorder.journal_part(start, start_crc)


def adopt(table: Any, prepared: Any) -> None:
    """Under the store lock, as the restored `table` turns ACTIVE: the record that completes
    it (`encoded_table`). Raises `JournalError` when the journal refuses it."""
    if _recorder is not None and prepared is not None:
        _recorder.adopt(table, prepared)


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
