"""A moto table's settings and stream as JSON, and moto tables built back from them.

Settings are every attribute of moto's `Table` but its items and stream: keys, attribute
definitions, GSIs and LSIs, billing and throughput, stream specification and label, TTL, PITR
(`continuous_backups`), tags, SSE, deletion protection, ARN and creation time, whatever
operation set them (CreateTable, UpdateTable, UpdateTimeToLive, TagResource, a restore...).
Taking all of `__dict__` rather than a list of names means a setting moto adds is kept too;
a value of a type the JSON cannot hold fails loudly (`encoding`), as a moto shape change
should. Index objects are plain attribute bags, stored as such.

The stream keeps its shard's identity (id, creation time) with the settings, and its records
as moto holds them (dicts, sequence numbers inside): restored, `LatestStreamArn`, shard id and
sequence numbers are the ones trigger checkpoints saved.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ddbkit.emulator.moto_ext.table_records import (
    blank_index,
    blank_table,
    is_index,
    new_shard,
    stream_record,
)

_NOT_SETTINGS = {"items", "stream_shard", "lambda_event_source_mappings",
                 "all_items", "sorted_items"}  # the last two: moto_ext.indexes, mid-Query only
_PRIVATE = "_ddbkit"  # our extensions' caches on the table (indexes), rebuilt on demand
_INDEX = "$index"


class SettingsError(ValueError):
    """Settings the pinned moto cannot have written."""


def table_settings(table: Any) -> dict[str, Any]:
    attrs = {name: _encode(value) for name, value in table.__dict__.items()
             if name not in _NOT_SETTINGS and not name.startswith(_PRIVATE)}
    return {"class": type(table).__name__, "attrs": attrs, "shard": shard_identity(table)}


def shard_identity(table: Any) -> dict[str, Any] | None:
    shard = table.stream_shard
    if shard is None:
        return None
    return {"id": shard.id, "created_on": shard.created_on}


def _encode(value: Any) -> Any:
    if is_index(value):
        return {_INDEX: type(value).__name__, "attrs": _encode(dict(vars(value)))}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if _INDEX in value:
            index = blank_index(value[_INDEX])
            if index is None:
                raise SettingsError(f"unknown index kind {value[_INDEX]!r}")
            index.__dict__.update(_decode(value["attrs"]))
            return index
        return {k: _decode(v) for k, v in value.items()}
    return value


def build_table(settings: dict[str, Any]) -> Any:
    """An empty moto table with these settings (and an empty stream shard if it had one)."""
    table = blank_table(settings.get("class", ""))
    if table is None:
        raise SettingsError(f"unknown table kind {settings.get('class')!r}")
    table.__dict__.update(_decode(settings["attrs"]))
    table.items = defaultdict(dict)
    table.lambda_event_source_mappings = {}
    table.stream_shard = None
    set_shard(table, settings.get("shard"))
    return table


def apply_settings(table: Any, settings: dict[str, Any]) -> None:
    """Changed settings on a table that keeps its items (UpdateTable, TTL, tags, PITR...)."""
    table.__dict__.update(_decode(settings["attrs"]))
    for name in [n for n in vars(table) if n.startswith(_PRIVATE)]:
        delattr(table, name)  # e.g. indexes built for the old GSIs
    set_shard(table, settings.get("shard"))


def set_shard(table: Any, identity: dict[str, Any] | None) -> None:
    """Keeps the table's shard if it is the one named, else starts that one, empty."""
    if identity is None:
        table.stream_shard = None
        return
    if shard_identity(table) == identity:
        return
    table.stream_shard = new_shard(table, identity["id"], identity["created_on"])


def build_record(record: dict[str, Any]) -> Any:
    return stream_record(record)


def record_sequence(record: Any) -> int:
    return int(record.record["dynamodb"]["SequenceNumber"])
