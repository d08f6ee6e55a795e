"""The HTTP layer: loopback by default, keep-alive, identity pinning, wire-format errors."""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any

import pytest

from ddbkit.emulator.endpoint.server import EmulatorServer, ServerConfig
from ddbkit.emulator.errors import PortInUseError


def _post(conn: http.client.HTTPConnection, target: str, body: str) -> tuple[int, Any]:
    conn.request("POST", "/", body=body, headers={
        "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"})
    response = conn.getresponse()
    return response.status, json.loads(response.read())


def test_binds_loopback_by_default() -> None:
    assert ServerConfig().host == "127.0.0.1"
    with EmulatorServer(ServerConfig(port=0)) as server:
        assert server.endpoint_url == f"http://127.0.0.1:{server.port}"


def test_connection_is_kept_alive_across_requests(emulator: Any) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", emulator.server.port)
    _post(conn, "DynamoDB_20120810.ListTables", "{}")
    first_socket = conn.sock
    status, body = _post(conn, "DynamoDB_20120810.ListTables", "{}")
    assert status == 200 and "marketplace-dev-bookings-table" in body["TableNames"]
    assert conn.sock is first_socket  # http.client reopens when the server closes


@pytest.mark.parametrize(("target", "body", "error_type", "phrase"), [
    ("DynamoDB_20120810.ListTables", "{not json", "SerializationException", "not valid JSON"),
    ("DynamoDB_20120810.GetItem", "{}", "ValidationException", "Value null at 'tableName'"),
    ("DynamoDB_20120810.PutItem", '{"TableName": "tbl", "Item": "x"}', "SerializationException",
     "Expected map or null"),
    ("DynamoDB_20120810.Frobnicate", "{}", "UnknownOperationException", "Frobnicate"),
    ("Kinesis_20131202.ListStreams", "{}", "UnknownOperationException", "X-Amz-Target"),
    ("DynamoDB_20120810.GetItem",
     '{"TableName": "nope", "Key": {"bookingId": {"S": "1"}}}',
     "ResourceNotFoundException", "not found"),
])
def test_bad_input_gets_a_wire_format_error(emulator: Any, target: str, body: str,
                                            error_type: str, phrase: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", emulator.server.port)
    status, answer = _post(conn, target, body)
    assert status == 400
    assert answer["__type"].endswith("#" + error_type)
    assert phrase in answer["message"]


def test_bad_input_does_not_lose_stored_items(emulator: Any, client: Any) -> None:
    table = "marketplace-dev-services-table"
    item = {"serviceId": {"S": "keep-me"}, "category": {"S": "Plumbing"},
            "providerId": {"S": "p1"}, "price": {"N": "80"}}
    client.put_item(TableName=table, Item=item)
    conn = http.client.HTTPConnection("127.0.0.1", emulator.server.port)
    _post(conn, "DynamoDB_20120810.PutItem", '{"TableName": "' + table + '", "Item": 7}')
    _post(conn, "DynamoDB_20120810.DeleteItem", '{"TableName": "' + table + '"}')
    assert client.get_item(TableName=table, Key={"serviceId": {"S": "keep-me"}})["Item"] == item
    client.delete_item(TableName=table, Key={"serviceId": {"S": "keep-me"}})


def test_health_probe(emulator: Any) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", emulator.server.port)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"healthy: ddbkit"


def test_port_in_use_is_a_clear_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"port {port} .* already in use"):
            EmulatorServer(ServerConfig(port=port)).start()


def test_stop_releases_the_port() -> None:
    server = EmulatorServer(ServerConfig(port=0)).start()
    port = server.port
    server.stop()
    with EmulatorServer(ServerConfig(port=port)) as again:
        assert again.port == port


