"""CORS: a browser's preflight is answered (without a signature, even with --auth) and every
answer lets a page's script read it, as DynamoDB does for the JavaScript SDK in a browser."""

from __future__ import annotations

import http.client
from collections.abc import Iterator

import pytest

from ddbkit.emulator.endpoint.auth import Credentials
from ddbkit.emulator.endpoint.server import EmulatorServer, ServerConfig

ORIGIN = "http://localhost:5173"


@pytest.fixture(scope="module")
def guarded() -> Iterator[EmulatorServer]:
    config = ServerConfig(port=0, auth=(Credentials("AKIDCORSTEST", "secret"),))
    with EmulatorServer(config) as server:
        yield server


def _request(server: EmulatorServer, method: str, headers: dict[str, str],
             body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, "/", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, \
            response.read()
    finally:
        connection.close()


def test_a_preflight_is_answered_without_a_signature(guarded: EmulatorServer) -> None:
    status, headers, body = _request(guarded, "OPTIONS", {
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-date,authorization"})
    assert (status, body) == (200, b"")
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-allow-methods"] == "POST"
    assert headers["access-control-allow-headers"] == \
        "content-type,x-amz-target,x-amz-date,authorization"
    assert headers["access-control-max-age"] == "172800"
    assert "x-amzn-RequestId" in headers["access-control-expose-headers"]


def test_every_answer_allows_any_origin_and_exposes_the_sdks_headers(
        guarded: EmulatorServer) -> None:
    # unsigned, so refused: a browser must still be able to read the refusal
    status, headers, body = _request(guarded, "POST", {
        "Origin": ORIGIN, "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Content-Type": "application/x-amz-json-1.0"}, b"{}")
    assert status == 400 and b"MissingAuthenticationTokenException" in body
    assert headers["access-control-allow-origin"] == "*"
    exposed = {h.strip() for h in headers["access-control-expose-headers"].split(",")}
    assert {"x-amzn-RequestId", "x-amz-crc32", "x-amzn-ErrorType"} <= exposed
    status, headers, _ = _request(guarded, "GET", {"Origin": ORIGIN})
    assert status == 200 and headers["access-control-allow-origin"] == "*"


def test_an_options_request_that_is_no_preflight_is_not_answered_as_one(
        guarded: EmulatorServer) -> None:
    status, headers, _ = _request(guarded, "OPTIONS", {"Origin": ORIGIN})
    assert status != 200 and "access-control-max-age" not in headers
