"""Which items a request touched: the keys the journal writes after-images for.

moto has no notion of a change set. ddbkit's write operations note (table, hash key, range
key) for every item they write (`note`), and this module wraps `Table.put_item` and
`Table.delete_item` for the writes that still go through moto's table (TTL deletes,
restores), whether they succeeded or not (a refused write costs one spare after-image,
which replays to the same state). `durability.recorder` drains the notes at the
end of each request, under the store lock, and journals what is stored under those keys then.

It changes no behaviour, so it is not in `moto_ext.install()`'s list: the durability layer
calls `record(True)` when it opens a journal and `record(False)` when it closes it, and an
in-memory emulator pays nothing for it. It wraps outermost (after every other extension),
which is order-independent: it only reads the call's arguments and result. Only code holding
`STORE_LOCK` writes to moto's store, so one process-wide list is enough.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models.table import Table

from ddbkit.emulator.moto_ext.store import STORE_LOCK, request_keys, require

Touched = tuple[Any, Any, Any]  # (moto Table, hash DynamoType, range DynamoType or None)

_touched: list[Touched] = []
_installed = False
_recording = False  # only while a journal is open: nobody else drains the list


def record(on: bool) -> None:
    """Starts (installing the wrappers once) or stops noting touched keys."""
    global _recording
    if on:
        install()
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


def _wrap_put_item(original: Any) -> Any:
    def put_item(self: Table, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, item_attrs, *args, **kwargs)
        finally:
            keys = request_keys(self, item_attrs) if _recording else None
            if keys is not None:
                _touched.append((self, *keys))

    return put_item


def _wrap_delete_item(original: Any) -> Any:
    def delete_item(self: Table, hash_key: Any, range_key: Any) -> Any:
        try:
            return original(self, hash_key, range_key)
        finally:
            if _recording:
                _touched.append((self, hash_key, range_key))

    return delete_item



def install() -> None:
    global _installed
    with STORE_LOCK:
        if _installed:
            return
        require(Table, "put_item", "delete_item")
        Table.put_item = _wrap_put_item(Table.put_item)  # type: ignore[method-assign]
        Table.delete_item = _wrap_delete_item(Table.delete_item)  # type: ignore[method-assign]
        _installed = True
