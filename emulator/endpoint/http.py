"""HTTP/1.1 for the emulator: an asyncio protocol around httptools' parser, on uvloop if present.

gevent's pywsgi parsed each request's headers in Python and wrote headers and body in
separate sends: ~200 us of a ~500 us GetItem round trip. httptools is llhttp (Node's C
parser, the one uvicorn uses); the response goes out in one write. Connections stay open
(HTTP/1.1 keep-alive, pipelining in order) until the client closes them or asks to.

The WSGI app is called synchronously from the event loop: moto's handlers never yield, so
each request runs to completion before the next starts, which is what a single in-memory
store wants. Malformed HTTP gets a 400 and the connection is closed; a body over
`max_body_bytes` gets a 413 before it is read.
"""

from __future__ import annotations

import asyncio
import io
import logging
import socket
import sys
import time
from collections.abc import Callable, Iterable
from email.utils import formatdate
from typing import Any, TextIO

import httptools

from ddbkit.emulator.endpoint.protocol import CONTENT_TYPE
from ddbkit.emulator.endpoint.wire import error_body

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_INTERNAL_ERROR = error_body("InternalServerError", "internal error in the emulator")


class _Clock:
    """The Date header, formatted once a second rather than once a request."""

    def __init__(self) -> None:
        self._second = -1
        self._value = b""

    def date(self) -> bytes:
        now = int(time.time())
        if now != self._second:
            self._second, self._value = now, formatdate(now, usegmt=True).encode()
        return self._value


class HttpProtocol(asyncio.Protocol):
    """One client connection: parse requests, call the app, write each response whole."""

    def __init__(self, app: WsgiApp, base_environ: dict[str, Any], max_body_bytes: int,
                 clock: _Clock, access_log: TextIO | None,
                 connections: set[HttpProtocol]) -> None:
        self.app, self.base_environ, self.max_body_bytes = app, base_environ, max_body_bytes
        self.clock, self.access_log, self.connections = clock, access_log, connections
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.closing = False
        self._reset()

    def _reset(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.body_size = 0

    # -- asyncio -----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment] # uvloop's is not a subclass
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = transport.get_extra_info("peername") or ("", 0)
        self.remote_addr = str(peer[0])
        self.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.discard(self)

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail("400 Bad Request", "SerializationException",
                       "protocol upgrades are not supported")
        except httptools.HttpParserError as exc:
            self._fail("400 Bad Request", "SerializationException",
                       f"malformed HTTP request: {exc}")

    # -- httptools callbacks -----------------------------------------------------------
    def on_message_begin(self) -> None:
        self._reset()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        for name, value in self.headers:
            lowered = name.lower()
            if lowered == b"content-length" and value.isdigit() \
                    and int(value) > self.max_body_bytes:
                self._too_large()
            elif lowered == b"expect" and value.lower() == b"100-continue" and not self.closing:
                self._write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        if self.closing:
            return
        self.body_size += len(body)
        if self.body_size > self.max_body_bytes:  # chunked bodies have no Content-Length
            self._too_large()
            return
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.closing:
            return
        started = time.perf_counter()
        environ = self._environ()
        status, headers, payload = self._call_app(environ)
        keep_alive = self.parser.should_keep_alive()
        head = [b"HTTP/1.1 ", status, b"\r\nDate: ", self.clock.date(), b"\r\n"]
        for name, value in headers:
            head += [name.encode("latin-1"), b": ", value.encode("latin-1"), b"\r\n"]
        if not keep_alive:
            head.append(b"Connection: close\r\n")
        head.append(b"\r\n")
        self._write(b"".join(head) + payload)
        if self.access_log is not None:
            self._log_access(environ, status, len(payload), time.perf_counter() - started)
        if not keep_alive:
            self.close()

    # -- helpers -----------------------------------------------------------------------
    def _environ(self) -> dict[str, Any]:
        path, _, query = self.url.partition(b"?")
        body = b"".join(self.body)
        environ = dict(self.base_environ)
        environ.update({
            "REQUEST_METHOD": self.parser.get_method().decode("latin-1"),
            "PATH_INFO": path.decode("latin-1"), "QUERY_STRING": query.decode("latin-1"),
            "SERVER_PROTOCOL": f"HTTP/{self.parser.get_http_version()}",
            "REMOTE_ADDR": self.remote_addr, "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body)})
        for name, value in self.headers:
            key = name.decode("latin-1").upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            elif key == "CONTENT_LENGTH":
                continue  # the body as read is the truth (chunked requests have none)
            text = value.decode("latin-1")
            environ[key] = f"{environ[key]},{text}" if key in environ else text
        return environ

    def _call_app(self, environ: dict[str, Any]) -> tuple[bytes, list[tuple[str, str]], bytes]:
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]],
                           exc_info: Any = None) -> Callable[[bytes], None]:
            started[:] = [status, headers]
            return chunks.append

        chunks: list[bytes] = []
        try:
            result = self.app(environ, start_response)
            chunks.extend(result)
            status, headers = started
        except Exception:
            log.exception("the emulator failed on a request")
            return (b"500 Internal Server Error",
                    [("Content-Type", CONTENT_TYPE),
                     ("Content-Length", str(len(_INTERNAL_ERROR)))], _INTERNAL_ERROR)
        payload = b"".join(chunks)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(payload))))
        return status.encode("latin-1"), headers, payload

    def _too_large(self) -> None:
        self._fail("413 Request Entity Too Large", "RequestEntityTooLarge",
                   f"request body over {self.max_body_bytes} bytes")

    def _fail(self, status: str, error_type: str, message: str) -> None:
        """Answers in DynamoDB's error format and closes: the stream is no longer in sync."""
        if self.closing:
            return
        body = error_body(error_type, message)
        self._write(f"HTTP/1.1 {status}\r\nContent-Type: {CONTENT_TYPE}\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                    + body)
        self.close()

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def close(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.close()

    def _log_access(self, environ: dict[str, Any], status: bytes, size: int,
                    seconds: float) -> None:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        print(f'{self.remote_addr} "{environ["REQUEST_METHOD"]} {environ["PATH_INFO"]}'
              f'{" " + target if target else ""}" {status.decode().split()[0]} {size} '
              f'{seconds * 1000:.2f}ms', file=self.access_log, flush=True)


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's loop where it is installed (not on Windows), asyncio's otherwise."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class HttpServer:
    """A listening server and its open connections."""

    def __init__(self, server: asyncio.Server, connections: set[HttpProtocol]) -> None:
        self.server, self.connections = server, connections

    async def close(self) -> None:
        """Stops listening and ends every connection (clients keep theirs open)."""
        self.server.close()
        for connection in list(self.connections):
            connection.close()
        await self.server.wait_closed()


async def serve(sock: socket.socket, app: WsgiApp, *, max_body_bytes: int,
                access_log: TextIO | None = None) -> HttpServer:
    """Starts serving on an already bound socket; the returned server is listening."""
    host, port = sock.getsockname()[:2]
    base_environ = {
        "SERVER_NAME": str(host), "SERVER_PORT": str(port), "SCRIPT_NAME": "",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False}
    clock = _Clock()
    connections: set[HttpProtocol] = set()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: HttpProtocol(app, base_environ, max_body_bytes, clock, access_log, connections),
        sock=sock, backlog=128)
    return HttpServer(server, connections)
