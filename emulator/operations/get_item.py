"""GetItem: one item by its primary key, projected, with the capacity it consumed.

Validation beyond the API model (the endpoint already refused malformed requests, mixed
legacy and expression parameters, undefined or unused `#names`, bad ProjectionExpressions):
the Key against the table's key schema, then its values (operations/keys.py).
"""

from __future__ import annotations

from ddbkit.emulator.capacity.rules import read_step
from ddbkit.emulator.operations import item_reads, keys, pipeline
from ddbkit.emulator.operations.call import Answer, Call, answer
from ddbkit.emulator.store import access


def run(call: Call) -> Answer:
    params = call.params
    key = params["Key"]
    # validate, resolve the table
    table = pipeline.resolve_table(call, params["TableName"])
    keys.check(access.key_schema(table), key)
    paths = item_reads.selection(params)
    # execute on the store
    stored, partition = access.stored(table, key)
    # meter capacity (the throughput model may refuse the read: ThrottlingException)
    meter = pipeline.meter("GetItem", params)
    if meter is not None:
        item_reads.charge(meter, table, stored, read_step(bool(params.get("ConsistentRead"))),
                          partition)
        admit = pipeline.throughput()
        if admit is not None:
            admit(meter.charges)
    # answer
    result = {} if stored is None else {"Item": item_reads.document(stored, paths)}
    if meter is not None and meter.mode is not None:
        result["ConsumedCapacity"] = meter.consumed(table.name)
    return answer(result)
