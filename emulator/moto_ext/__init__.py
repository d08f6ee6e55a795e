"""Everything that changes moto's own behaviour, one module per extension (see DESIGN.md).

`install()` applies them once per process, in the order below. Each extension checks that the
moto internals it replaces still have the shape it was written for, and raises
`MotoShapeError` otherwise, so a moto upgrade fails loudly at start-up instead of misbehaving.
`store` is the shared door to moto's store (lock, shape checks, key helpers); no extension
imports this package's `__init__`.

Order matters where extensions wrap the same moto method. Five wrap
`DynamoDBBackend.update_item` (PartiQL's UPDATE calls it); each installed later wraps the
earlier ones, so a call runs table_description -> item_size -> indexes -> atomic_writes ->
stream_records -> moto:
- table_description outermost: it only marks the table changed, whatever happened inside;
- stream_records innermost: it folds moto's put-then-update of a new item into one INSERT
  record, looking only at what moto itself appended;
- atomic_writes around that: it checks the updated item's index key types and, when the update
  fails, puts the item back and withdraws its stream records, before anything outside sees it;
- indexes around that: it re-keys the item after moto (and the record fix) changed it in place,
  or after atomic_writes put it back;
- item_size around indexes: it forgets remembered sizes before and after everything else.
`Table.put_item` is wrapped by atomic_writes (journal), indexes (re-key after the store) and
index_keys (type check before anything), in any order: each acts only before or only after
moto's store. PutItem, DeleteItem, UpdateItem, BatchWriteItem and TransactWriteItems no
longer pass through these wrappers: operations/put_item.py, delete_item.py, update_item.py,
batch_write_item.py and transact_write_items.py call the same steps in order
(operations/writes.py, updates.py; moto's update parser, validator and executor through
item_updates); the PartiQL operations run through those; the wrappers stay for TTL deletes.
`tests/test_moto_ext.py` checks the update_item chain.

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
call moto's update executor and condition evaluator through `item_updates`, `reads` and
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
