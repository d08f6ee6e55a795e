"""Writing responses: DynamoDB's JSON error format for our own answers, and moto's
handler results as WSGI responses."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from ddbkit.emulator.endpoint.protocol import CONTENT_TYPE, ERROR_NAMESPACE

StartResponse = Callable[..., Any]



class WireError(Exception):
    """An error to answer in DynamoDB's format; `status` is the HTTP status line."""

    def __init__(self, error_type: str, message: str, status: str = "400 Bad Request") -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status


def error_body(error_type: str, message: str, fields: dict[str, Any] | None = None) -> bytes:
    """DynamoDB's error JSON; `fields` are the error shape's other members (its reasons)."""
    return json.dumps({"__type": ERROR_NAMESPACE + error_type, "message": message,
                       **(fields or {})}).encode()


def respond(start_response: StartResponse, status: str, body: bytes,
            content_type: str = CONTENT_TYPE) -> Iterable[bytes]:
    start_response(status, [("Content-Type", content_type),
                            ("Content-Length", str(len(body)))])
    return [body]


def respond_error(start_response: StartResponse, status: str, error_type: str,
                  message: str, fields: dict[str, Any] | None = None) -> Iterable[bytes]:
    return respond(start_response, status, error_body(error_type, message, fields))


def send(start_response: StartResponse, status: int | str, headers: dict[str, Any],
         body: Any) -> Iterable[bytes]:
    """An operation's (status, headers, body) as a WSGI response."""
    payload = body.encode() if isinstance(body, str) else bytes(body or b"")
    lines = [(k, str(v)) for k, v in headers.items() if k.lower() != "status"]
    lines.append(("Content-Length", str(len(payload))))
    code = int(status)
    start_response(f"{code} {HTTPStatus(code).phrase}", lines)
    return [payload]
