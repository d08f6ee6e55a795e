"""DescribeStream: a stream's status, view type, key schema and shards (paged by shard id).

The stream is found by its whole ARN (`pipeline.resolve_stream`): the endpoint already refused
an ARN shorter than any stream's (ValidationException, botocore's model); one not formed as a
stream's ARN is a ValidationException too, and a well-formed one that names no current stream
of a table here is ResourceNotFoundException.
A disabled stream is DISABLED and its shard closed: the shard's range ends at its last record.
Its view type is the one its records were written with (moto forgets it on disabling).
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_DescribeStream.html
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call, answer
from ddbkit.emulator.operations.paging import page
from ddbkit.emulator.operations.stream_views import StreamView

DEFAULT_LIMIT = 100  # AWS: at most 100 shards a page, 100 when no Limit is given


def run(call: Call) -> Answer:
    params = call.params
    stream = pipeline.resolve_stream(call, params["StreamArn"])
    shards, last = page([_shard(stream)], lambda shard: str(shard["ShardId"]),
                        params.get("ExclusiveStartShardId"), params.get("Limit"),
                        DEFAULT_LIMIT)
    description: dict[str, Any] = {
        "StreamArn": stream.arn, "StreamLabel": stream.label,
        "StreamStatus": "ENABLED" if stream.enabled else "DISABLED",
        "StreamViewType": stream.view_type, "CreationRequestDateTime": stream.created,
        "TableName": stream.table_name, "KeySchema": stream.key_schema, "Shards": shards,
        "LastEvaluatedShardId": last}
    return answer({"StreamDescription": {k: v for k, v in description.items()
                                         if v is not None}})


def _shard(stream: StreamView) -> dict[str, Any]:
    numbers = {"StartingSequenceNumber": str(stream.first)}
    if stream.ending is not None:
        numbers["EndingSequenceNumber"] = stream.ending
    return {"ShardId": stream.shard_id, "SequenceNumberRange": numbers}
