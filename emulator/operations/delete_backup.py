"""DeleteBackup: the backup goes at once; the answer describes it, BackupStatus DELETED."""

from __future__ import annotations

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.backup_lookup import backup_named
from ddbkit.emulator.operations.call import Answer, Call
from ddbkit.emulator.store import backup_calls


def run(call: Call) -> Answer:
    backup_named(call)  # BackupNotFoundException before anything changes
    backup = backup_calls.delete_backup(pipeline.backend(call), call.params["BackupArn"])
    return pipeline.shaped_answer(call,
                                  {"BackupDescription": backup_calls.description(backup)})
