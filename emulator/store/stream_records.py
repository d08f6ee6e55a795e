"""Stream records as DynamoDB Streams writes them, built from DynamoDB JSON items.

A record is the document GetRecords answers (eventID, eventName, eventSource, eventVersion
1.1, awsRegion the table's region, dynamodb with StreamViewType, ApproximateCreationDateTime
in epoch seconds to the millisecond, SequenceNumber, SizeBytes, Keys and the images the view
type asks for; userIdentity for a delete made by the service, TTL), held in a shard as the
bytes the journal writes for it (`encode`), binary values as `bytes`.
SizeBytes is the length of the `dynamodb` member as JSON (its time to the microsecond), as
moto has always counted it.
"""

from __future__ import annotations

import base64
import calendar
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from ddbkit.emulator.durability import encoding
from ddbkit.emulator.store.stream_shards import Shard

SERVICE_IDENTITY = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
EVENT_VERSION = "1.1"
_WHEN = "ApproximateCreationDateTime"
_NEW = ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")
_OLD = ("OLD_IMAGE", "NEW_AND_OLD_IMAGES")


def approximate_time(now: float) -> int | float:
    """Epoch seconds as GetRecords writes them: to the millisecond, whole seconds as int."""
    moment = datetime.fromtimestamp(now, UTC)
    whole = calendar.timegm(moment.utctimetuple())
    return whole + (moment.microsecond // 1000) / 1000.0 if moment.microsecond else whole


def build(view_type: str, keys: dict[str, Any], old: dict[str, Any] | None,
          new: dict[str, Any] | None, sequence: int, now: float, region: str,
          by_service: bool = False) -> dict[str, Any]:
    """INSERT (no `old`), REMOVE (no `new`) or MODIFY; items as DynamoDB JSON, of which
    the record keeps the images its view type names."""
    change: dict[str, Any] = {"StreamViewType": view_type, _WHEN: _microseconds(now),
                              "SequenceNumber": str(sequence), "SizeBytes": 1, "Keys": keys}
    if view_type in _NEW and new is not None:
        change["NewImage"] = new
    if view_type in _OLD and old is not None:
        change["OldImage"] = old
    change["SizeBytes"] = len(json.dumps(change, default=_base64))
    change[_WHEN] = approximate_time(now)
    record: dict[str, Any] = {
        "eventID": uuid.uuid4().hex,
        "eventName": "INSERT" if old is None else "REMOVE" if new is None else "MODIFY",
        "eventSource": "aws:dynamodb", "eventVersion": EVENT_VERSION, "awsRegion": region,
        "dynamodb": change}
    if by_service and new is None:
        record["userIdentity"] = dict(SERVICE_IDENTITY)
    return record


def _microseconds(now: float) -> float:
    """The time as moto counted it in SizeBytes (epoch seconds to the microsecond)."""
    moment = datetime.fromtimestamp(now, UTC)
    return calendar.timegm(moment.utctimetuple()) + moment.microsecond / 1e6


def _base64(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"a {type(value).__name__} in a stream record")


def add(shard: Shard, view_type: str, keys: dict[str, Any], old: dict[str, Any] | None,
        new: dict[str, Any] | None, now: float, region: str, by_service: bool = False) -> None:
    """A new record at the end of an open shard, the shard trimmed to `now`."""
    if shard.closed:
        return
    record = build(view_type, keys, old, new, shard.next_sequence, now, region, by_service)
    shard.append(encoding.dumps(record), now)
    shard.trim(now)


def decode(raw: bytes) -> dict[str, Any]:
    """A held record as GetRecords answers it (a new dict; blobs as bytes)."""
    found: dict[str, Any] = encoding.loads(raw)
    return found


def load(shard: Shard, image: dict[str, Any]) -> bool:
    """A record from the journal or a snapshot into `shard` at its own sequence number
    (`Shard.place`); its time normalised as `build` writes it."""
    change = image["dynamodb"]
    when = change[_WHEN]
    created = (when.replace(tzinfo=UTC).timestamp() if isinstance(when, datetime)
               else float(when))
    change[_WHEN] = approximate_time(created)
    return shard.place(int(change["SequenceNumber"]), encoding.dumps(image), created)


def sequence_of(image: dict[str, Any]) -> int:
    return int(image["dynamodb"]["SequenceNumber"])
