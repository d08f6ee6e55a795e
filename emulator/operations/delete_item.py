"""DeleteItem: removes the item with the given key, if its condition holds.

Read top to bottom as DynamoDB runs it: the table; the Key (the table's key attributes
exactly, of their types, not empty, within the size limits); the condition
(ConditionExpression or legacy Expected); then, on the store, the old item, the condition on
it (a failed one still costs capacity and answers the old item when
ReturnValuesOnConditionCheckFailure is ALL_OLD), the delete with its undo and journal notes,
the indexes, the stream record (REMOVE), the capacity (1 WCU even when there was no item),
and the answer.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import pipeline, writes
from ddbkit.emulator.operations.call import Answer, Call, answer


def run(call: Call) -> Answer:
    params = call.params
    table = pipeline.resolve_table(call, params["TableName"])
    key = writes.decoded_map(params["Key"])
    keys = writes.check_key(table, key)
    condition = writes.conditions(params)
    with writes.metered(call) as metering:
        old = writes.read_old(table, keys)
        writes.image_before(metering, table, old)
        writes.condition_on_stored(metering, table, keys, condition, old)
        if old is None:
            writes.charge_failed(metering, table, keys)  # nothing to delete: still 1 WCU
        else:
            writes.delete(table, keys)
            writes.maintain_indexes(table, old, None)
            writes.stream(table, old, None)
            writes.charge_write(metering, table, None)
    result: dict[str, Any] = {}
    writes.old_attributes(params, old, result)
    writes.consumed(metering, table.name, result)
    writes.collection_metrics(params, table, key[table.hash_key_attr], result)
    return answer(result)
