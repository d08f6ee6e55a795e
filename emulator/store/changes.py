"""Which items a request touched: the keys the journal writes after-images for.

ddbkit's write operations (operations/writes.py, which
TTL deletes and imports use too) note (table, hash key, range key) for every item they
write (`note`). `durability.recorder` drains the notes at the end of each request, under the
store lock, and journals what is stored under those keys then.

The durability layer calls `record(True)` when it opens a journal and `record(False)` when
it closes it, so an in-memory emulator pays one flag test per write. Only code holding
`STORE_LOCK` writes to the store, so one process-wide list is enough.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.store.access import STORE_LOCK

Touched = tuple[Any, Any, Any]  # (Table, hash Key, range Key or None)

_touched: list[Touched] = []
_recording = False  # only while a journal is open: nobody else drains the list


def record(on: bool) -> None:
    """Starts or stops noting touched keys."""
    global _recording
    with STORE_LOCK:
        _recording = on
        _touched.clear()


def drain() -> list[Touched]:
    """The keys touched since the last drain (call under STORE_LOCK)."""
    if not _touched:
        return []
    found = list(_touched)
    _touched.clear()
    return found


def note(table: Any, hash_key: Any, range_key: Any) -> None:
    """Keys a write by ddbkit's own operations touched (operations/writes.py)."""
    if _recording:
        _touched.append((table, hash_key, range_key))
