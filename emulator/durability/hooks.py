"""The two calls the rest of the emulator makes into durability; no-ops when nothing journals.

- `journaled(operation)`: `endpoint.app` wraps every request in it, inside the store lock, so
  the request's changes are journaled before the lock is released and the response goes out
  (whether moto answered or raised); `operations/expiry.py` each chunk of TTL deletes
  (operation None);
- `history()`: `moto_ext.point_in_time`, for the state of a table at a past moment;
- `table_replacer()`: `states`, to put a named state's tables in place durably.

They raise `JournalError` when the journal cannot take the record, after undoing what the
block changed (`recorder`): the request then gets an error instead of an acknowledgement, and
leaves no trace. On entry, `DiskFull` refuses a write while the journal is full. This module
imports nothing heavy, so the request path pays one global read when durability is off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class _Recorder(Protocol):
    def begin(self, operation: str | None) -> None: ...

    def commit(self, operation: str | None) -> None: ...


_recorder: _Recorder | None = None
_history: Any = None  # `history.History` of the open data dir: point-in-time restores read it
_replacer: Callable[..., None] | None = None  # `service.Durability.replace_tables`


def activate(recorder: _Recorder, history: Any = None,
             replacer: Callable[..., None] | None = None) -> None:
    global _recorder, _history, _replacer
    _recorder, _history, _replacer = recorder, history, replacer


def deactivate() -> None:
    global _recorder, _history, _replacer
    _recorder = _history = _replacer = None


def table_replacer() -> Callable[..., None] | None:
    """What puts a whole new set of tables in place durably, or None (`--in-memory`)."""
    return _replacer


def history() -> Any:
    """The data dir's history, or None when the emulator keeps none (`--in-memory`)."""
    return _history


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
