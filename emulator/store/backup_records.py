"""Backups as the data dir's records describe them, and back.

`durability.backups` keeps the record format; this module knows how a `store.tables.Backup`
holds one. Tables: `store.settings`; stream records: `store.stream_records`.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.store.settings import epoch, naive_utc
from ddbkit.emulator.store.tables import Backup, Table


def backup_details(backup: Backup) -> dict[str, Any]:
    """DescribeBackup's BackupDetails, less the size (counted, not kept)."""
    return {"BackupArn": backup.arn, "BackupName": backup.name,
            "BackupStatus": backup.status, "BackupType": backup.type,
            "BackupCreationDateTime": epoch(backup.creation_date_time)}


def new_backup(details: dict[str, Any], table: Table) -> Backup:
    """The backup `details` describe, of `table` (taken as it is: not copied again)."""
    _, _, _, region, account, _ = details["BackupArn"].split(":", 5)
    return Backup(account, region, details["BackupName"], table,
                  naive_utc(details["BackupCreationDateTime"]),
                  details["BackupArn"].rsplit("/", 1)[-1], status=details["BackupStatus"],
                  type=details["BackupType"])

