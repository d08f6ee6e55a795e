"""moto's stream record and backup objects, for `durability` to fill.

`durability.tablemeta` and `durability.backups` keep the record format; this module knows
only how moto holds a stream record and a backup. Tables: `table_settings`.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models.table import Backup, StreamRecord

from ddbkit.emulator.moto_ext.table_settings import epoch, naive_utc

_new = object.__new__


def stream_record(record: dict[str, Any]) -> Any:
    """A moto stream record holding `record` (its constructor would make a new one)."""
    built: Any = _new(StreamRecord)
    built.record = record
    return built


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

