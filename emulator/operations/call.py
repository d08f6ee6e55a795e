"""What an operation module receives (`Call`) and returns (`Answer`), and its error type."""

from __future__ import annotations

import base64
import json
import os
import zlib
from dataclasses import dataclass
from typing import Any

from ddbkit.emulator.endpoint.protocol import CONTENT_TYPE, ERROR_NAMESPACE

Answer = tuple[int, dict[str, str], bytes]  # (HTTP status, headers, body)


@dataclass(frozen=True, slots=True)
class Call:
    """One request, parsed and checked against the API model by the endpoint."""

    service: str  # "dynamodb" or "dynamodbstreams"
    operation: str  # "GetItem", "DescribeStream", ...
    params: dict[str, Any]  # the parsed body (blobs still base64 text)
    account_id: str
    region: str


class OperationError(Exception):
    """A refusal in DynamoDB's wire format: `error_type` without the namespace, the
    message in AWS's wording, and the error shape's other members (`fields`)."""

    def __init__(self, error_type: str, message: str, fields: dict[str, Any] | None = None,
                 status: int = 400) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.fields = fields or {}
        self.status = status

    @classmethod
    def from_document(cls, status: int, document: dict[str, Any]) -> OperationError:
        """An error answer someone else wrote (moto): kept member for member, its message
        worded as DynamoDB words it (`dynamodb_wording`)."""
        error_type = str(document.get("__type", "")).rpartition("#")[2]
        key = "message" if "message" in document else "Message"
        message = dynamodb_wording(str(document.get(key, "")))
        if key in document:
            document = {**document, key: message}
        error = cls(error_type, message, status=status)
        error.document = document
        return error

    document: dict[str, Any] | None = None

    def answer(self) -> Answer:
        body = self.document or {"__type": ERROR_NAMESPACE + self.error_type,
                                 "message": self.message, **self.fields}
        return _answer(self.status, json.dumps(body).encode())


VALIDATION_PREFIX = "1 validation error detected: "
# Sentences DynamoDB sends without that prefix, which moto adds to some of them.
_BARE = ("Invalid UpdateExpression:", "Invalid ProjectionExpression:",
         "One or more parameter values were invalid:", "Cannot specify the",
         "Must specify the", "Value provided in ExpressionAttribute")


def dynamodb_wording(message: str) -> str:
    """moto's message as DynamoDB sends it. DynamoDB prefixes "1 validation error detected: "
    only to constraint violations ("Value '...' at '...' failed to satisfy constraint");
    moto prefixes some rule violations too ("... Invalid UpdateExpression: Two document paths
    overlap ..."), which DynamoDB starts with the sentence itself (dynalite's tests, the Parity
    Suite)."""
    if message.startswith(VALIDATION_PREFIX) and \
            message[len(VALIDATION_PREFIX):].startswith(_BARE):
        return message[len(VALIDATION_PREFIX):]
    return message


def validation_error(message: str) -> OperationError:
    return OperationError("ValidationException", message)


def not_found(message: str) -> OperationError:
    return OperationError("ResourceNotFoundException", message)


def _json_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"an operation answered a {type(value).__name__}")


_encoder = json.JSONEncoder(separators=(",", ":"), default=_json_default)


def answer(payload: dict[str, Any]) -> Answer:
    """A successful answer: the operation's output document as DynamoDB's JSON (blobs as
    base64), with the request id and CRC32 headers SDKs read."""
    return _answer(200, _encoder.encode(payload).encode())


def _answer(status: int, body: bytes) -> Answer:
    return status, {"Content-Type": CONTENT_TYPE,
                    "x-amzn-RequestId": os.urandom(26).hex().upper(),
                    "x-amz-crc32": str(zlib.crc32(body))}, body


def encoded_answer(body: bytes) -> Answer:
    """A successful answer whose body is already the operation's output document."""
    return _answer(200, body)
