"""DynamoDB Streams requests naming a stream that does not exist (DescribeStream and the
other calls that look a stream up by ARN).

moto's `DynamoDBStreamsBackend._get_table_from_arn` splits the ARN by position (IndexError on
any other string) and then looks the table up, so a stream ARN of a deleted table, or of a
table without a stream, reaches code that assumes a stream (AttributeError, TypeError).
DynamoDB answers a stream it does not have with ResourceNotFoundException
("Requested resource not found: Stream: <arn> not found"); here that is checked before moto
looks. GetShardIterator and GetRecords never reach moto's backend: `stream_iterators`
answers them, with the same message for an unknown stream.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import ResourceNotFoundException
from moto.dynamodbstreams.models import DynamoDBStreamsBackend

from ddbkit.emulator.moto_ext.store import require

STREAM_NOT_FOUND = "Requested resource not found: Stream: {arn} not found"


def _wrap_get_table_from_arn(original: Any) -> Any:
    def get_table_from_arn(self: DynamoDBStreamsBackend, arn: Any) -> Any:
        not_found = ResourceNotFoundException(STREAM_NOT_FOUND.format(arn=arn))
        parts = arn.split(":", 6) if isinstance(arn, str) else []
        if len(parts) < 6 or "/stream/" not in parts[5]:
            raise not_found
        try:
            table = original(self, arn)
        except ResourceNotFoundException:
            raise not_found from None
        if table.stream_shard is None or not table.latest_stream_label or \
                not arn.endswith(f"/stream/{table.latest_stream_label}"):
            raise not_found
        return table

    return get_table_from_arn


def install() -> None:
    require(DynamoDBStreamsBackend, "_get_table_from_arn")
    owner: Any = DynamoDBStreamsBackend
    owner._get_table_from_arn = _wrap_get_table_from_arn(owner._get_table_from_arn)
