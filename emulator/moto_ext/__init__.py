"""Everything that changes moto's own behaviour, one module per extension (see DESIGN.md).

`install()` applies them once per process, in the order below. Each extension checks that the
moto internals it replaces still have the shape it was written for, and raises
`MotoShapeError` otherwise, so a moto upgrade fails loudly at start-up instead of misbehaving.
`store` is the shared door to moto's store (lock, shape checks, key helpers); no extension
imports this package's `__init__`.

Every item write is ddbkit's own: operations/put_item.py, delete_item.py, update_item.py,
batch_write_item.py, transact_write_items.py, the PartiQL operations, ImportTable and the TTL
sweep (operations/expiry.py) call the same stages in order (operations/writes.py,
updates.py; moto's update parser through item_updates, the update itself applied by
expressions/). No extension wraps moto's `Table.put_item` or `Table.delete_item`.

Stream shards
and their records are ddbkit's (`emulator/store/`): moto's `StreamShard` gives way to
ddbkit's as soon as moto makes one (`table_calls.own_stream`). The DynamoDB Streams,
table-control (CreateTable and UpdateTable included), backup, restore, export and import
operations are ddbkit's own (`emulator/operations/`); they call moto through `calls`,
`table_calls`, `stream_shards` (which trims a shard before it is read), `backup_calls`,
`restored_tables` and `answers`.

The fidelity extensions (issue 14) come after the others. aws_sizes replaces moto's
`DynamoType.size` (capacity/sizes.py). UpdateItem, TransactWriteItems, Query and Scan are
ddbkit's own (operations/update_item.py, transact_write_items.py, query.py, scan.py): they
call moto's expression parsers through `item_updates` and `condition_trees` (ddbkit
evaluates conditions, filters and updates itself: `expressions/`), `reads`
and `key_conditions`, and rewrite legacy parameters with operations/legacy_conditions.py; the
PartiQL operations run each statement through the item operations' stages.
Modules here without an `install()` (calls, reads, instance_tracking, key_values,
projection_paths, ...) are called by ddbkit's code and replace nothing.
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
            aws_sizes,
            canonical_numbers,
            item_size,
            number_values,
            scalar_values,
        )

        for extension in (scalar_values, item_size, number_values,
                          canonical_numbers, aws_sizes):
            extension.install()
        _installed = True
