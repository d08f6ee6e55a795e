"""HTTP limits: header size (431), header/body/idle timeouts, buffers let go of.

Timeouts are set small here; the tests assert only that the connection gets answered or
closed, each within a bounded wait, never how long it took.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ddbkit.emulator.endpoint import heap_trim
from ddbkit.emulator.endpoint.heap_trim import HeapTrimmer
from ddbkit.emulator.endpoint.http import HttpProtocol, _Clock
from ddbkit.emulator.endpoint.limits import HttpLimits
from ddbkit.emulator.endpoint.server import EmulatorServer, ServerConfig
from ddbkit.emulator.errors import ConfigError

WAIT = 10.0  # the most any test waits for the server to act


@pytest.fixture(scope="module")
def short() -> Iterator[EmulatorServer]:
    """A server whose timeouts expire in a fraction of a second."""
    config = ServerConfig(port=0, limits=HttpLimits(header_timeout=0.3, body_timeout=0.3,
                                                    idle_timeout=0.3))
    with EmulatorServer(config) as server:
        yield server


def _connect(server: EmulatorServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=WAIT)


def _read_until_closed(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _error(answer: bytes) -> tuple[bytes, str]:
    head, body = answer.split(b"\r\n\r\n", 1)
    assert b"Connection: close" in head
    return head.split(b"\r\n")[0], json.loads(body)["__type"].split("#")[1]


def _head(*headers: str, port: int = 0) -> bytes:
    host = f"127.0.0.1:{port}" if port else "127.0.0.1"  # no port: refused if ever answered
    return "\r\n".join(["POST / HTTP/1.1", f"Host: {host}", *headers, "", ""]).encode()


def test_headers_over_the_limit_get_a_431_and_a_closed_connection(emulator: Any) -> None:
    many = [f"X-Pad-{i}: {'a' * 1000}" for i in range(80)]  # 80 KB in ordinary headers
    with socket.create_connection(("127.0.0.1", emulator.server.port), timeout=WAIT) as sock:
        sock.sendall(_head(*many))
        status, error_type = _error(_read_until_closed(sock))
    assert status == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert error_type == "RequestHeaderFieldsTooLarge"


def test_one_endless_header_is_cut_off_before_it_ends(emulator: Any) -> None:
    """httptools reports a header only once it is whole: the server must count it as it
    arrives, or it buffers whatever a client sends (64 MB were accepted before)."""
    with socket.create_connection(("127.0.0.1", emulator.server.port), timeout=WAIT) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Endless: ")
        sent = 0
        try:
            for _ in range(256):  # up to 16 MB; the server answers long before
                sock.sendall(b"a" * 65536)
                sent += 65536
        except OSError:
            pass  # reset by the server: it closed while we were still sending
        try:
            answer = _read_until_closed(sock)
        except ConnectionResetError:
            answer = b""
    assert sent < 16 * 1024 * 1024
    if answer:  # the answer may be lost to the reset of a socket with unread data
        assert _error(answer)[0].startswith(b"HTTP/1.1 431")


def test_headers_under_the_limit_are_served(emulator: Any) -> None:
    padding = [f"X-Pad-{i}: {'a' * 1000}" for i in range(50)]
    with socket.create_connection(("127.0.0.1", emulator.server.port), timeout=WAIT) as sock:
        sock.sendall(_head("X-Amz-Target: DynamoDB_20120810.ListTables", "Content-Length: 2",
                           "Connection: close", *padding, port=emulator.server.port) + b"{}")
        assert _read_until_closed(sock).startswith(b"HTTP/1.1 200 OK")


def test_headers_that_do_not_arrive_in_time_get_a_408(short: EmulatorServer) -> None:
    with _connect(short) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and nothing more
        status, error_type = _error(_read_until_closed(sock))
    assert status == b"HTTP/1.1 408 Request Timeout" and error_type == "RequestTimeoutException"


def test_trickled_headers_do_not_hold_the_connection(short: EmulatorServer) -> None:
    """A deadline for the whole header, not a pause between bytes: slowloris is cut off."""
    with _connect(short) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        trickled = 0
        try:
            for _ in range(100):  # 10 s of one byte every 0.1 s at most
                sock.sendall(b"a")
                trickled += 1
                time.sleep(0.1)
        except OSError:
            pass  # closed by the server
        # A timeout per pause (0.1 s < 0.3 s) would hold on until the trickle stopped and
        # answer 408 only then: the cut-off must come while the bytes still trickle in.
        assert trickled < 100, "the connection was held for as long as the header trickled"
        try:
            answer = _read_until_closed(sock)
        except ConnectionResetError:
            answer = b""
    assert answer == b"" or _error(answer)[0].startswith(b"HTTP/1.1 408")


def test_a_half_sent_body_gets_a_408(short: EmulatorServer) -> None:
    with _connect(short) as sock:
        sock.sendall(_head("X-Amz-Target: DynamoDB_20120810.ListTables",
                           "Content-Length: 100") + b"{")
        status, error_type = _error(_read_until_closed(sock))
    assert status == b"HTTP/1.1 408 Request Timeout" and error_type == "RequestTimeoutException"


@pytest.mark.parametrize("first", [b"", b"GET / HTTP/1.1\r\n\r\n"])
def test_idle_connections_are_closed(short: EmulatorServer, first: bytes) -> None:
    """A fresh connection that sends nothing, and a kept-alive one after its answer."""
    with _connect(short) as sock:
        sock.sendall(first)
        answer = _read_until_closed(sock)  # returns only once the server closed
    assert answer.endswith(b"healthy: ddbkit") if first else answer == b""


def test_a_busy_connection_is_not_idle(short: EmulatorServer) -> None:
    """Requests that keep coming keep their connection, however long it lives."""
    with _connect(short) as sock:
        for _ in range(4):
            sock.sendall(b"GET / HTTP/1.1\r\n\r\n")
            assert sock.recv(65536).endswith(b"healthy: ddbkit")
            time.sleep(0.1)


def test_large_bodies_are_trimmed_back_to_the_system(monkeypatch: pytest.MonkeyPatch) -> None:
    trims: list[int] = []
    monkeypatch.setattr(heap_trim, "_malloc_trim", lambda: trims.append)
    with EmulatorServer(ServerConfig(port=0, limits=HttpLimits(body_timeout=60))) as server:
        with _connect(server) as sock:
            sock.sendall(_head("Content-Length: 4000000") + b"a" * 2_000_000)
            time.sleep(0.2)  # let the server read it
        deadline = time.monotonic() + WAIT
        while not trims and time.monotonic() < deadline:
            time.sleep(0.05)
    assert trims == [0]


class _Transport:
    """Enough of an asyncio transport for one protocol, driven by hand."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.reading, self.closed = True, False

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else None

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True


