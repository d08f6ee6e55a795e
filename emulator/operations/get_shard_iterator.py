"""GetShardIterator: a token for a position in a stream's shard (`shard_iterators`).

Validated first, as DynamoDB does before any lookup: the endpoint already refused a type
outside botocore's enum and a missing or non-digit SequenceNumber (checked again here, where
it is read); botocore's enum also lists AT_TIMESTAMP, which DynamoDB Streams refuses. Then
the stream by its ARN and the shard by its id (ResourceNotFoundException), then the position:
- TRIM_HORIZON: the oldest record kept; LATEST: just after the newest (neither takes a
  SequenceNumber: ValidationException);
- AT_ / AFTER_SEQUENCE_NUMBER: at or after that record; TrimmedDataAccessException when that
  is older than the oldest record kept (records go after 24 hours, `store.stream_shards`).
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html
"""

from __future__ import annotations

import re
from typing import Any

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call, answer, not_found, validation_error
from ddbkit.emulator.operations.shard_iterators import Position, trimmed
from ddbkit.emulator.store import clock

ITERATOR_TYPES = ("TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
_SEQUENCE_NUMBER = re.compile(r"[0-9]{1,40}")


def run(call: Call) -> Answer:
    params = call.params
    kind = params["ShardIteratorType"]
    if kind not in ITERATOR_TYPES:
        raise validation_error(
            f"1 validation error detected: Value '{kind}' at 'shardIteratorType' failed to "
            f"satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(ITERATOR_TYPES)}]")
    wanted = _wanted(kind, params.get("SequenceNumber"))

    stream = pipeline.resolve_stream(call, params["StreamArn"])
    if params["ShardId"] != stream.shard_id:
        raise not_found("Requested resource not found: Shard does not exist")

    if wanted is None:
        position = stream.first if kind == "TRIM_HORIZON" else stream.next
    elif wanted < stream.first:
        raise trimmed()
    else:
        position = wanted
    return answer({"ShardIterator": Position(stream.arn, stream.shard_id, position,
                                             clock.now()).token()})


def _wanted(kind: str, sequence_number: Any) -> int | None:
    """The position AT_ / AFTER_SEQUENCE_NUMBER name; None for the other two types."""
    if kind not in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        if sequence_number is not None:  # DynamoDB refuses a position the type ignores
            raise validation_error(
                f"SequenceNumber must not be specified for ShardIteratorType {kind}")
        return None
    if not (isinstance(sequence_number, str) and _SEQUENCE_NUMBER.fullmatch(sequence_number)):
        raise validation_error(f"Invalid SequenceNumber for {kind}: {sequence_number}")
    return int(sequence_number) + (kind == "AFTER_SEQUENCE_NUMBER")
