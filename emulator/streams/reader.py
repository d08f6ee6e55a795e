"""Reading a DynamoDB stream through the public API (the emulator's or AWS's).

`StreamFollower` walks every shard of a table's stream from a position and returns records in
order, parsed by boto3 or (`as_sent`) as the JSON GetRecords sent; `lambda_record` and
`lambda_record_as_sent` turn either into the shape Lambda hands a handler.

A shard iterator expires 15 minutes after it is handed out, and stream records are trimmed after
24 hours. The follower gets a new iterator when its own expired (after the last record it read)
and, when the records after its position were trimmed, goes on from the oldest record kept, as a
Lambda event source mapping does: those records are gone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from botocore.exceptions import ClientError

from ddbkit.emulator.connect.clients import endpoint_of, translate_errors
from ddbkit.emulator.errors import EndpointError
from ddbkit.emulator.shapes import LambdaStreamRecord, to_wire
from ddbkit.emulator.streams.records_as_sent import get_records_as_sent

log = logging.getLogger(__name__)

StartingPosition = Literal["TRIM_HORIZON", "LATEST"]
# GetRecords answers at most 1,000 records a call and rejects a larger Limit.
# https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html
MAX_RECORDS_PER_CALL = 1000
_STALE_ITERATOR = ("ExpiredIteratorException", "TrimmedDataAccessException")


def latest_stream_arn(client: Any, table_name: str) -> str:
    with translate_errors(endpoint_of(client)):
        table = client.describe_table(TableName=table_name)["Table"]
    if not table.get("StreamSpecification", {}).get("StreamEnabled"):
        raise EndpointError(f"{table_name} has no stream enabled")
    return str(table["LatestStreamArn"])


@dataclass
class StreamFollower:
    """Follows all shards of one stream. `positions` (shard id -> last sequence number read)
    resumes after those records; shards not in it start at `start`. With `as_sent`, records
    are GetRecords' JSON (epoch seconds, base64 binaries), which skips boto3's parsing."""

    streams: Any
    stream_arn: str
    start: StartingPosition = "TRIM_HORIZON"
    positions: dict[str, str] = field(default_factory=dict)
    as_sent: bool = False
    _iterators: dict[str, str | None] = field(default_factory=dict)

    def read(self, limit: int = MAX_RECORDS_PER_CALL) -> list[tuple[str, dict[str, Any]]]:
        """Up to `limit` (at most 1,000) new records as (shard id, record), oldest first."""
        limit = min(limit, MAX_RECORDS_PER_CALL)
        with translate_errors(endpoint_of(self.streams)):
            if not self._iterators:
                self._open_shards()
            found: list[tuple[str, dict[str, Any]]] = []
            for shard_id, iterator in list(self._iterators.items()):
                if iterator is None or len(found) >= limit:
                    continue
                page = self._page(shard_id, iterator, limit - len(found))
                self._iterators[shard_id] = page.get("NextShardIterator")
                for record in page["Records"]:
                    found.append((shard_id, record))
                    self.positions[shard_id] = record["dynamodb"]["SequenceNumber"]
        return found

    def _page(self, shard_id: str, iterator: str, limit: int) -> dict[str, Any]:
        try:
            return self._get_records(iterator, limit)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in _STALE_ITERATOR:
                raise
        return self._get_records(self._iterator(shard_id), limit)

    def _get_records(self, iterator: str, limit: int) -> dict[str, Any]:
        if not self.as_sent:
            return self.streams.get_records(ShardIterator=iterator,  # type: ignore[no-any-return]
                                            Limit=limit)
        page, as_sent = get_records_as_sent(self.streams, ShardIterator=iterator, Limit=limit)
        if not as_sent:  # botocore parsed it after all: back to the JSON shape
            page["Records"] = [to_wire(record) for record in page["Records"]]
        return page

    def _open_shards(self) -> None:
        description = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in description["Shards"]:
            self._iterators[shard["ShardId"]] = self._iterator(shard["ShardId"])

    def _iterator(self, shard_id: str) -> str:
        """A new iterator: after the last record read, else at `start`; at the oldest record
        kept when the records after that position were trimmed."""
        kwargs: dict[str, Any] = {"ShardIteratorType": self.start}
        if shard_id in self.positions:
            kwargs = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                      "SequenceNumber": self.positions[shard_id]}
        try:
            return str(self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, **kwargs)["ShardIterator"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TrimmedDataAccessException":
                raise
        log.warning("stream %s shard %s: records after %s were trimmed (older than 24 h); "
                    "going on from the oldest record kept", self.stream_arn, shard_id,
                    self.positions.get(shard_id))
        return str(self.streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=shard_id,
            ShardIteratorType="TRIM_HORIZON")["ShardIterator"])


def lambda_record(record: dict[str, Any], stream_arn: str) -> LambdaStreamRecord:
    """A GetRecords record (as boto3 parses it) in the JSON shape of a Lambda stream event."""
    return lambda_record_as_sent({**record, "dynamodb": to_wire(record["dynamodb"])}, stream_arn)


def lambda_record_as_sent(record: dict[str, Any], stream_arn: str) -> LambdaStreamRecord:
    """A GetRecords record as sent (JSON) in the shape of a Lambda stream event: the same
    document plus the stream's ARN, with the identity's keys in Lambda's lower camel case."""
    event = cast(LambdaStreamRecord, {
        k: v for k, v in record.items() if k != "userIdentity"})
    event["eventSourceARN"] = stream_arn
    identity = record.get("userIdentity")
    if identity:
        event["userIdentity"] = {"type": identity.get("Type"),
                                 "principalId": identity.get("PrincipalId")}
    return event


