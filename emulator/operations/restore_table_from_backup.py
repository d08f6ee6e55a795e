"""RestoreTableFromBackup: a new table holding what the backup holds, with the request's
overrides (billing, throughput, GSIs, LSIs, SSE; `store.restores`).

moto's restore lost the billing mode and ignored the overrides. The restore completes
before the answer, under the store lock; its indexes are built at once.
"""

from __future__ import annotations

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.backup_lookup import backup_named
from ddbkit.emulator.operations.call import Answer, Call, OperationError
from ddbkit.emulator.operations.timestamps import naive_utc
from ddbkit.emulator.store import backup_calls, restores
from ddbkit.emulator.store.clock import now


def run(call: Call) -> Answer:
    backup = backup_named(call)
    target = call.params["TargetTableName"]
    backend = pipeline.backend(call)
    if backup_calls.table_named(backend, target) is not None:
        raise OperationError("TableAlreadyExistsException", f"Table already exists: {target}")
    table = restores.from_backup(target, backup, call.params, naive_utc(now()))
    backup_calls.add_table(backend, table)
    return pipeline.shaped_answer(call, backup_calls.describe(table))
