"""Everything that changes moto's own behaviour, one module per extension (see DESIGN.md).

`install()` applies them once per process, in the order below. Each extension checks that the
moto internals it replaces still have the shape it was written for, and raises
`MotoShapeError` otherwise, so a moto upgrade fails loudly at start-up instead of misbehaving.
`store` is the shared door to moto's store (lock, shape checks, key helpers); no extension
imports this package's `__init__`.

Order matters where extensions wrap the same moto method. Three wrap
`DynamoDBBackend.update_item`; each installed later wraps the earlier ones, so a call runs
item_size -> indexes -> stream_records -> moto:
- stream_records innermost: it folds moto's put-then-update of a new item into one INSERT
  record, looking only at what moto itself appended;
- indexes around it: it re-keys the item after moto (and the record fix) changed it in place;
- item_size outermost: it forgets remembered sizes before and after everything else.
`tests/test_moto_ext.py` checks this chain.

instance_tracking goes first, so nothing built after start-up is recorded. stream_retention
wraps the `StreamShard.add` that stream_records sets, so every record, however it is written,
is stamped and trimmed; stream_iterators reads shards through stream_retention's trim.
"""

from __future__ import annotations

from ddbkit.emulator.moto_ext.store import STORE_LOCK

_installed = False


def install() -> None:
    global _installed
    with STORE_LOCK:
        if _installed:
            return
        from ddbkit.emulator.moto_ext import (
            direct_call,
            fast_dispatch,
            fast_serializer,
            indexes,
            instance_tracking,
            item_size,
            scalar_values,
            stream_iterators,
            stream_records,
            stream_retention,
            transactions,
            ttl_deletes,
        )

        for extension in (instance_tracking, fast_dispatch, direct_call, stream_records,
                          stream_retention, stream_iterators, indexes, transactions,
                          scalar_values, item_size, fast_serializer, ttl_deletes):
            extension.install()
        _installed = True
