"""Call moto's DynamoDB and Streams handlers straight from WSGI, without Flask.

moto's server puts a Flask app per service behind a host-sniffing dispatcher, adds CORS
headers, and its `call_action` lists the handler class's methods with `inspect.getmembers`
on every request (a few hundred microseconds), and `_enrich_response` runs a regex over each
JSON body looking for an XML RequestId. Here the request becomes moto's own Request
type and goes to the handler's `dispatch`, exactly as moto's Flask view would pass it, and
the method list is computed once per class. Request ids come from os.urandom instead of 52
calls to random.choice. The handler, its parsing and its responses are moto's.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

import moto.core.responses as core_responses
from moto.core.request import Request
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

from ddbkit.emulator.moto_ext import require

StartResponse = Callable[..., Any]


class _ServerRequest(Request):
    from_wsgi_server = True  # as moto's own server marks its requests


def handler_app(handler: Any) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """A WSGI app that hands every request to `handler.dispatch`."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = _ServerRequest(environ)
        return send(start_response, *handler.dispatch(request, request.raw_url,
                                                      dict(request.headers)))

    return app


def send(start_response: StartResponse, status: int | str, headers: dict[str, Any],
         body: Any) -> Iterable[bytes]:
    """A moto handler's (status, headers, body) as a WSGI response."""
    payload = body.encode() if isinstance(body, str) else bytes(body or b"")
    lines = [(k, str(v)) for k, v in headers.items() if k.lower() != "status"]
    lines.append(("Content-Length", str(len(payload))))
    code = int(status)
    start_response(f"{code} {HTTPStatus(code).phrase}", lines)
    return [payload]


def dynamodb_app() -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    return handler_app(DynamoHandler)


def streams_app() -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    return handler_app(DynamoDBStreamsHandler)


def request_id(headers: dict[str, Any] | None = None) -> str:
    """52 characters, like DynamoDB's x-amzn-RequestId."""
    value = os.urandom(26).hex().upper()
    if isinstance(headers, dict):
        headers["x-amzn-requestid"] = value
    return value


def _wrap_enrich_response(original: Any) -> Any:
    def enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
        if isinstance(body, str) and "<RequestId>" not in body:
            # moto's version also runs a regex over the whole body for an XML RequestId;
            # DynamoDB answers JSON, so only the request id header is left to add.
            if "status" in headers:
                headers["status"] = str(headers["status"])
            request_id(headers)
            return headers, body
        return original(headers, body)  # type: ignore[no-any-return]

    return staticmethod(enrich_response)


def install() -> None:
    require(core_responses, "method_names_from_class", "gen_amzn_requestid_long")
    require(core_responses.BaseResponse, "_enrich_response")
    require(DynamoHandler, "dispatch")
    require(Request, "raw_url")
    module: Any = core_responses  # its names are imports, not exports, for mypy
    module.gen_amzn_requestid_long = request_id
    module.method_names_from_class = functools.cache(module.method_names_from_class)
    for handler in (DynamoHandler, DynamoDBStreamsHandler):
        handler._enrich_response = _wrap_enrich_response(  # type: ignore[method-assign]
            core_responses.BaseResponse._enrich_response)
