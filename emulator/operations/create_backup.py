"""CreateBackup: a frozen copy of a table, AVAILABLE by the time it is answered.

The backup is made under the store lock, so no backup is ever CREATING when another request
arrives (DynamoDB's BackupInUseException and TableInUseException never apply here). Its
creation time is the emulator's clock (`clock.now()`), not the wall clock, so ListBackups'
time-range filters are testable; its BackupSizeBytes is its items' DynamoDB size (moto said
123 for any backup). Durability journals and snapshots it with the tables.
"""

from __future__ import annotations

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call, OperationError
from ddbkit.emulator.operations.timestamps import naive_utc
from ddbkit.emulator.store import access, backup_calls
from ddbkit.emulator.store.clock import now


def run(call: Call) -> Answer:
    name = call.params["TableName"]  # a table's name or its ARN
    backend = pipeline.backend(call)
    table = access.find_table(backend, name)
    if table is None:
        raise OperationError("TableNotFoundException", f"Table not found: {name}")
    backup = backup_calls.create_backup(backend, table.name, call.params["BackupName"],
                                        naive_utc(now()))
    return pipeline.shaped_answer(call, {"BackupDetails": backup_calls.details(backup)})
