"""Shard iterators as DynamoDB Streams hands them out: self-contained, valid for 15 minutes.

Replaces `moto.dynamodbstreams.responses.DynamoDBStreamsHandler.get_shard_iterator` and
`get_records`, and with them moto's `ShardIterator` model and the backend's `shard_iterators`
dict. moto keeps every iterator it hands out in that dict for the life of the process, a new
one for every GetRecords (about 1.6 KB each: an idle trigger poller alone grew ~600 MB a
day), never expires one, and fails with a Python exception on an unknown shard, a malformed
ARN, sequence number or iterator (AssertionError, IndexError, ValueError, KeyError).

Here, as on AWS, an iterator is an opaque token and the server keeps nothing per iterator:
the stream ARN, `|1|`, then base64 of an HMAC tag, the shard id, the position (the sequence
number of the next record to read) and the time it was issued on the store's clock. The tag
(a key drawn at start-up) means a token this process did not issue, or an altered one, is
refused, never trusted. Reading a shard first trims it (`stream_retention`), then:
- an iterator used more than 15 minutes after it was issued: ExpiredIteratorException (each
  GetRecords returns a fresh one, so a consumer that keeps polling never sees this);
- a position older than the oldest record kept (GetShardIterator AT/AFTER_SEQUENCE_NUMBER, or
  an iterator the trim overtook): TrimmedDataAccessException;
- a stream or shard that does not exist (deleted table, disabled stream): ResourceNotFound;
- a token that is no iterator of ours, a sequence number that is no number: ValidationException.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import time
from dataclasses import dataclass
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.dynamodbstreams.models import DynamoDBStreamsBackend
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

from ddbkit.emulator.endpoint.protocol import ERROR_NAMESPACE
from ddbkit.emulator.moto_ext.clock import now as store_now
from ddbkit.emulator.moto_ext.store import require
from ddbkit.emulator.moto_ext.stream_requests import STREAM_NOT_FOUND
from ddbkit.emulator.moto_ext.stream_retention import next_sequence_number, trim

ITERATOR_LIFETIME_SECONDS = 15 * 60  # AWS: a shard iterator expires 15 minutes after issue
MAX_RECORDS = 1000  # AWS: GetRecords returns at most 1,000 records
ITERATOR_TYPES = ("TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
_KEY = os.urandom(32)
_TAG_BYTES = 16
_SEPARATOR = "|1|"  # as in AWS's tokens: stream ARN, "|1|", opaque part
_STREAM_ARN = re.compile(r"arn:[^:]+:dynamodb:[^:]*:[^:]*:table/(?P<table>[^/]+)/stream/.+")
_SEQUENCE_NUMBER = re.compile(r"[0-9]{1,40}")


class StreamsError(JsonRESTError):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(ERROR_NAMESPACE + error_type, message)


def expired(issued: float, now: float) -> StreamsError:
    return StreamsError(
        "ExpiredIteratorException",
        f"Iterator expired. The iterator was created at time {_aws_time(issued)} while right "
        f"now it is {_aws_time(now)} which is further in the future than the tolerated delay "
        f"of {ITERATOR_LIFETIME_SECONDS * 1000} milliseconds.")


def trimmed() -> StreamsError:
    return StreamsError("TrimmedDataAccessException",
                        "The data you are trying to access has been trimmed.")


def _aws_time(epoch: float) -> str:
    return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(epoch))


@dataclass(frozen=True)
class Position:
    stream_arn: str
    shard_id: str
    sequence_number: int  # of the next record to read
    issued: float

    def token(self) -> str:
        opaque = f"{self.shard_id}|{self.sequence_number}|{self.issued!r}".encode()
        return self.stream_arn + _SEPARATOR + base64.b64encode(
            _tag(self.stream_arn, opaque) + opaque).decode()


def _tag(stream_arn: str, opaque: bytes) -> bytes:
    return hmac.digest(_KEY, stream_arn.encode() + b"\0" + opaque, hashlib.sha256)[:_TAG_BYTES]


def parse(token: str) -> Position:
    """The position a token of ours names; ValidationException for anything else."""
    stream_arn, _, rest = token.rpartition(_SEPARATOR)
    try:
        raw = base64.b64decode(rest, validate=True)
        tag, opaque = raw[:_TAG_BYTES], raw[_TAG_BYTES:]
        if not hmac.compare_digest(tag, _tag(stream_arn, opaque)):
            raise ValueError("not issued here")
        shard_id, sequence_number, issued = opaque.decode().split("|")
        return Position(stream_arn, shard_id, int(sequence_number), float(issued))
    except (ValueError, binascii.Error):
        raise StreamsError("ValidationException", "Invalid ShardIterator") from None


def _shard(backend: DynamoDBStreamsBackend, stream_arn: str, shard_id: str,
           unknown_shard: str) -> Any:
    """The stream's (only) shard, trimmed to now; ResourceNotFound when either is unknown."""
    match = _STREAM_ARN.fullmatch(stream_arn or "")
    table = backend.dynamodb.tables.get(match["table"]) if match else None
    if table is None or table.stream_shard is None or not table.latest_stream_label or \
            f"{table.table_arn}/stream/{table.latest_stream_label}" != stream_arn:
        raise StreamsError("ResourceNotFoundException",
                           STREAM_NOT_FOUND.format(arn=stream_arn))
    shard = table.stream_shard
    if shard.id != shard_id:
        raise StreamsError("ResourceNotFoundException", unknown_shard)
    trim(shard, store_now())
    return shard


