"""Stream records as DynamoDB Streams writes them.

Replaces `moto.dynamodb.models.table.StreamShard.add`, which
- hard-codes `awsRegion: us-east-1` and `eventVersion: 1.0` (AWS: the table's region, 1.1);
- writes a MODIFY for an update that changed nothing (AWS writes no record then);
- has no way to mark a delete as made by the service (TTL): AWS adds
  `userIdentity {Type: Service, PrincipalId: dynamodb.amazonaws.com}`;
- forwards to moto's Lambda mappings and then empties the shard (ddbkit runs no moto Lambda);
- fails (KeyError) on a table whose stream was disabled: moto keeps the shard for the old
  stream's readers but forgets the view type; a disabled stream takes no new records.

Sequence numbers stay `starting_sequence_number + index`, which GetRecords relies on
(stream_retention advances `starting_sequence_number` as it trims).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import StreamRecord, StreamShard

from ddbkit.emulator.moto_ext.store import require

SERVICE_IDENTITY = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
EVENT_VERSION = "1.1"
_service_delete: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "ddbkit_service_delete", default=False)


@contextmanager
def deletes_by_service() -> Iterator[None]:
    """Deletes made in this block appear in streams as made by DynamoDB itself (TTL)."""
    token = _service_delete.set(True)
    try:
        yield
    finally:
        _service_delete.reset(token)


def _add(self: StreamShard, old: Any, new: Any) -> None:
    if old is not None and new is not None and old.attrs == new.attrs:
        return  # nothing changed: DynamoDB writes no stream record
    specification = self.table.stream_specification or {}
    if not specification.get("StreamEnabled"):
        return  # the table's stream was disabled
    view_type = specification["StreamViewType"]
    event_name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    seq = self.starting_sequence_number + len(self.items)
    record = StreamRecord(self.table, view_type, event_name, old, new, seq)
    record.record["awsRegion"] = self.table.region_name
    record.record["eventVersion"] = EVENT_VERSION
    if event_name == "REMOVE" and _service_delete.get():
        record.record["userIdentity"] = dict(SERVICE_IDENTITY)
    self.items.append(record)



def install() -> None:
    require(StreamShard, "add", "get")
    require(StreamRecord, "to_json")
    require(DynamoDBBackend, "get_table")
    StreamShard.add = _add  # type: ignore[method-assign]
