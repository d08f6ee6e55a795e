"""CORS, as DynamoDB answers browsers: a page's JavaScript SDK may call the endpoint directly.

A preflight (OPTIONS naming Access-Control-Request-Method) is answered 200 with an empty body,
allowing the method and headers it asks for, for two days (DynamoDB's Max-Age); it carries no
signature, so it is answered before the --auth check (the request that follows is checked as
usual, and so is its Host). Every other answer allows any origin and exposes the headers the
SDK reads (the request id, the error type, the checksum): a browser hides the rest from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ddbkit.emulator.endpoint.http import WsgiApp
from ddbkit.emulator.endpoint.wire import StartResponse

MAX_AGE_SECONDS = "172800"
ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = ("authorization, content-type, x-amz-date, x-amz-target, x-amz-user-agent, "
                   "x-amz-security-token, x-amz-content-sha256, amz-sdk-invocation-id, "
                   "amz-sdk-request")
EXPOSED_HEADERS = ("x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, x-amz-crc32, "
                   "Date")
ANSWER_HEADERS = [("Access-Control-Allow-Origin", "*"),
                  ("Access-Control-Expose-Headers", EXPOSED_HEADERS)]


class Cors:
    """WSGI middleware: answers preflights itself, adds the CORS headers to every answer."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        if is_preflight(environ):
            start_response("200 OK", preflight_headers(environ))
            return [b""]

        def with_cors(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            return start_response(status, [*headers, *ANSWER_HEADERS], *exc)

        return self.app(environ, with_cors)


def is_preflight(environ: dict[str, Any]) -> bool:
    return (environ.get("REQUEST_METHOD") == "OPTIONS"
            and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ)


def preflight_headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """Allows what the browser asks for (the SDK's own headers when it names none)."""
    return [("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Methods",
             environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD") or ALLOWED_METHODS),
            ("Access-Control-Allow-Headers",
             environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS") or ALLOWED_HEADERS),
            ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
            ("Access-Control-Max-Age", MAX_AGE_SECONDS),
            ("Content-Length", "0")]
