"""The HTTP layer: loopback by default, keep-alive, identity pinning, wire-format errors."""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any

import pytest

from emulator.errors import PortInUseError
from emulator.server import EmulatorServer, ServerConfig


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
    ("DynamoDB_20120810.GetItem", "{}", "ValidationException", '"TableName"'),
    ("DynamoDB_20120810.PutItem", '{"TableName": "t", "Item": "x"}', "ValidationException",
     "parameter Item"),
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
