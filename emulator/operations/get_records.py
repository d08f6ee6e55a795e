"""GetRecords: the records at an iterator's position, and the iterator for the next call.

In order, with DynamoDB Streams' answers:
- a token that is no iterator of ours (forged, altered, another process's): ValidationException
  (`shard_iterators.parse`); the endpoint already refused a Limit outside 1..1000;
- an iterator used more than 15 minutes after it was issued: ExpiredIteratorException (each
  GetRecords hands out a fresh one, so a consumer that keeps polling never sees this);
- its stream or shard gone (deleted table, replaced stream): ResourceNotFoundException;
- its position older than the oldest record kept (the 24-hour trim overtook it):
  TrimmedDataAccessException.
Records keep moto's document with its time as epoch seconds (blobs go out as base64).
A disabled stream's shard is closed: once it is read to its end, no NextShardIterator.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import pipeline, stream_views
from ddbkit.emulator.operations.call import Answer, Call, answer, not_found
from ddbkit.emulator.operations.shard_iterators import (
    LIFETIME_SECONDS,
    Position,
    expired,
    parse,
    trimmed,
)
from ddbkit.emulator.store import clock

MAX_RECORDS = 1000  # AWS: at most 1,000 records a call, 1,000 when no Limit is given


def run(call: Call) -> Answer:
    at = parse(call.params["ShardIterator"])
    limit = call.params.get("Limit")
    limit = MAX_RECORDS if limit is None else int(limit)  # JSON null is no Limit; 1.5 is 1
    now = clock.now()
    if now - at.issued > LIFETIME_SECONDS:
        raise expired(at.issued, now)

    stream = pipeline.resolve_stream(call, at.stream_arn)
    if at.shard_id != stream.shard_id:
        raise not_found("Invalid ShardId in ShardIterator")
    if at.sequence_number < stream.first:
        raise trimmed()

    found = stream_views.records(stream, at.sequence_number, limit)
    following = at.sequence_number + len(found)
    result: dict[str, Any] = {"Records": found}
    if stream.enabled or following < stream.next:
        result["NextShardIterator"] = Position(at.stream_arn, at.shard_id, following,
                                               now).token()
    return answer(result)
