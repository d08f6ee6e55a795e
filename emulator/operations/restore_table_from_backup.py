"""RestoreTableFromBackup: a new table holding what the backup holds, with the request's
overrides (billing, throughput, GSIs, LSIs, SSE; `store.restores`).

moto's restore lost the billing mode and ignored the overrides. The answer describes the
new table CREATING; its items are copied and its indexes built off the request path, then it
turns ACTIVE (`restore_jobs`).
"""

from __future__ import annotations

from ddbkit.emulator.operations import pipeline, restore_jobs
from ddbkit.emulator.operations.backup_lookup import backup_named
from ddbkit.emulator.operations.call import Answer, Call, OperationError
from ddbkit.emulator.operations.timestamps import naive_utc
from ddbkit.emulator.store import backup_calls, restores
from ddbkit.emulator.store.clock import now
from ddbkit.emulator.store.tables import copied_items


def run(call: Call) -> Answer:
    backup = backup_named(call)
    target = call.params["TargetTableName"]
    backend = pipeline.backend(call)
    if backup_calls.table_named(backend, target) is not None:
        raise OperationError("TableAlreadyExistsException", f"Table already exists: {target}")
    shown, work = (restores.from_backup(target, backup, call.params, naive_utc(now()))
                   for _ in range(2))
    work.created_at = shown.created_at
    backend.tables[target] = shown
    # a backup never changes: read without the lock (its copy finished first, if under way)
    restore_jobs.start(backend, shown, work,
                       lambda: copied_items(backup.table.items), backup.arn)
    return pipeline.shaped_answer(call, backup_calls.describe(shown))
