"""DeleteBackup: the backup goes at once (BackupInUseException while a restore reads it); the
answer describes it, BackupStatus DELETED."""

from __future__ import annotations

from ddbkit.emulator.operations import pipeline, restore_jobs
from ddbkit.emulator.operations.backup_lookup import backup_named
from ddbkit.emulator.operations.call import Answer, Call, OperationError
from ddbkit.emulator.store import backup_calls
from ddbkit.emulator.store.table_releases import release_later


def run(call: Call) -> Answer:
    backup_named(call)  # BackupNotFoundException before anything changes
    if restore_jobs.backup_in_use(call.params["BackupArn"]):
        raise OperationError("BackupInUseException",
                             f"Backup is being restored to a table: {call.params['BackupArn']}")
    backup = backup_calls.delete_backup(pipeline.backend(call), call.params["BackupArn"])
    release_later(backup)  # its copy of the items, freed off the request path
    return pipeline.shaped_answer(call,
                                  {"BackupDescription": backup_calls.description(backup)})
