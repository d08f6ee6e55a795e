"""What the backup, restore and import operations (`emulator/operations/`) call in the store.

What these operations keep is in the account's catalog (`store.catalog`), in the form
durability journals and snapshots: `backups` (`store.tables.Backup`s, each a frozen copy of
its table), `table_exports` and `table_imports` (DescribeExport and DescribeImport answers,
by ARN) and `tables`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ddbkit.emulator.store import item_copies
from ddbkit.emulator.store.access import table_items
from ddbkit.emulator.store.catalog import Catalog
from ddbkit.emulator.store.item_copies import ItemsCopy
from ddbkit.emulator.store.settings import build_table, settings_of
from ddbkit.emulator.store.table_calls import create_new_table
from ddbkit.emulator.store.table_description import counted, current, install
from ddbkit.emulator.store.table_description import describe as describe_table
from ddbkit.emulator.store.tables import Backup, backup_identifier


@dataclass(frozen=True, slots=True)
class BackupEntry:
    """What ListBackups filters and sorts a backup by, and the backup itself."""

    arn: str
    table_name: str
    table_arn: str
    type: str
    created: float  # epoch seconds
    backup: Backup


def table_named(backend: Any, name: Any) -> Any:
    return backend.tables.get(name)


def table_with_arn(backend: Any, arn: Any) -> Any:
    return next((t for t in backend.tables.values() if t.table_arn == arn), None)


def drop_table(backend: Any, name: str) -> None:
    del backend.tables[name]


def describe(table: Any) -> dict[str, Any]:
    """DescribeTable's answer for `table` ({"TableDescription": ...})."""
    return describe_table(table)


# -- backups ------------------------------------------------------------------------------

def backups(backend: Any) -> dict[str, Any]:
    """The backups by ARN (`store.tables.Backup`s)."""
    return backend.backups  # type: ignore[no-any-return]


def entries(backend: Any) -> list[BackupEntry]:
    return [BackupEntry(b.arn, b.frozen.name, b.frozen.table_arn, b.type,
                        _epoch(b.creation_date_time), b) for b in backend.backups.values()]


def create_backup(backend: Catalog, table_name: str, backup_name: str,
                  created_at: datetime) -> Any:
    """A new backup of the table, created at `created_at` (naive UTC, the emulator's clock):
    a frozen copy of its settings, as the data dir would give them back, and of its item
    dict (the items themselves are shared: none changes in place), made in the background a
    slice at a time (`store.item_copies`; whoever reads the items first finishes it:
    `Backup.table`). Its size and figures are the table's (kept current by every
    write: nothing is walked). The journal records it by reference (`taken_from`): it is
    complete when answered, so it is AVAILABLE at once."""
    source = backend.tables[table_name]
    frozen = build_table(settings_of(source))
    copying = item_copies.begin(source)
    # the map the copy fills, so the figures stay its own once it is whole: a DescribeBackup
    # or DeleteBackup then counted every item again (0.1-0.3 s at 100k, requests waiting)
    frozen.items = copying.items
    install(frozen, counted(source).record())  # DescribeBackup describes it: never counted
    backup = Backup(backend.account_id, backend.region, backup_name, frozen, created_at,
                    backup_identifier(created_at), items_size=counted(source).size,
                    taken_from=source.name, copying=copying)
    backend.backups[backup.arn] = backup
    return backup


def delete_backup(backend: Catalog, arn: str) -> Any:
    """The backup (which exists), removed from the store and marked DELETED."""
    backup = backend.backups.pop(arn)
    backup.status = "DELETED"
    return backup


def backup_size(backup: Backup) -> int:
    """The items' DynamoDB size (moto says 123 for any backup), computed once: a backup
    never changes. A backup built back from its records has it in its figures."""
    if backup.items_size is None:
        known = current(backup.frozen)
        backup.items_size = known.size if known is not None else sum(
            item.size() for item in table_items(backup.table))
    return backup.items_size


def details(backup: Backup) -> dict[str, Any]:
    """DescribeBackup's BackupDetails."""
    return {"BackupArn": backup.arn, "BackupName": backup.name,
            "BackupSizeBytes": backup_size(backup), "BackupStatus": backup.status,
            "BackupType": backup.type, "BackupCreationDateTime": backup.creation_date_time}


def summary(backup: Backup) -> dict[str, Any]:
    """ListBackups' BackupSummary."""
    return {"TableName": backup.frozen.name, "TableArn": backup.frozen.table_arn,
            "BackupArn": backup.arn, "BackupName": backup.name,
            "BackupCreationDateTime": backup.creation_date_time,
            "BackupStatus": backup.status, "BackupType": backup.type,
            "BackupSizeBytes": backup_size(backup)}


def description(backup: Any) -> dict[str, Any]:
    """DescribeBackup's BackupDescription: the details and the source table's settings
    (described as the backup holds it, its creation time as TableCreationDateTime)."""
    source = describe_table(backup.frozen)["TableDescription"]
    return {"BackupDetails": details(backup),
            "SourceTableDetails": {**source, "TableCreationDateTime": source["CreationDateTime"]}}


def items_copy(table: Any) -> ItemsCopy:
    """A copy of a table's items as they are now, sharing nothing the source may change
    later: `finished()` off the request path (a slice per hold of the lock)."""
    return item_copies.begin(table)


def items_of(table: Any) -> Any:
    return table.items


# -- exports and imports ------------------------------------------------------------------

def export_records(backend: Any) -> dict[str, Any]:
    """ExportDescriptions by ARN."""
    return backend.table_exports  # type: ignore[no-any-return]


def import_records(backend: Any) -> dict[str, Any]:
    """ImportTableDescriptions by ARN."""
    return backend.table_imports  # type: ignore[no-any-return]


def create_table(backend: Any, params: dict[str, Any]) -> Any:
    """A new table from TableCreationParameters, made as CreateTable makes one."""
    return create_new_table(backend, _creation(params))


def _creation(params: dict[str, Any]) -> dict[str, Any]:
    """The CreateTable members TableCreationParameters can give (no LSIs, stream, tags)."""
    members = ("TableName", "KeySchema", "AttributeDefinitions", "BillingMode",
               "ProvisionedThroughput", "GlobalSecondaryIndexes", "SSESpecification")
    return {member: params.get(member) for member in members}


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return float(value)
