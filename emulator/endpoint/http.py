"""HTTP/1.1 for the emulator: an asyncio protocol around httptools' parser, on uvloop if present.

gevent's pywsgi parsed each request's headers in Python and wrote headers and body in
separate sends: ~200 us of a ~500 us GetItem round trip. httptools is llhttp (Node's C
parser, the one uvicorn uses); the response goes out in one write. Connections stay open
(HTTP/1.1 keep-alive, pipelining in order) until the client closes them or asks to.

The WSGI app is called synchronously from the event loop: the operations never yield, so
each request runs to completion before the next starts, which is what a single in-memory
store wants. An app may instead ask (`protocol.DEFER_KEY`) for a call to run in a thread
of its own (the emulator's admin calls: a state save or restore takes seconds and locks the
store only briefly): other connections are served meanwhile. Malformed HTTP gets a 400 and
the connection is closed; headers over `max_header_bytes` get a 431, a body over
`max_body_bytes` a 413 before it is read, a request whose headers or body do not arrive in
time a 408; an idle connection is closed (limits.py).
What a request holds is dropped once it is answered or its connection ends, and a client that
stops reading its answers is not read from until it catches up (asyncio's flow control), so
no client makes the server hold more than one request's worth of its data.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import math
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from email.utils import formatdate
from typing import Any, TextIO

import httptools

from ddbkit.emulator.endpoint.app import table_named
from ddbkit.emulator.endpoint.heap_trim import HeapTrimmer
from ddbkit.emulator.endpoint.limits import CLOSE_GRACE, HttpLimits, expire_overdue
from ddbkit.emulator.endpoint.protocol import CONTENT_TYPE, DEFER_KEY, DELAY_KEY, PARAMS_KEY
from ddbkit.emulator.endpoint.wire import error_body
from ddbkit.emulator.turns import background_job, lower_priority

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_INTERNAL_ERROR = error_body("InternalServerError", "internal error in the emulator")
# What a connection is waiting for; each has its own deadline (limits.py).
_IDLE, _HEADERS, _BODY = "idle", "headers", "body"


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

    def __init__(self, app: WsgiApp, base_environ: dict[str, Any], limits: HttpLimits,
                 clock: _Clock, access_log: TextIO | None,
                 connections: set[HttpProtocol], trimmer: HeapTrimmer) -> None:
        self.app, self.base_environ, self.limits = app, base_environ, limits
        self.clock, self.access_log, self.connections = clock, access_log, connections
        self.trimmer = trimmer
        self.transport: asyncio.Transport | None = None
        self.parser: httptools.HttpRequestParser | None = httptools.HttpRequestParser(self)
        self.closing = False
        self.phase = _IDLE
        self.deadline = time.monotonic() + limits.idle_timeout
        self._header_progress = False
        self.body_size = 0
        self._held = 0  # answers waiting out an injected latency (faults), sent in order
        self._held_until = 0.0
        self._working = False  # an answer is being worked out off the loop (DEFER_KEY)
        self._backlog: list[tuple[dict[str, Any], bool, float]] = []  # requests after it
        self._reset()

    def _reset(self) -> None:
        """Drops what the current request holds."""
        if self.body_size:
            self.trimmer.body_freed(self.body_size)
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.body_size = 0
        self.header_bytes = 0

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
        # Let go of the request's buffers now, and of the parser and transport, which refer
        # back to this protocol: as a reference cycle it would wait for the cyclic collector,
        # and once gc_pauses has frozen it, forever (a half-sent body: megabytes each).
        self.closing = True
        self._reset()
        self.parser = self.transport = None

    # A client that does not read its answers fills the transport's write buffer; stop
    # reading its requests until it drains, rather than buffer answers without bound.
    def pause_writing(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        parser = self.parser
        if self.closing or parser is None:
            return
        self._header_progress = False
        try:
            parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail("400 Bad Request", "SerializationException",
                       "protocol upgrades are not supported")
        except httptools.HttpParserError as exc:
            self._fail("400 Bad Request", "SerializationException",
                       f"malformed HTTP request: {exc}")
        if self.phase is _HEADERS and not self._header_progress and not self.closing:
            # httptools reports a header only once it is whole: all of this chunk belongs
            # to one header still arriving, which counts against the limit as it comes.
            self.header_bytes += len(data)
            self._check_header_bytes()

    # -- httptools callbacks -----------------------------------------------------------
    def on_message_begin(self) -> None:
        self._reset()
        self._enter(_HEADERS, self.limits.header_timeout)
        self._header_progress = True

    def on_url(self, url: bytes) -> None:
        self.url += url
        self.header_bytes += len(url)
        self._header_progress = True
        self._check_header_bytes()

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.closing:
            return
        self.header_bytes += len(name) + len(value) + 4  # ": " and CRLF
        self._header_progress = True
        if self._check_header_bytes():
            self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self.closing:
            return
        self._enter(_BODY, self.limits.body_timeout)
        for name, value in self.headers:
            lowered = name.lower()
            if lowered == b"content-length" and value.isdigit() \
                    and int(value) > self.limits.max_body_bytes:
                self._too_large()
            elif lowered == b"expect" and value.lower() == b"100-continue" and not self.closing:
                self._write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        if self.closing:
            return
        self.body_size += len(body)
        if self.body_size > self.limits.max_body_bytes:  # chunked bodies: no Content-Length
            self._too_large()
            return
        self.body.append(body)

    def on_message_complete(self) -> None:
        parser = self.parser
        if self.closing or parser is None:
            return
        request = (self._environ(parser), parser.should_keep_alive(), time.perf_counter())
        if self._working:  # answers go out in order: this one waits for the deferred one
            self._backlog.append(request)
            self._reset()
            return
        self._answer(*request)

    def _answer(self, environ: dict[str, Any], keep_alive: bool, started: float) -> None:
        deferred: list[WsgiApp] = []
        environ[DEFER_KEY] = deferred
        answer = self._call_app(environ)
        if deferred:
            self._defer(deferred[0], environ, keep_alive, started)
            return
        self._send(environ, keep_alive, started, answer)

    def _defer(self, app: WsgiApp, environ: dict[str, Any], keep_alive: bool,
               started: float) -> None:
        """Runs `app` in a thread of its own, so other connections go on being served."""
        self._working = True
        self.deadline = math.inf  # not idle, and no timeout of ours applies to the answer
        self._reset()
        if self.transport is not None:
            self.transport.pause_reading()  # a backlog stays small
        loop = asyncio.get_running_loop()

        def work() -> None:
            lower_priority()  # the requests served meanwhile come first
            with background_job():
                answer = self._call_app(environ, app)
            with contextlib.suppress(RuntimeError):  # the server stopped meanwhile
                loop.call_soon_threadsafe(self._deferred_done, environ, keep_alive, started,
                                          answer)

        threading.Thread(target=work, name="ddbkit-admin-call", daemon=True).start()

    def _deferred_done(self, environ: dict[str, Any], keep_alive: bool, started: float,
                       answer: tuple[bytes, list[tuple[str, str]], bytes]) -> None:
        self._working = False
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()
        self._send(environ, keep_alive, started, answer)
        while self._backlog and not self._working and not self.closing:
            self._answer(*self._backlog.pop(0))

    def _send(self, environ: dict[str, Any], keep_alive: bool, started: float,
              answer: tuple[bytes, list[tuple[str, str]], bytes]) -> None:
        status, headers, payload = answer
        head = [b"HTTP/1.1 ", status, b"\r\nDate: ", self.clock.date(), b"\r\n"]
        for name, value in headers:
            head += [name.encode("latin-1"), b": ", value.encode("latin-1"), b"\r\n"]
        if not keep_alive:
            head.append(b"Connection: close\r\n")
        head.append(b"\r\n")
        delay = environ.get(DELAY_KEY, 0.0)
        if delay > 0 or self._held:
            self._send_later(b"".join(head) + payload, delay, close=not keep_alive)
        else:
            self._write(b"".join(head) + payload)
        if self.access_log is not None:
            self._log_access(environ, status, len(payload), time.perf_counter() - started)
        self._reset()  # an idle connection holds no request
        if not keep_alive and not self._held:
            self.close()
        elif keep_alive:
            self._enter(_IDLE, self.limits.idle_timeout)

    def _send_later(self, data: bytes, delay: float, close: bool) -> None:
        """Sends an answer after `delay` seconds without holding up other connections; a
        later answer on this connection never overtakes it."""
        loop = asyncio.get_event_loop()
        due = max(loop.time() + delay, self._held_until + 1e-6)
        self._held_until = due
        self._held += 1
        loop.call_at(due, self._deliver, data, close)

    def _deliver(self, data: bytes, close: bool) -> None:
        self._held -= 1
        self._write(data)
        if close:
            self.close()

    # -- limits ------------------------------------------------------------------------
    def _enter(self, phase: str, timeout: float) -> None:
        self.phase, self.deadline = phase, time.monotonic() + timeout

    def _check_header_bytes(self) -> bool:
        if self.header_bytes <= self.limits.max_header_bytes:
            return True
        self._fail("431 Request Header Fields Too Large", "RequestHeaderFieldsTooLarge",
                   f"request headers over {self.limits.max_header_bytes} bytes")
        return False

    def expire(self) -> None:
        """Called by the sweep (limits.py) once the deadline of the current phase passed."""
        if self.closing:  # told to close, but the client is not reading what is left
            if self.transport is not None:
                self.transport.abort()
        elif self.phase is _IDLE:
            self.close()  # nothing to answer: clients reconnect on a closed idle connection
        else:
            timeout = (self.limits.header_timeout if self.phase is _HEADERS
                       else self.limits.body_timeout)
            # botocore retries RequestTimeoutException, as for AWS's own 408s.
            self._fail("408 Request Timeout", "RequestTimeoutException",
                       f"the request's {self.phase} did not arrive within {timeout:g} s")

    # -- helpers -----------------------------------------------------------------------
    def _environ(self, parser: httptools.HttpRequestParser) -> dict[str, Any]:
        path, _, query = self.url.partition(b"?")
        body = b"".join(self.body)
        self.body = []  # the joined copy is all the app needs: hold one copy, not two
        environ = dict(self.base_environ)
        environ.update({
            "REQUEST_METHOD": parser.get_method().decode("latin-1"),
            "PATH_INFO": path.decode("latin-1"), "QUERY_STRING": query.decode("latin-1"),
            "SERVER_PROTOCOL": f"HTTP/{parser.get_http_version()}",
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

    def _call_app(self, environ: dict[str, Any], app: WsgiApp | None = None
                  ) -> tuple[bytes, list[tuple[str, str]], bytes]:
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]],
                           exc_info: Any = None) -> Callable[[bytes], None]:
            started[:] = [status, headers]
            return chunks.append

        chunks: list[bytes] = []
        try:
            result = (app or self.app)(environ, start_response)
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
                   f"request body over {self.limits.max_body_bytes} bytes")

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
        self.deadline = time.monotonic() + CLOSE_GRACE
        self._reset()
        if self.transport is not None:
            self.transport.close()

    def _log_access(self, environ: dict[str, Any], status: bytes, size: int,
                    seconds: float) -> None:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        table = table_named(environ.get(PARAMS_KEY) or {}) or "-"
        print(f'{self.remote_addr} "{environ["REQUEST_METHOD"]} {environ["PATH_INFO"]}'
              f'{" " + target if target else ""}" {table} '
              f'{status.decode().split()[0]} {size} {seconds * 1000:.2f}ms',
              file=self.access_log, flush=True)


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's loop where it is installed (not on Windows), asyncio's otherwise."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class HttpServer:
    """A listening server and its open connections."""

    def __init__(self, server: asyncio.Server, connections: set[HttpProtocol],
                 limits: HttpLimits, trimmer: HeapTrimmer) -> None:
        self.server, self.connections = server, connections
        self.limits, self.trimmer = limits, trimmer
        self.housekeeping = asyncio.get_running_loop().create_task(self._housekeeping())

    async def _housekeeping(self) -> None:
        """On the server's loop, so it never lands in the middle of a request."""
        while True:
            await asyncio.sleep(self.limits.sweep_interval)
            expire_overdue(self.connections, time.monotonic())
            self.trimmer.trim_if_due()

    async def close(self) -> None:
        """Stops listening and ends every connection (clients keep theirs open)."""
        self.housekeeping.cancel()
        self.server.close()
        for connection in list(self.connections):
            connection.close()
        await self.server.wait_closed()


async def serve(sock: socket.socket, app: WsgiApp, *, limits: HttpLimits,
                access_log: TextIO | None = None) -> HttpServer:
    """Starts serving on an already bound socket; the returned server is listening."""
    host, port = sock.getsockname()[:2]
    base_environ = {
        "SERVER_NAME": str(host), "SERVER_PORT": str(port), "SCRIPT_NAME": "",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False}
    clock, trimmer = _Clock(), HeapTrimmer()
    connections: set[HttpProtocol] = set()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: HttpProtocol(app, base_environ, limits, clock, access_log, connections,
                             trimmer),
        sock=sock, backlog=128)
    return HttpServer(server, connections, limits, trimmer)