def _exchange(port: int, data: bytes) -> bytes:
    """Sends raw bytes and reads until the server closes the connection. `Host: HOST` in
    `data` becomes the endpoint's own (requests for other hosts are refused)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data.replace(b"Host: HOST\r\n", f"Host: 127.0.0.1:{port}\r\n".encode()))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _request(body: bytes, *extra_headers: str, length: int | None = None) -> bytes:
    headers = ["POST / HTTP/1.1", "Host: HOST", "X-Amz-Target: DynamoDB_20120810.ListTables",
               "Content-Type: application/x-amz-json-1.0", *extra_headers]
    if length is not None:
        headers.append(f"Content-Length: {length}")
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


def test_pipelined_requests_are_answered_in_order_and_close_is_honoured(emulator: Any) -> None:
    answer = _exchange(emulator.server.port,
                       _request(b"{}", length=2)
                       + _request(b'{"Limit": 1}', "Connection: close", length=12))
    first, second = answer.split(b"HTTP/1.1 ")[1:]
    assert first.startswith(b"200 OK") and b"marketplace-dev-" in first
    assert second.startswith(b"200 OK") and b"Connection: close" in second
    # Limit 1: one name (which one depends on the stages earlier tests created).
    assert len(json.loads(second.split(b"\r\n\r\n", 1)[1])["TableNames"]) == 1
    # ... the first of the full list the first request got: the answers are in order.
    assert json.loads(second.split(b"\r\n\r\n", 1)[1])["TableNames"] == \
        json.loads(first.split(b"\r\n\r\n", 1)[1])["TableNames"][:1]


def test_chunked_bodies_and_expect_continue_are_understood(emulator: Any) -> None:
    chunked = _request(b"2\r\n{}\r\n0\r\n\r\n", "Transfer-Encoding: chunked",
                       "Expect: 100-continue", "Connection: close")
    answer = _exchange(emulator.server.port, chunked)
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK")
    assert b"marketplace-dev-users-table" in answer


def test_http_1_0_closes_after_the_answer(emulator: Any) -> None:
    answer = _exchange(emulator.server.port, b"GET / HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 OK") and answer.endswith(b"healthy: ddbkit")


@pytest.mark.parametrize(("data", "status", "error_type"), [
    (b"NOT HTTP AT ALL\r\n\r\n", b"400", "SerializationException"),
    (_request(b"", length=17 * 1024 * 1024), b"413", "RequestEntityTooLarge"),
])
def test_broken_http_gets_a_wire_format_error_and_a_closed_connection(
        emulator: Any, client: Any, data: bytes, status: bytes, error_type: str) -> None:
    answer = _exchange(emulator.server.port, data)  # returns: the server closed it
    head, body = answer.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 " + status) and b"Connection: close" in head
    assert json.loads(body)["__type"].endswith("#" + error_type)
    assert "marketplace-dev-users-table" in client.list_tables()["TableNames"]


def test_stop_ends_idle_keep_alive_connections() -> None:
    server = EmulatorServer(ServerConfig(port=0)).start()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as idle:
        idle.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
        assert idle.recv(65536).startswith(b"HTTP/1.1 200 OK")
        server.stop()
        assert idle.recv(65536) == b""  # closed by the server, not left hanging


def test_log_requests_prints_one_line_per_request(capsys: pytest.CaptureFixture[str]) -> None:
    with EmulatorServer(ServerConfig(port=0, log_requests=True)) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port)
        _post(conn, "DynamoDB_20120810.ListTables", "{}")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert '"POST / DynamoDB_20120810.ListTables" - 200' in lines[0]  # no table: -


def test_server_moves_survivors_out_of_the_collectors_way(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    import time

    from ddbkit.emulator.endpoint import gc_pauses

    monkeypatch.setattr(gc_pauses, "FREEZE_INTERVAL", 0.05)
    gc.unfreeze()
    try:
        with EmulatorServer(ServerConfig(port=0)):
            deadline = time.monotonic() + 10
            while gc.get_freeze_count() == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_serves_on_asyncios_own_loop_where_uvloop_is_missing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from ddbkit.emulator.endpoint import http as http_server

    monkeypatch.setattr(http_server, "new_event_loop", asyncio.new_event_loop)  # as on Windows
    with EmulatorServer(ServerConfig(port=0)) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port)
        status, answer = _post(conn, "DynamoDB_20120810.ListTables", "{}")
        assert status == 200 and isinstance(answer["TableNames"], list)
        assert _post(conn, "DynamoDB_20120810.GetItem", "{}")[0] == 400  # same connection
