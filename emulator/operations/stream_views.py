"""What ddbkit's Streams operations (`emulator/operations/`) read of a table's stream.

Reads only. A table's stream is moto's `latest_stream_label` and `stream_specification` and
ddbkit's shard (`store.stream_shards`, numbered `start + index`, trimmed as it is read). The
operations get ddbkit's own view of a stream (`StreamView`) and its records in the wire's
shape, so they never name a moto attribute.

A disabled stream keeps its label and its shard, closed (its old ARN stays readable, as on AWS
for 24 hours), but loses its view type from `stream_specification`: the records written
while it was on still carry it. Enabled again, the table gets a new label and shard; the old
ones stay listed and readable, DISABLED (`Table.past_streams`, in memory only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ddbkit.emulator.store import stream_records, stream_shards
from ddbkit.emulator.store.stream_shards import Shard

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
    ending: str | None  # a closed shard's last sequence number
    _shard: Shard = field(repr=False, compare=False)


def streams(backend: Any, table_name: str | None = None) -> list[StreamView]:
    """Every table's streams (its older ones, then its current one, enabled or not), or
    only `table_name`'s."""
    tables = backend.tables.values() if table_name is None else \
        [t for t in (backend.tables.get(table_name),) if t is not None]
    found = []
    for table in tables:
        found += [_view(table, shard, label) for label, shard in table.past_streams]
        current = _shard_of(table)
        if current is not None:
            found.append(_view(table, current))
    return found


def is_stream_arn(arn: str) -> bool:
    """Whether `arn` is formed as a stream's ARN (whether or not any table has it)."""
    return _STREAM_ARN.fullmatch(arn) is not None


def stream(backend: Any, arn: str, now: float) -> StreamView | None:
    """The stream `arn` names, its shard trimmed to `now`; None when no table has it (a
    deleted table, a table without a stream, an older label, another account or region)."""
    match = _STREAM_ARN.fullmatch(arn)
    table = backend.tables.get(match["table"]) if match else None
    if table is None:
        return None
    shard = _shard_of(table)
    if shard is not None and _arn(table) == arn:
        shard.trim(now)
        return _view(table, shard)
    for label, past in table.past_streams:  # an older stream of the table: DISABLED
        if _arn(table, label) == arn:
            past.trim(now)
            return _view(table, past, label)
    return None


def records(stream: StreamView, sequence_number: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` records (and 1 MB) from `sequence_number` on (not before
    `stream.first`), each a new dict with its time in epoch seconds; blobs as bytes."""
    return [stream_records.decode(raw) for raw in stream._shard.read(sequence_number, limit)]


def _shard_of(table: Any) -> Shard | None:
    return stream_shards.of(table) if table.latest_stream_label else None


def _arn(table: Any, label: str | None = None) -> str:
    return f"{table.table_arn}/stream/{label or table.latest_stream_label}"


def _view(table: Any, shard: Shard, label: str | None = None) -> StreamView:
    """The view of the table's current stream, or of its older one `label` (disabled)."""
    specification = (table.stream_specification or {}) if label is None else {}
    view_type = specification.get("StreamViewType")
    if view_type is None and shard.last_sequence is not None:
        newest = shard.read(shard.last_sequence, 1)[0]
        view_type = stream_records.decode(newest)["dynamodb"]["StreamViewType"]
    enabled = bool(specification.get("StreamEnabled")) and not shard.closed
    last = shard.last_sequence
    return StreamView(
        arn=_arn(table, label), label=label or table.latest_stream_label,
        table_name=table.name,
        enabled=enabled,
        view_type=view_type,
        key_schema=[{"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]}
                    for k in table.schema],
        created=stream_records.approximate_time(shard.created), shard_id=shard.shard_id,
        first=shard.start, next=shard.next_sequence,
        last=None if last is None else str(last),
        ending=None if enabled or last is None else str(last), _shard=shard)
