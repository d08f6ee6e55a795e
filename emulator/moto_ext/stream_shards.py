"""What ddbkit's Streams operations (`emulator/operations/`) read of moto's tables and shards.

Reads and calls only: nothing here replaces or assigns an attribute of moto. A table's stream
is moto's `latest_stream_label`, `stream_specification` and one `stream_shard`, whose records
are numbered `starting_sequence_number + index` (`stream_retention` keeps that true across
trims). The operations get ddbkit's own view of a stream (`StreamView`) and its records in
the wire's shape, so they never name a moto attribute.

A disabled stream keeps its label and shard in moto (its old ARN stays readable, as on AWS
for 24 hours) but loses its view type from `stream_specification`: the records written
while it was on still carry it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ddbkit.emulator.moto_ext.fast_serializer import epoch_seconds
from ddbkit.emulator.moto_ext.stream_retention import next_sequence_number, trim

# arn:<partition>:dynamodb:<region>:<account>:table/<name>/stream/<label>
_STREAM_ARN = re.compile(r"arn:[^:]+:dynamodb:[^:]*:[^:]*:table/(?P<table>[^/]+)/stream/.+")


@dataclass(frozen=True, slots=True)
class StreamView:
    """One table's stream and its one shard, as of the moment it was looked up."""

    arn: str
    label: str
    table_name: str
    enabled: bool
    view_type: str | None  # None: disabled before any record told it
    key_schema: list[dict[str, str]]
    created: int | float  # epoch seconds
    shard_id: str
    first: int  # sequence number of the oldest record kept (TRIM_HORIZON)
    next: int  # sequence number the next record will get (LATEST)
    last: str | None  # sequence number of the newest record, if any
    _shard: Any = field(repr=False, compare=False)


def streams(backend: Any, table_name: str | None = None) -> list[StreamView]:
    """Every table's current stream (enabled or not), or only `table_name`'s."""
    tables = backend.tables.values() if table_name is None else \
        [t for t in (backend.tables.get(table_name),) if t is not None]
    return [_view(table) for table in tables if _has_stream(table)]


def stream(backend: Any, arn: str, now: float) -> StreamView | None:
    """The stream `arn` names, its shard trimmed to `now`; None when no table has it (a
    deleted table, a table without a stream, an older label, another account or region)."""
    match = _STREAM_ARN.fullmatch(arn)
    table = backend.tables.get(match["table"]) if match else None
    if table is None or not _has_stream(table) or _arn(table) != arn:
        return None
    trim(table.stream_shard, now)
    return _view(table)


def records(stream: StreamView, sequence_number: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` records from `sequence_number` on (not before `stream.first`), each a
    new dict with its time in epoch seconds; blobs may still be bytes."""
    return [_wire(record) for record in stream._shard.get(sequence_number, limit)]


def _has_stream(table: Any) -> bool:
    return table.stream_shard is not None and bool(table.latest_stream_label)


def _arn(table: Any) -> str:
    return f"{table.table_arn}/stream/{table.latest_stream_label}"


def _view(table: Any) -> StreamView:
    shard = table.stream_shard
    specification = table.stream_specification or {}
    newest = shard.items[-1].record["dynamodb"] if shard.items else None
    return StreamView(
        arn=_arn(table), label=table.latest_stream_label, table_name=table.name,
        enabled=bool(specification.get("StreamEnabled")),
        view_type=specification.get("StreamViewType") or (newest or {}).get("StreamViewType"),
        key_schema=[{"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]}
                    for k in table.schema],
        created=epoch_seconds(shard.created_on), shard_id=shard.id,
        first=int(shard.starting_sequence_number), next=next_sequence_number(shard),
        last=newest["SequenceNumber"] if newest else None, _shard=shard)


def _wire(record: dict[str, Any]) -> dict[str, Any]:
    """A copy (the shard's own dicts stay as they are) with moto's naive-UTC datetime as
    epoch seconds."""
    data = record["dynamodb"]
    return {**record, "dynamodb": {
        **data, "ApproximateCreationDateTime": epoch_seconds(data["ApproximateCreationDateTime"])}}
