"""moto's backup objects, for `durability` to fill.

`durability.backups` keeps the record format; this module knows only how moto holds a
backup. Tables: `table_settings`; stream records are ddbkit's (`store.stream_records`).
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models.table import Backup

from ddbkit.emulator.moto_ext.table_settings import epoch, naive_utc

_new = object.__new__


def backup_details(backup: Any) -> dict[str, Any]:
    """DescribeBackup's BackupDetails, less the size (counted, not kept)."""
    return {"BackupArn": backup.arn, "BackupName": backup.name,
            "BackupStatus": backup.status, "BackupType": backup.type,
            "BackupCreationDateTime": epoch(backup.creation_date_time)}


def new_backup(details: dict[str, Any], table: Any) -> Any:
    """The backup `details` describe, of `table` (taken as it is: not copied again)."""
    _, _, _, region, account, _ = details["BackupArn"].split(":", 5)
    # Backup deep-copies the table it is given: a blank one, replaced by the real one.
    backup = Backup(account, region, details["BackupName"], _new(type(table)),
                    status=details["BackupStatus"], type_=details["BackupType"])
    backup.table = table
    backup.creation_date_time = naive_utc(details["BackupCreationDateTime"])
    backup.identifier = details["BackupArn"].rsplit("/", 1)[-1]
    return backup

