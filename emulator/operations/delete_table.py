"""DeleteTable: removes a table with its items and indexes, answering its last description.

DynamoDB answers the table DELETING; it is gone at once here (the next DescribeTable is
ResourceNotFoundException), so waiters see it deleted on their first poll. A table with
deletion protection is refused in DynamoDB's wording (a ValidationException, as AWS answers
it) and nothing changes. The removal is journaled by the endpoint's bracket like any other
settings change, so a deleted table stays deleted after a restart. Its items and indexes
are freed off the request path (`store.table_releases`).
"""

from __future__ import annotations

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call, validation_error
from ddbkit.emulator.operations.output import shaped_answer
from ddbkit.emulator.store import access
from ddbkit.emulator.store.table_description import describe
from ddbkit.emulator.store.table_releases import release_later

DELETING = "DELETING"
PROTECTED = ("Resource cannot be deleted as it is currently protected against deletion. "
             "Disable deletion protection first.")


def run(call: Call) -> Answer:
    name = call.params["TableName"]
    access.refuse_while_creating(pipeline.backend(call).table(name))
    table = pipeline.resolve_table(call, name)
    if table.deletion_protection_enabled:
        raise validation_error(PROTECTED)
    description = describe(table)
    description["TableDescription"]["TableStatus"] = DELETING
    access.delete_table(pipeline.backend(call), name)
    release_later(table)  # its million objects, freed off the request path
    return shaped_answer(call, description)
