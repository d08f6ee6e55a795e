"""The endpoint's server: http.py's event loop in a background thread, quiet.

moto's own `ThreadedMotoServer` binds 0.0.0.0 and uses werkzeug, which closes the connection
after every response (werkzeug 3 disables keep-alive on purpose), logs a line per request and
calls `sys.exit` when the port is taken. Here the loop runs in its own thread; the operations
never yield, so each request runs to completion before the next starts, which is what a single
in-memory store wants. We bind the socket ourselves so a taken port is a clean
`PortInUseError`.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ddbkit.emulator import turns
from ddbkit.emulator.endpoint import gc_pauses, http
from ddbkit.emulator.endpoint.app import DynamoDBApp
from ddbkit.emulator.endpoint.auth import Credentials, SigV4Verifier
from ddbkit.emulator.endpoint.cors import Cors
from ddbkit.emulator.endpoint.guard import AccessGuard, HostAllowList
from ddbkit.emulator.endpoint.limits import HttpLimits
from ddbkit.emulator.errors import ConfigError, PortInUseError, ServerError
from ddbkit.emulator.faults.plan import FaultPlan
from ddbkit.emulator.metrics.registry import Metrics
from ddbkit.emulator.spec import ACCOUNT_ID, REGION
from ddbkit.emulator.store.clock import Clock

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000  # DynamoDB Local's, so existing tools find the emulator


@dataclass(frozen=True)
class ServerConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    region: str = REGION
    account_id: str = ACCOUNT_ID
    log_requests: bool = False
    auth: tuple[Credentials, ...] = ()  # empty: any signature, or none, is accepted
    allow_hosts: tuple[str, ...] = ()  # Host names answered besides the bound and loopback ones
    # HTTP limits and timeouts; the defaults and why are in endpoint/limits.py.
    limits: HttpLimits = field(default_factory=HttpLimits)

    def __post_init__(self) -> None:
        keys = [c.access_key_id for c in self.auth]
        if len(set(keys)) != len(keys):
            raise ConfigError("--auth names the same access key ID twice")


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
    """The DynamoDB endpoint in a background thread. `start()` returns once it accepts calls.
    `clock` is the time its requests see (stream retention, iterator expiry, throughput);
    `throughput_model` and `faults` are the opt-in behaviours of throughput/ and faults/."""

    def __init__(self, config: ServerConfig = ServerConfig(),
                 clock: Clock = time.time, throughput_model: str | None = None,
                 faults: FaultPlan | None = None) -> None:
        self.config = config
        self.clock = clock
        self.throughput_model = throughput_model
        self.faults = faults
        self.app: DynamoDBApp | None = None
        self.metrics = Metrics(config.account_id, config.region)  # what GET /metrics answers
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None

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

    def arm(self) -> None:
        """Turns on the throughput model and fault plan (off while the emulator sets up)."""
        if self.app is not None:
            self.app.arm()

    def start(self) -> EmulatorServer:
        config = self.config
        sock = bind_socket(config.host, config.port)
        self._port = int(sock.getsockname()[1])
        self.app = DynamoDBApp(region=config.region, account_id=config.account_id,
                               clock=self.clock, throughput_model=self.throughput_model,
                               faults=self.faults, metrics=self.metrics)
        # CORS outermost: a browser's preflight carries no signature.
        app = Cors(AccessGuard(self.app,
                               HostAllowList(config.host, self._port, config.allow_hosts),
                               SigV4Verifier(config.auth) if config.auth else None))
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(sock, app, ready),
                                        name="ddbkit-http", daemon=True)
        self._thread.start()
        ready.wait()
        return self

    def _serve(self, sock: socket.socket, app: http.WsgiApp, ready: threading.Event) -> None:
        loop = http.new_event_loop()
        try:
            with turns.serving():  # background work gives this thread its turns
                loop.run_until_complete(self._run(sock, app, ready, loop))
        finally:
            loop.close()

    async def _run(self, sock: socket.socket, app: http.WsgiApp, ready: threading.Event,
                   loop: asyncio.AbstractEventLoop) -> None:
        access_log = sys.stderr if self.config.log_requests else None
        server = await http.serve(sock, app, limits=self.config.limits,
                                  access_log=access_log)
        self._loop, self._stopped = loop, asyncio.Event()
        freezer = loop.create_task(gc_pauses.freeze_periodically())
        ready.set()
        await self._stopped.wait()
        freezer.cancel()
        await server.close()

    def stop(self) -> None:
        loop, stopped, thread = self._loop, self._stopped, self._thread
        if loop is not None and stopped is not None and not loop.is_closed():
            # The loop is not thread-safe: ask it to stop from its own thread.
            loop.call_soon_threadsafe(stopped.set)
        if thread is not None:
            thread.join(timeout=5)
        self._loop = self._stopped = self._thread = None
        self._port = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
