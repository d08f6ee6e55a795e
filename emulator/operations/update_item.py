"""UpdateItem: changes (or creates) the item with the given key, if its condition holds.

Read top to bottom as DynamoDB runs it: the update (UpdateExpression, its syntax in
DynamoDB's words, or legacy AttributeUpdates, not both; the endpoint already checked that
every #name and :value is defined and used); the table; the Key (the table's key attributes
exactly, of their types, not empty, within the size limits); the update's checks that need
no item (one clause of each kind, no overlapping paths, no key attribute updated, operand
types); the condition (ConditionExpression or legacy Expected); then, on the store, the old
item, the statement's own size charge (UpdateItem's alone: `run_flat` is PartiQL's UPDATE,
which DynamoDB sizes by the finished item only, capacity/sizes.py), the condition on it
(a failed one still costs capacity and answers the old item when
ReturnValuesOnConditionCheckFailure is ALL_OLD), the update applied to the item as DynamoDB
JSON (expressions/updates.py refuses undefined paths and operands of the wrong type), the
item it leaves checked (index key types and sizes, 400 KB), the write with its undo and
journal notes, the indexes, the stream record (INSERT or MODIFY, none when nothing
changed), the capacity (by the larger of the old and new item) and the answer.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import pipeline, updates, writes
from ddbkit.emulator.operations.call import Answer, Call, answer


def run(call: Call) -> Answer:
    return _run(call, charge_statement=True)


def run_flat(call: Call) -> Answer:
    """UpdateItem's stages without the statement's charge: the finished item is the only
    size limit (PartiQL's UPDATE)."""
    return _run(call, charge_statement=False)


def _run(call: Call, charge_statement: bool) -> Answer:
    params = call.params
    update = updates.parse(params)
    table = pipeline.resolve_table(call, params["TableName"])
    key = writes.decoded_map(params["Key"])
    keys = writes.check_key(table, key)
    updates.check_actions(table, update)
    condition = writes.conditions(params)
    with writes.metered(call) as metering:
        old = writes.read_old(table, keys)
        writes.image_before(metering, table, old)
        if charge_statement:
            updates.check_statement_size(update, old)
        writes.condition_on_stored(metering, table, keys, condition, old)
        applied = updates.apply(table, key, old, update)
        new_item: dict[str, Any] | None = applied
        if updates.creates_nothing(table, update, old, applied):
            new_item = None
            writes.charge_failed(metering, table, keys)  # nothing written: still 1 WCU
        else:
            new = updates.checked(table, keys, applied)
            writes.put(table, keys, new)
            writes.maintain_indexes(table, old, new)
            writes.stream(table, old, new)
            writes.charge_write(metering, table, new)
    result: dict[str, Any] = {}
    updates.returned(params, update, old, new_item, result)
    writes.consumed(metering, table.name, result)
    writes.collection_metrics(params, table, key[table.hash_key_attr], result)
    return answer(result)
