"""The HTTP server: gevent's WSGI server (it ships with Locust), HTTP/1.1 keep-alive, quiet.

moto's own `ThreadedMotoServer` binds 0.0.0.0 and uses werkzeug, which closes the connection
after every response (werkzeug 3 disables keep-alive on purpose), logs a line per request and
calls `sys.exit` when the port is taken. gevent's pywsgi keeps connections alive. It runs in
its own thread with its own hub, unpatched: moto's handlers never yield, so each request runs
to completion before the next starts, which is what a single in-memory store wants.
We bind the socket ourselves so a taken port is a clean `PortInUseError`.
"""

from __future__ import annotations

import errno
import socket
import sys
import threading
from dataclasses import dataclass
from typing import Any

import gevent
from gevent.pywsgi import WSGIServer

from emulator.errors import PortInUseError, ServerError
from emulator.spec import ACCOUNT_ID, REGION
from emulator.wsgi import DynamoDBApp

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000  # DynamoDB Local's, so existing tools find the emulator


@dataclass(frozen=True)
class ServerConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    region: str = REGION
    account_id: str = ACCOUNT_ID
    log_requests: bool = False


class NoDelayWSGIServer(WSGIServer):  # type: ignore[misc]
    def handle(self, sock: Any, address: Any) -> None:
        # pywsgi writes headers and body separately; with Nagle on, the body waits for the
        # client's delayed ACK (~40 ms a request on Linux).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().handle(sock, address)


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(f"port {port} on {host} is already in use "
                                 "(pick another with --port, or 0 for any free port)") from exc
        raise ServerError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


class EmulatorServer:
    """The DynamoDB endpoint in a background thread. `start()` returns once it accepts calls."""

    def __init__(self, config: ServerConfig = ServerConfig()) -> None:
        self.config = config
        self._port: int | None = None
        self._server: NoDelayWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._loop: Any = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise ServerError("server is not started")
        return self._port

    @property
    def endpoint_url(self) -> str:
        host = self.config.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def start(self) -> EmulatorServer:
        app = DynamoDBApp(region=self.config.region, account_id=self.config.account_id)
        sock = bind_socket(self.config.host, self.config.port)
        self._port = int(sock.getsockname()[1])
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(sock, app, ready),
                                        name="ddbkit-http", daemon=True)
        self._thread.start()
        ready.wait()
        return self

    def _serve(self, sock: socket.socket, app: DynamoDBApp, ready: threading.Event) -> None:
        log: Any = sys.stderr if self.config.log_requests else None
        sock.setblocking(False)
        self._server = NoDelayWSGIServer(sock, app, log=log, error_log=sys.stderr)
        self._server.start()
        self._loop = gevent.get_hub().loop
        ready.set()
        self._server.serve_forever()

    def stop(self) -> None:
        server, loop, thread = self._server, self._loop, self._thread
        if server is not None and loop is not None:
            # The hub is not thread-safe: ask it to stop the server from its own thread.
            loop.run_callback_threadsafe(lambda: gevent.spawn(server.stop, timeout=1))
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._loop = self._thread = None
        self._port = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
