"""moto's table, index, stream and backup objects, blank, for `durability` to fill.

`durability.tablemeta` and `durability.backups` keep the record format; this module knows
only which moto classes a record may name and how to make one without its constructor.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models.table import (
    Backup,
    GlobalSecondaryIndex,
    LocalSecondaryIndex,
    RestoredPITTable,
    RestoredTable,
    SecondaryIndex,
    StreamRecord,
    StreamShard,
    Table,
)

_new = object.__new__
_TABLE_CLASSES = {cls.__name__: cls for cls in (Table, RestoredTable, RestoredPITTable)}
_INDEX_CLASSES = {cls.__name__: cls for cls in (GlobalSecondaryIndex, LocalSecondaryIndex)}


def blank_table(kind: str) -> Any | None:
    """An uninitialised table of the moto class named `kind`, or None if there is none."""
    cls = _TABLE_CLASSES.get(kind)
    return None if cls is None else _new(cls)


def blank_index(kind: str) -> Any | None:
    cls = _INDEX_CLASSES.get(kind)
    return None if cls is None else _new(cls)


def is_index(value: Any) -> bool:
    return isinstance(value, SecondaryIndex)


def new_shard(table: Any, shard_id: str, created_on: Any) -> Any:
    """An empty stream shard with this identity (moto's first sequence number)."""
    shard = StreamShard(table.account_id, table)
    shard.id, shard.created_on = shard_id, created_on
    return shard


def stream_record(record: dict[str, Any]) -> Any:
    built: Any = _new(StreamRecord)
    built.record = record
    return built


def blank_backup() -> Any:
    return _new(Backup)
