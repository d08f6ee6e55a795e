"""CreateTable: a new table with its key schema, indexes, billing, stream, tags and settings.

Read top to bottom as DynamoDB runs it. The endpoint already checked everything the request
says on its own (`endpoint/rules/schema.py` and `tags.py`: the key schema against the
attribute definitions, unused definitions, index names, counts and projections, billing mode
with throughput, the stream specification, the table name's rules), in DynamoDB's wording.
Here: WarmThroughput against the throughput (`warm_throughput`); a table of that name is
ResourceInUseException; then the table is made in the store with its indexes built, and
the answer is its description, ACTIVE at once (DynamoDB answers CREATING and is ACTIVE some
seconds later; waiters see it ACTIVE on their first poll). The new table's settings are
journaled by the endpoint's bracket like any settings change.
"""

from __future__ import annotations

from ddbkit.emulator.operations import pipeline, warm_throughput
from ddbkit.emulator.operations.call import Answer, Call, OperationError
from ddbkit.emulator.operations.output import shaped_answer
from ddbkit.emulator.store import access, table_calls
from ddbkit.emulator.store.table_description import describe


def run(call: Call) -> Answer:
    params = call.params
    name = params["TableName"]
    backend = pipeline.backend(call)
    warm_throughput.check(params)
    if name in access.tables(backend):
        raise OperationError("ResourceInUseException", f"Table already exists: {name}")
    table = table_calls.create_new_table(backend, params)
    return shaped_answer(call, describe(table))
