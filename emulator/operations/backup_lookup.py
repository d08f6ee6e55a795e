"""The backup a request names by its ARN, or DynamoDB's BackupNotFoundException."""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Call, OperationError
from ddbkit.emulator.store import backup_calls


def backup_named(call: Call) -> Any:
    arn = call.params["BackupArn"]
    backup = backup_calls.backups(pipeline.backend(call)).get(arn)
    if backup is None:
        raise OperationError("BackupNotFoundException", f"Backup not found: {arn}")
    return backup
