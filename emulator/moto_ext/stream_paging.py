"""DescribeStream's shard paging and ListStreams' stream paging.

Replaces `moto.dynamodbstreams.responses.DynamoDBStreamsHandler.describe_stream` and
`list_streams`, which ignore DescribeStream's ExclusiveStartShardId and Limit and ListStreams'
Limit and ExclusiveStartStreamArn: a reader that pages through shards after the one it has
read got the same shard back forever, and a listing came in one page. DynamoDB pages shards
in shard-id order after ExclusiveStartShardId, at most Limit of them (default 100), with
LastEvaluatedShardId when more follow; streams likewise by ARN, with
LastEvaluatedStreamArn. `list_streams` also no longer builds each table's full description
(which sizes every item) to read its stream ARN.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

from ddbkit.emulator.moto_ext.store import require

DEFAULT_SHARD_LIMIT = 100  # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_DescribeStream.html
DEFAULT_STREAM_LIMIT = 100  # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_ListStreams.html


def page(entries: list[Any], key: Any, after: Any, limit: Any, default: int
         ) -> tuple[list[Any], Any]:
    """Entries (sorted by key) after `after`, at most `limit`; and the last key when more
    follow."""
    ordered = sorted(entries, key=key)
    if isinstance(after, str):
        ordered = [entry for entry in ordered if key(entry) > after]
    size = limit if isinstance(limit, int) and limit > 0 else default
    chosen = ordered[:size]
    return chosen, key(chosen[-1]) if chosen and len(ordered) > size else None


def describe_stream(self: DynamoDBStreamsHandler) -> ActionResult:
    stream = self.backend.describe_stream(self._get_param("StreamArn"))
    shards, last = page(stream.get("Shards") or [], lambda shard: shard["ShardId"],
                        self._get_param("ExclusiveStartShardId"), self._get_param("Limit"),
                        DEFAULT_SHARD_LIMIT)
    stream["Shards"] = shards
    if last is not None:
        stream["LastEvaluatedShardId"] = last
    return ActionResult({"StreamDescription": stream})


def list_streams(self: DynamoDBStreamsHandler) -> ActionResult:
    wanted = self._get_param("TableName")
    streams = []
    for table in self.backend.dynamodb.tables.values():
        if (wanted is None or table.name == wanted) and table.latest_stream_label:
            streams.append({"StreamArn": f"{table.table_arn}/stream/{table.latest_stream_label}",
                            "TableName": table.name, "StreamLabel": table.latest_stream_label})
    chosen, last = page(streams, lambda stream: stream["StreamArn"],
                        self._get_param("ExclusiveStartStreamArn"), self._get_param("Limit"),
                        DEFAULT_STREAM_LIMIT)
    answer: dict[str, Any] = {"Streams": chosen}
    if last is not None:
        answer["LastEvaluatedStreamArn"] = last
    return ActionResult(answer)


def install() -> None:
    require(DynamoDBStreamsHandler, "describe_stream", "list_streams", "backend")
    owner: Any = DynamoDBStreamsHandler
    owner.describe_stream = describe_stream
    owner.list_streams = list_streams
