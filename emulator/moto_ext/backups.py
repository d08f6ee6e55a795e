"""On-demand backups as DynamoDB lists and restores them.

Replaces moto's `DynamoHandler.list_backups`, which ignores every parameter but TableName
(no time range, no backup type, no paging), `Backup.details` and `summary`, whose
BackupSizeBytes is 123 for any backup, and `restore_table_from_backup`, whose
`RestoredTable` loses the billing mode and ignores the request's overrides
(`restored_tables`). A backup's creation time is the emulator's clock (`clock.now()`), not
the wall clock, so time-range filters are testable. Backups are journaled and snapshotted
with the tables (`durability.recorder`), so they survive restarts.

Backups are made and restored synchronously, under the store lock: no backup is ever
CREATING or being restored when another request arrives, so DynamoDB's BackupInUseException
and TableInUseException never apply here.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from moto.dynamodb.exceptions import MockValidationException, TableAlreadyExistsException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Backup, RestoredTable
from moto.dynamodb.responses import DynamoHandler, DynamoResult

from ddbkit.emulator.moto_ext.clock import now
from ddbkit.emulator.moto_ext.indexes import indexes_for
from ddbkit.emulator.moto_ext.restored_tables import restored_table
from ddbkit.emulator.moto_ext.store import require, table_items

MAX_LIMIT = 100  # ListBackups' Limit: 1-100, and its page size when none is given


def utc(epoch: float) -> datetime:
    """moto's kind of datetime (naive UTC) for an epoch time."""
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return float(value)


def _wrap_create(original: Any) -> Any:
    def create_backup(self: DynamoDBBackend, table_name: str, backup_name: str) -> Backup:
        backup: Backup = original(self, table_name, backup_name)
        backup.creation_date_time = utc(now())
        return backup

    return create_backup


def _with_size(original: property) -> property:
    """moto answers BackupSizeBytes 123 for every backup; DynamoDB gives the table's size."""
    def sized(self: Backup) -> dict[str, Any]:
        answer: dict[str, Any] = original.fget(self)  # type: ignore[misc]
        answer["BackupSizeBytes"] = backup_size(self)
        return answer

    return property(sized)


def backup_size(backup: Any) -> int:
    """The items' DynamoDB size, computed once: a backup never changes."""
    size = getattr(backup, "_ddbkit_size", None)
    if size is None:
        size = backup._ddbkit_size = sum(item.size() for item in table_items(backup.table))
    return int(size)


def list_backups(self: DynamoHandler) -> DynamoResult:
    body = self.body
    table_name = body.get("TableName")
    wanted = body.get("BackupType") or "USER"
    lower, upper = body.get("TimeRangeLowerBound"), body.get("TimeRangeUpperBound")
    limit = int(body.get("Limit") or MAX_LIMIT)
    backups = [b for b in self.dynamodb_backend.backups.values()
               if table_name in (None, b.table.name, b.table.table_arn)
               and wanted in ("ALL", b.type)
               and (lower is None or _created(b) >= _epoch(lower))
               and (upper is None or _created(b) <= _epoch(upper))]
    backups.sort(key=lambda b: (_created(b), b.arn))
    start = body.get("ExclusiveStartBackupArn")
    if start is not None:
        arns = [b.arn for b in backups]
        if start not in arns:
            raise MockValidationException(f"Invalid ExclusiveStartBackupArn: {start}")
        backups = backups[arns.index(start) + 1:]
    page = backups[:limit]
    result: dict[str, Any] = {"BackupSummaries": [b.summary for b in page]}
    if len(backups) > limit:
        result["LastEvaluatedBackupArn"] = page[-1].arn
    return DynamoResult(result)


def _created(backup: Any) -> float:
    return _epoch(backup.creation_date_time)


def restore_table_from_backup(self: DynamoHandler) -> DynamoResult:
    body, backend = self.body, self.dynamodb_backend
    backup = backend.get_backup(body.get("BackupArn"))  # BackupNotFoundException
    target = body.get("TargetTableName")
    if target in backend.tables:
        raise TableAlreadyExistsException(target)
    source = backup.table
    items = copy.deepcopy(source.items)
    table = restored_table(RestoredTable, target, source, items, body, utc(now()))
    table.source_backup_arn = backup.arn
    backend.tables[target] = table
    indexes_for(table)  # as CreateTable does: built now, not by the first Query
    return DynamoResult(table.describe())


def install() -> None:
    require(DynamoHandler, "list_backups", "restore_table_from_backup")
    require(DynamoDBBackend, "create_backup", "get_backup")
    require(Backup, "details", "summary")
    owner: Any = DynamoDBBackend
    owner.create_backup = _wrap_create(owner.create_backup)
    backup: Any = Backup
    backup.details = _with_size(backup.details)
    backup.summary = _with_size(backup.summary)
    handler: Any = DynamoHandler
    handler.list_backups = list_backups
    handler.restore_table_from_backup = restore_table_from_backup
