"""PutItem: stores a whole item, replacing any item with its key, if its condition holds.

Read top to bottom as DynamoDB runs it: the table; the item's checks (empty key values and
sets, index key types and sizes, its table keys, values in range, 400 KB); the condition
(ConditionExpression or legacy Expected); then, on the store, the old item, the condition on
it (a failed one still costs capacity and answers the old item when
ReturnValuesOnConditionCheckFailure is ALL_OLD), the write with its undo and journal notes,
the indexes, the stream record (INSERT or MODIFY), the capacity, and the answer.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import pipeline, writes
from ddbkit.emulator.operations.call import Answer, Call, answer


def run(call: Call) -> Answer:
    params = call.params
    table = pipeline.resolve_table(call, params["TableName"])
    item = writes.decoded_map(params["Item"])
    writes.check_item(table, item)
    condition = writes.conditions(params)
    keys = writes.item_keys(table, item)
    with writes.metered(call) as metering:
        old = writes.read_old(table, keys)
        new = writes.build(table, keys, item)
        writes.image_before(metering, table, old)
        writes.condition_on_stored(metering, table, keys, condition, old)
        writes.put(table, keys, new)
        writes.maintain_indexes(table, old, new)
        writes.stream(table, old, new)
        writes.charge_write(metering, table, new)
    result: dict[str, Any] = {}
    writes.old_attributes(params, old, result)
    writes.consumed(metering, table.name, result)
    writes.collection_metrics(params, table, item[table.hash_key_attr], result)
    return answer(result)