def _protocol() -> tuple[HttpProtocol, _Transport, HeapTrimmer]:
    trimmer = HeapTrimmer(trim=lambda pad: 0)
    protocol = HttpProtocol(lambda environ, start: [], {}, HttpLimits(), _Clock(), None,
                            set(), trimmer)
    transport = _Transport()
    protocol.connection_made(transport)  # type: ignore[arg-type]
    return protocol, transport, trimmer


def test_a_lost_connection_lets_go_of_its_half_sent_body() -> None:
    protocol, _, trimmer = _protocol()
    protocol.data_received(_head("Content-Length: 3000000") + b"a" * 2_000_000)
    assert protocol.body_size == 2_000_000
    protocol.connection_lost(None)
    assert protocol.body == [] and protocol.parser is None and protocol.transport is None
    assert trimmer.freed == 2_000_000


def test_a_client_that_does_not_read_is_not_read_from() -> None:
    protocol, transport, _ = _protocol()
    protocol.pause_writing()
    assert not transport.reading
    protocol.resume_writing()
    assert transport.reading


@pytest.mark.parametrize("field", ["header_timeout", "body_timeout", "idle_timeout",
                                   "max_header_bytes"])
def test_limits_must_be_positive(field: str) -> None:
    with pytest.raises(ConfigError, match=f"{field} must be positive"):
        HttpLimits(**{field: 0})
