"""Where ddbkit calls moto, one module per concern (see DESIGN.md); nothing here replaces an
attribute of moto (tests/moto_patches.py counts 0 at run time).

A module that reads moto's internals checks they still have the shape it was written for
(`store.require`), and raises `MotoShapeError` otherwise, so a moto upgrade fails loudly
instead of misbehaving. `store` is the shared door to the store (lock, shape checks, key
helpers); no module imports this package's `__init__`.

Every item write is ddbkit's own: operations/put_item.py, delete_item.py, update_item.py,
batch_write_item.py, transact_write_items.py, the PartiQL operations, ImportTable and the TTL
sweep (operations/expiry.py) call the same stages in order (operations/writes.py,
updates.py; the update read and applied by expressions/). No extension wraps moto's
`Table.put_item` or `Table.delete_item`.

Tables, their
indexes, backups and restored tables are ddbkit's own (`store/tables.py`, `store/restores.py`),
registered per account and region in `store/catalog.py`; moto's `Table`, its index and
backup classes and its backend dicts are not used. Stream shards and their records are
ddbkit's too (`emulator/store/`). The DynamoDB Streams, table-control (CreateTable and
UpdateTable included), backup, restore, export and import operations are ddbkit's own
(`emulator/operations/`; `operations/stream_views.py` reads a table's stream and trims its
shard before it is read); they reach the store through `calls`, `table_calls` (moto's
CreateTable checks), `backup_calls` and `answers`.

Stored items are ddbkit's own (`emulator/store/item.py`: attributes as DynamoDB JSON,
canonical numbers, `Key`s in DynamoDB's order, sizes by DynamoDB's rules): moto's `Item` and
`DynamoType` hold nothing, so none of their methods is replaced. UpdateItem,
TransactWriteItems, Query and Scan are ddbkit's own (operations/update_item.py,
transact_write_items.py, query.py, scan.py): ddbkit reads UpdateExpressions, conditions and
filters (key conditions too) and evaluates them itself (`expressions/`); they call moto
through `reads`, and rewrite legacy parameters with
operations/legacy_conditions.py; the PartiQL operations run each statement through the item
operations' stages.
Every module here (calls, reads, key_values, projection_paths, ...) is
called by ddbkit's code and replaces nothing.
"""