def shard_iterator(backend: DynamoDBStreamsBackend, stream_arn: str, shard_id: str,
                   iterator_type: str, sequence_number: Any) -> str:
    shard = _shard(backend, stream_arn, shard_id,
                   "Requested resource not found: Shard does not exist")
    if iterator_type == "TRIM_HORIZON":
        position = int(shard.starting_sequence_number)
    elif iterator_type == "LATEST":
        position = next_sequence_number(shard)
    elif iterator_type in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        if not isinstance(sequence_number, str) or not _SEQUENCE_NUMBER.fullmatch(sequence_number):
            raise StreamsError("ValidationException",
                               f"Invalid SequenceNumber for {iterator_type}: {sequence_number}")
        position = int(sequence_number) + (iterator_type == "AFTER_SEQUENCE_NUMBER")
        if position < shard.starting_sequence_number:
            raise trimmed()
    else:
        raise StreamsError("ValidationException",
                           f"1 validation error detected: Value '{iterator_type}' at "
                           "'shardIteratorType' failed to satisfy constraint: Member must "
                           f"satisfy enum value set: [{', '.join(ITERATOR_TYPES)}]")
    return Position(stream_arn, shard_id, position, store_now()).token()


def records(backend: DynamoDBStreamsBackend, token: str, limit: int) -> dict[str, Any]:
    """GetRecords: up to `limit` records from the iterator's position, and the next iterator."""
    at = parse(token)
    now = store_now()
    if now - at.issued > ITERATOR_LIFETIME_SECONDS:
        raise expired(at.issued, now)
    shard = _shard(backend, at.stream_arn, at.shard_id, "Invalid ShardId in ShardIterator")
    if at.sequence_number < shard.starting_sequence_number:
        raise trimmed()
    found = shard.get(at.sequence_number, limit)
    following = Position(at.stream_arn, at.shard_id, at.sequence_number + len(found), now)
    return {"Records": found, "NextShardIterator": following.token()}


def _get_shard_iterator(self: DynamoDBStreamsHandler) -> ActionResult:
    return ActionResult({"ShardIterator": shard_iterator(
        self.backend, self._get_param("StreamArn"), self._get_param("ShardId"),
        self._get_param("ShardIteratorType"), self._get_param("SequenceNumber"))})


def _get_records(self: DynamoDBStreamsHandler) -> ActionResult:
    limit = self._get_param("Limit")
    limit = MAX_RECORDS if limit is None else int(limit)
    if limit > MAX_RECORDS:
        raise StreamsError("ValidationException",
                           f"1 validation error detected: Value '{limit}' at 'limit' failed to "
                           f"satisfy constraint: Member must have value less than or equal to "
                           f"{MAX_RECORDS}")
    return ActionResult(records(self.backend, self._get_param("ShardIterator") or "", limit))


def install() -> None:
    require(DynamoDBStreamsHandler, "get_shard_iterator", "get_records", "backend", "_get_param")
    require(DynamoDBStreamsBackend, "dynamodb")
    DynamoDBStreamsHandler.get_shard_iterator = _get_shard_iterator  # type: ignore[method-assign]
    DynamoDBStreamsHandler.get_records = _get_records  # type: ignore[method-assign]
