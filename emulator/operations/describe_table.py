"""DescribeTable: the table's settings, status, indexes, sizes and counts.

A GSI that an earlier UpdateTable created is CREATING while its backfill runs (off the
request path, `store.backfills`) and ACTIVE from the first describe after it ends. A table
that does not exist is ResourceNotFoundException, naming it.
"""

from __future__ import annotations

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call, not_found
from ddbkit.emulator.operations.output import shaped_answer
from ddbkit.emulator.store import access
from ddbkit.emulator.store.table_calls import finish_backfills
from ddbkit.emulator.store.table_description import describe


def run(call: Call) -> Answer:
    name = call.params["TableName"]
    table = access.tables(pipeline.backend(call)).get(name)
    if table is None:
        raise not_found(f"Requested resource not found: Table: {name} not found")
    finish_backfills(table)
    return shaped_answer(call, describe(table, "Table"))
