"""On-demand backups in journal and snapshot records, and moto's Backup objects built back.

A backup is a frozen copy of a table (moto deep-copies it at CreateBackup), so its record is
written once, when it appears (`["B", arn, document]`), and its deletion is `["b", arn]`.
The document holds the backup's own fields, the table's settings and its items' images.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.durability.images import build_item, item_image, store_item
from ddbkit.emulator.durability.tablemeta import build_table, table_settings
from ddbkit.emulator.moto_ext.store import table_items
from ddbkit.emulator.moto_ext.table_records import blank_backup

_FIELDS = ("name", "status", "type", "creation_date_time", "identifier", "account_id",
           "region_name")


def backup_document(backup: Any) -> dict[str, Any]:
    table = backup.table
    return {"fields": {name: getattr(backup, name) for name in _FIELDS},
            "table": table_settings(table),
            "items": [item_image(item) for item in table_items(table)]}


def build_backup(document: dict[str, Any]) -> Any:
    backup = blank_backup()
    for name in _FIELDS:
        setattr(backup, name, document["fields"][name])
    table = build_table(document["table"])
    for image in document["items"]:
        store_item(table, build_item(image, table.hash_key_attr, table.range_key_attr))
    backup.table = table
    return backup
