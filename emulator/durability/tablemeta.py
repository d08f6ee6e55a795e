"""Table settings and stream records as the data dir keeps them (format 2), and back.

A table's settings are DescribeTable's wire shape plus ddbkit's own fields (TTL, PITR, tags,
the stream shard's identity and first sequence number): `moto_ext.table_settings` takes them
from a table and builds a table from them by calling moto, so no moto attribute name reaches
the disk. A stream record is kept as GetRecords answers it (eventID, eventName, dynamodb
with Keys, images, SequenceNumber, SizeBytes, StreamViewType and ApproximateCreationDateTime
in epoch seconds, userIdentity...), its sequence number exactly as it was served.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ddbkit.emulator.moto_ext.table_records import stream_record
from ddbkit.emulator.moto_ext.table_settings import (
    SettingsError,
    apply_settings,
    build_table,
    epoch,
    naive_utc,
    settings_of,
)

__all__ = ["SettingsError", "apply_settings", "build_record", "build_table", "record_image",
           "record_sequence", "table_settings"]

_WHEN = "ApproximateCreationDateTime"


def table_settings(table: Any) -> dict[str, Any]:
    return settings_of(table)


def record_image(record: Any) -> dict[str, Any]:
    """A moto stream record as GetRecords answers it (its time in epoch seconds)."""
    held: dict[str, Any] = record.record
    change = held["dynamodb"]
    when = change.get(_WHEN)
    if not isinstance(when, datetime):
        return held
    return {**held, "dynamodb": {**change, _WHEN: epoch(when)}}


def build_record(image: dict[str, Any]) -> Any:
    """A moto stream record from its image (decoded afresh: changed in place)."""
    change = image["dynamodb"]
    when = change.get(_WHEN)
    if isinstance(when, (int, float)):
        change[_WHEN] = naive_utc(when)
    return stream_record(image)


def record_sequence(record: Any) -> int:
    return int(record.record["dynamodb"]["SequenceNumber"])
