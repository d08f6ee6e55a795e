"""Everything that changes moto's own behaviour, one module per extension (see DESIGN.md).

`install()` applies them once per process, in the order below. Each extension checks that the
moto internals it replaces still have the shape it was written for, and raises
`MotoShapeError` otherwise, so a moto upgrade fails loudly at start-up instead of misbehaving.
`store` is the shared door to moto's store (lock, shape checks, key helpers); no extension
imports this package's `__init__`.

Order matters where extensions wrap the same moto method. `Table.put_item` and
`Table.delete_item` (TTL deletes and restores still write through moto's table) are wrapped
by atomic_writes (undo), changes (the journal's change set), indexes (re-key after the
store), index_keys (type check before anything) and table_description (counts), in any
order: each acts only before or only after moto's store. PutItem, DeleteItem, UpdateItem,
BatchWriteItem and TransactWriteItems never pass through these wrappers:
operations/put_item.py, delete_item.py, update_item.py, batch_write_item.py and
transact_write_items.py call the same steps in order (operations/writes.py, updates.py;
moto's update parser through item_updates, the update itself applied by expressions/);
the PartiQL operations run through those.

instance_tracking goes first, so nothing built after start-up is recorded. stream_retention
wraps the `StreamShard.add` that stream_records sets, so every record, however it is written,
is stamped and trimmed. The DynamoDB Streams, table-control (CreateTable and UpdateTable
included), backup, restore, export and import operations are ddbkit's own
(`emulator/operations/`); they call moto through `calls`, `table_calls`,
`stream_shards` (which trims a shard before it is read), `backup_calls`, `restored_tables`
and `answers`.

The fidelity extensions (issue 14) come after the others. aws_sizes replaces moto's
`DynamoType.size` (capacity/sizes.py). UpdateItem, TransactWriteItems, Query and Scan are
ddbkit's own (operations/update_item.py, transact_write_items.py, query.py, scan.py): they
call moto's update parser and condition evaluator through `item_updates`, `reads` and
`key_conditions`, and rewrite legacy parameters with operations/legacy_conditions.py; the
PartiQL operations run each statement through the item operations' stages.
key_values goes last: it refuses items (by the table's schema) before any other extension's
wrapper acts, as DynamoDB does before any work.
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
            atomic_writes,
            aws_sizes,
            binary_values,
            canonical_numbers,
            condition_expressions,
            expression_names,
            fast_dispatch,
            fast_serializer,
            index_keys,
            indexes,
            instance_tracking,
            item_size,
            key_values,
            number_values,
            projection_paths,
            request_gaps,
            scalar_values,
            stream_records,
            stream_retention,
            table_description,
            ttl_deletes,
            validation_wording,
        )

        for extension in (instance_tracking, fast_dispatch, stream_records,
                          stream_retention,
                          atomic_writes, indexes,
                          index_keys, scalar_values, item_size,
                          fast_serializer, ttl_deletes, number_values, condition_expressions,
                          request_gaps,
                          canonical_numbers, projection_paths,
                          binary_values,
                          aws_sizes, table_description,
                          key_values, expression_names,
                          validation_wording):
            extension.install()
        _installed = True
