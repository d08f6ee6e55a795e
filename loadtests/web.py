"""`ddbkit load --web`: Locust's web UI driving ddbkit's users, until Ctrl-C.

Locust's UI was written for the `locust` command: it reads the command's parsed options
(users, spawn rate, host) from `environment.parsed_options`, and on every page load it
re-parses `sys.argv` with Locust's own parser to list extra options. ddbkit's argv is not
Locust's (`--web` is ambiguous to it), so the UI gets options parsed from a command line of
Locust's own, and Locust's parser sees no argv while the UI runs.
"""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import gevent
from locust.argument_parser import get_parser

from ddbkit.emulator.errors import ServerError
from ddbkit.loadtests.runner import LoadRun

BIND_TIMEOUT = 10.0
HOST = "127.0.0.1"


def locust_options(load: LoadRun) -> Any:
    """Locust's options for this run, as if `locust` had been given them. No config files:
    a locust.conf lying in the working directory is not this run's."""
    args = ["--users", str(load.config.users), "--spawn-rate", f"{load.config.spawn_rate:g}",
            "--host", str(load.environment.host)]
    return get_parser(default_config_files=[]).parse_args(args)


@contextmanager
def _argv_hidden() -> Iterator[None]:
    saved = sys.argv[1:]
    sys.argv[1:] = []
    try:
        yield
    finally:
        sys.argv[1:] = saved


def _check_port_free(port: int) -> None:
    """Refuse a busy port in one line before Locust's server greenlet dies of it (gevent
    would print that greenlet's traceback)."""
    if port == 0:
        return
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gevent's listener
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            raise ServerError(f"the web UI cannot listen on {HOST}:{port}: {exc.strerror} "
                              "(pick another --web-port, or 0 for a free one)") from exc


def serve_web_ui(load: LoadRun, port: int) -> int:
    """Serve until Ctrl-C; returns the most users the UI asked for (the report's users)."""
    _check_port_free(port)
    load.environment.parsed_options = locust_options(load)
    load.keep_history()
    with _argv_hidden():
        ui = load.environment.create_web_ui(HOST, port)
        try:
            bound = _bound_port(ui)
            print(f"Locust web UI on http://{HOST}:{bound} driving {load.config.describe()} "
                  f"against {load.environment.host} (Ctrl-C to stop)", flush=True)
            most = 0
            while not load.stop.wait(0.5):
                most = max(most, int(load.runner.target_user_count or 0))
            load.runner.stop()
            if load.expected_workers:
                load.await_final_reports()
            return most or load.config.users
        finally:
            ui.stop()  # type: ignore[no-untyped-call]


def _bound_port(ui: Any) -> int:
    """The port the UI's server listens on (the real one when asked for port 0)."""
    deadline = time.monotonic() + BIND_TIMEOUT
    while not getattr(getattr(ui, "server", None), "started", False):
        if ui.greenlet.dead or time.monotonic() > deadline:
            raise ServerError(f"the web UI could not listen on {HOST}: {ui.greenlet.exception}")
        gevent.sleep(0.05)
    return int(ui.server.socket.getsockname()[1])
