"""DynamoDB Streams requests naming a stream, shard or iterator that does not exist.

moto's `DynamoDBStreamsBackend` trusts what a client names:
- `_get_table_from_arn` splits the ARN by position (IndexError on any other string) and then
  looks the table up, so a stream ARN of a deleted table, or of a table without a stream,
  reaches code that assumes a stream (AttributeError, TypeError);
- `get_shard_iterator` checks the shard id with `assert` (AssertionError);
- `get_records` looks the iterator up in a dict (KeyError for one it never issued).
DynamoDB answers a stream or shard it does not have with ResourceNotFoundException
("Requested resource not found: Stream: <arn> not found"), and an iterator it cannot read
with a ValidationException. Here each is checked before moto looks.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import MockValidationException, ResourceNotFoundException
from moto.dynamodbstreams.models import DynamoDBStreamsBackend

from ddbkit.emulator.moto_ext.store import require

STREAM_NOT_FOUND = "Requested resource not found: Stream: {arn} not found"
SHARD_NOT_FOUND = "Requested resource not found: Shard: {shard} in Stream: {arn} not found"
BAD_ITERATOR = "Invalid ShardIterator: {iterator}"


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


def _wrap_get_shard_iterator(original: Any) -> Any:
    def get_shard_iterator(self: DynamoDBStreamsBackend, arn: str, shard_id: str,
                           *args: Any, **kwargs: Any) -> Any:
        shard = self._get_table_from_arn(arn).stream_shard  # there is one: checked above
        if shard is None or shard.id != shard_id:
            raise ResourceNotFoundException(SHARD_NOT_FOUND.format(shard=shard_id, arn=arn))
        return original(self, arn, shard_id, *args, **kwargs)

    return get_shard_iterator


def _wrap_get_records(original: Any) -> Any:
    def get_records(self: DynamoDBStreamsBackend, iterator_arn: Any, *args: Any,
                    **kwargs: Any) -> Any:
        if not isinstance(iterator_arn, str) or iterator_arn not in self.shard_iterators:
            raise MockValidationException(BAD_ITERATOR.format(iterator=iterator_arn))
        return original(self, iterator_arn, *args, **kwargs)

    return get_records


def install() -> None:
    require(DynamoDBStreamsBackend, "_get_table_from_arn", "get_shard_iterator", "get_records")
    owner: Any = DynamoDBStreamsBackend
    owner._get_table_from_arn = _wrap_get_table_from_arn(owner._get_table_from_arn)
    owner.get_shard_iterator = _wrap_get_shard_iterator(owner.get_shard_iterator)
    owner.get_records = _wrap_get_records(owner.get_records)
