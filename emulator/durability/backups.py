"""On-demand backups in journal and snapshot records, and `store.tables.Backup`s built back.

A backup is a frozen copy of a table (made at CreateBackup: `store.backup_calls`), so its
record is written once, when it appears (`["B", arn, document]`), and its deletion is
`["b", arn]`. The document is DescribeBackup's BackupDetails, the source table's settings as
it was backed up (`tablemeta`) and its items' images:

    {"BackupDetails": {"BackupArn", "BackupName", "BackupStatus", "BackupType",
                       "BackupCreationDateTime"},
     "SourceTable": settings, "Figures": {"size", "count", "indexes"}, "Items": [image, ...]}

"Figures" (since round 15; optional) are DescribeBackup's item count and sizes, as
CreateBackup took them from the table, so no request counts the items after a restart.

A backup CreateBackup made is journaled by reference instead (`backup_reference`): "ItemsOf"
names its table, whose items at that point of the journal are the backup's, and replay
copies them from the state it has reached (`build_backup`'s `source`). That state is exact
there: a snapshot is fuzzy only until it writes its backups, and it writes every backup made
until then in full (`snapshot.SnapshotWriter`), so a reference inside the fuzzy part of
the segment after it is for a backup replay already has.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

from ddbkit.emulator.durability import encoding
from ddbkit.emulator.durability.images import build_item, item_image, store_item
from ddbkit.emulator.durability.tablemeta import SettingsError, build_table, table_settings
from ddbkit.emulator.store.access import copied_items, table_items
from ddbkit.emulator.store.backup_records import backup_details, new_backup
from ddbkit.emulator.store.table_description import current, install
from ddbkit.emulator.turns import give_way

ITEMS_PER_PART = 1000


def backup_document(backup: Any) -> dict[str, Any]:
    table = backup.table
    return {"BackupDetails": backup_details(backup), "SourceTable": table_settings(table),
            **_figures(backup), "Items": [item_image(item) for item in table_items(table)]}


def _figures(backup: Any) -> dict[str, Any]:
    """`{"Figures": ...}`, the item count and sizes CreateBackup took from its table, when
    known: without them the first DescribeBackup after a restart counted every item, in the
    request (1-2 s at 1M)."""
    found = current(backup.frozen)
    return {} if found is None else {"Figures": found.record()}


def backup_record(arn: str, backup: Any) -> list[bytes]:
    """A snapshot's record of a backup, `{"backup": arn, "document": backup_document(...)}`
    encoded byte for byte, in parts to write as one frame (`framing.write_frame`): its items
    ITEMS_PER_PART at a time. Encoding a large backup in one call held the interpreter, and
    every request, for seconds (a snapshot writes every backup); so did joining the parts
    (three copies of 300 MB at 1M items)."""
    table = backup.table
    head = encoding.dumps({"backup": arn, "document": {
        "BackupDetails": backup_details(backup), "SourceTable": table_settings(table),
        **_figures(backup)}})
    items, parts = iter(table_items(table)), [head[:-2] + b',"Items":[']
    while batch := [item_image(item) for item in islice(items, ITEMS_PER_PART)]:
        give_way()
        if len(parts) > 1:
            parts.append(b",")
        parts.append(encoding.dumps(batch)[1:-1])
    parts.append(b"]}}")
    return parts


def backup_reference(backup: Any, source: str) -> dict[str, Any]:
    """The record of a backup of table `source` as it is at this point of the journal."""
    return {"BackupDetails": backup_details(backup),
            "SourceTable": table_settings(backup.frozen), **_figures(backup), "ItemsOf": source}


def build_backup(document: dict[str, Any], source: Any = None) -> Any:
    """The backup `document` describes; for a reference, with a copy of `source`'s items
    (the table it names, as replayed to that point)."""
    table = build_table(document["SourceTable"])
    if "ItemsOf" in document:
        table.items = copied_items(source.items)
    for image in document.get("Items", ()):
        store_item(table, build_item(image, table.hash_key_attr, table.range_key_attr))
    figures = document.get("Figures")
    if isinstance(figures, dict):
        try:
            install(table, figures)
        except (KeyError, TypeError, ValueError):
            pass  # not figures this writer wrote: counted when first described, as before
    backup = new_backup(document["BackupDetails"], table)
    if backup.arn != document["BackupDetails"]["BackupArn"]:
        raise SettingsError(f"backup {document['BackupDetails']['BackupArn']} does not "
                            f"fit its table {table.table_arn}")
    return backup
