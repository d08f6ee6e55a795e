"""On-demand backups in journal and snapshot records, and `store.tables.Backup`s built back.

A backup is a frozen copy of a table (made at CreateBackup: `store.backup_calls`), so its
record is written once, when it appears (`["B", arn, document]`), and its deletion is
`["b", arn]`. The document is DescribeBackup's BackupDetails, the source table's settings as
it was backed up (`tablemeta`) and its items' images:

    {"BackupDetails": {"BackupArn", "BackupName", "BackupStatus", "BackupType",
                       "BackupCreationDateTime"},
     "SourceTable": settings, "Items": [image, ...]}
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.durability.images import build_item, item_image, store_item
from ddbkit.emulator.durability.tablemeta import SettingsError, build_table, table_settings
from ddbkit.emulator.store.access import table_items
from ddbkit.emulator.store.backup_records import backup_details, new_backup


def backup_document(backup: Any) -> dict[str, Any]:
    table = backup.table
    return {"BackupDetails": backup_details(backup), "SourceTable": table_settings(table),
            "Items": [item_image(item) for item in table_items(table)]}


def build_backup(document: dict[str, Any]) -> Any:
    table = build_table(document["SourceTable"])
    for image in document["Items"]:
        store_item(table, build_item(image, table.hash_key_attr, table.range_key_attr))
    backup = new_backup(document["BackupDetails"], table)
    if backup.arn != document["BackupDetails"]["BackupArn"]:
        raise SettingsError(f"backup {document['BackupDetails']['BackupArn']} does not "
                            f"fit its table {table.table_arn}")
    return backup
