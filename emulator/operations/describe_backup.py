"""DescribeBackup: a backup's details and its source table's settings."""

from __future__ import annotations

from ddbkit.emulator.moto_ext import backup_calls
from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.backup_lookup import backup_named
from ddbkit.emulator.operations.call import Answer, Call


def run(call: Call) -> Answer:
    backup = backup_named(call)
    return pipeline.shaped_answer(call,
                                  {"BackupDescription": backup_calls.description(backup)})
