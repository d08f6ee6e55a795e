"""Table settings as the data dir keeps them (format 2), and back (stream records:
`store.stream_records`).

A table's settings are DescribeTable's wire shape plus ddbkit's own fields (TTL, PITR, tags,
the stream shard's identity and first sequence number): `store.settings` takes them
from a table and builds a table (`store.tables.Table`) from them, so no Python attribute
name reaches the disk. A stream record is kept as GetRecords answers it (eventID,
eventName, dynamodb with Keys, images, SequenceNumber, SizeBytes, StreamViewType and
ApproximateCreationDateTime in epoch seconds, userIdentity...), its sequence number exactly
as it was served.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.store.settings import (
    SettingsError,
    apply_settings,
    build_table,
    settings_of,
)

__all__ = ["SettingsError", "apply_settings", "build_table", "table_settings"]


def table_settings(table: Any) -> dict[str, Any]:
    return settings_of(table)
