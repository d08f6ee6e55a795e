"""DescribeBackup: a backup's details and its source table's settings."""

from __future__ import annotations

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.backup_lookup import backup_named
from ddbkit.emulator.operations.call import Answer, Call
from ddbkit.emulator.store import backup_calls


def run(call: Call) -> Answer:
    backup = backup_named(call)
    return pipeline.shaped_answer(call,
                                  {"BackupDescription": backup_calls.description(backup)})
