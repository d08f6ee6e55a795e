"""DynamoDB's JSON error format, for answers our own layer gives (not moto's)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Callable

StartResponse = Callable[..., Any]

# Real DynamoDB prefixes error types with the service's shape namespace.
_NAMESPACE = "com.amazonaws.dynamodb.v20120810#"
CONTENT_TYPE = "application/x-amz-json-1.0"


class WireError(Exception):
    """An error to answer in DynamoDB's format; `status` is the HTTP status line."""

    def __init__(self, error_type: str, message: str, status: str = "400 Bad Request") -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status


def error_body(error_type: str, message: str) -> bytes:
    return json.dumps({"__type": _NAMESPACE + error_type, "message": message}).encode()


def respond(start_response: StartResponse, status: str, body: bytes,
            content_type: str = CONTENT_TYPE) -> Iterable[bytes]:
    start_response(status, [("Content-Type", content_type),
                            ("Content-Length", str(len(body)))])
    return [body]


def respond_error(start_response: StartResponse, status: str, error_type: str,
                  message: str) -> Iterable[bytes]:
    return respond(start_response, status, error_body(error_type, message))
