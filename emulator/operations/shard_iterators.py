"""Shard iterators as DynamoDB Streams hands them out: self-contained, valid for 15 minutes.

GetShardIterator issues them and GetRecords reads them. As on AWS, an iterator is an opaque
token and the server keeps nothing per iterator (moto kept every one it handed out, a new one
per GetRecords, for the life of the process): the stream ARN, `|1|`, then base64 of an HMAC
tag, the shard id, the position (the sequence number of the next record to read) and the
time it was issued on the store's clock. The tag (a key drawn at start-up) means a token
this process did not issue, or an altered one, is refused, never trusted.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import time
from dataclasses import dataclass

from ddbkit.emulator.operations.call import OperationError, validation_error

LIFETIME_SECONDS = 15 * 60  # AWS: a shard iterator expires 15 minutes after it is issued
_KEY = os.urandom(32)
_TAG_BYTES = 16
_SEPARATOR = "|1|"  # as in AWS's tokens: stream ARN, "|1|", opaque part


@dataclass(frozen=True, slots=True)
class Position:
    stream_arn: str
    shard_id: str
    sequence_number: int  # of the next record to read
    issued: float  # epoch seconds on the store's clock

    def token(self) -> str:
        opaque = f"{self.shard_id}|{self.sequence_number}|{self.issued!r}".encode()
        return self.stream_arn + _SEPARATOR + base64.b64encode(
            _tag(self.stream_arn, opaque) + opaque).decode()


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
        raise validation_error("Invalid ShardIterator") from None


def _tag(stream_arn: str, opaque: bytes) -> bytes:
    return hmac.digest(_KEY, stream_arn.encode() + b"\0" + opaque, hashlib.sha256)[:_TAG_BYTES]


def expired(issued: float, now: float) -> OperationError:
    return OperationError(
        "ExpiredIteratorException",
        f"Iterator expired. The iterator was created at time {_aws_time(issued)} while right "
        f"now it is {_aws_time(now)} which is further in the future than the tolerated delay "
        f"of {LIFETIME_SECONDS * 1000} milliseconds.")


def trimmed() -> OperationError:
    """A position older than the oldest record kept (`store.stream_shards` trims after 24 h)."""
    return OperationError("TrimmedDataAccessException",
                          "The data you are trying to access has been trimmed.")


def _aws_time(epoch: float) -> str:
    """As AWS writes it in the expiry message (Java's Date.toString, in UTC)."""
    return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(epoch))
