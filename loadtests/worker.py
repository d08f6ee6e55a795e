"""A load worker process: `python -m ddbkit.loadtests.worker MASTER_HOST:PORT CONFIG_JSON`.

It builds the same users as the master (same dataset, same endpoint) and runs what the
master asks, reporting precise latencies with every stats report.

Locust must be imported before anything else (it monkey-patches the process for gevent) and
a local worker must ignore Ctrl-C before anything happens (see `__main__`), so this module
imports nothing heavy at the top: `run_worker`'s caller imports Locust first.
"""

from __future__ import annotations

import signal
import socket
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ddbkit.loadtests.config import LoadConfig


def run_worker(master: str, config: LoadConfig, ctrl_c_stops: bool = True,
               connect_timeout: float = 60.0) -> None:
    """Serve the master until it quits us, or until Ctrl-C (then tell the master we left)."""
    import gevent
    from locust.env import Environment

    from ddbkit.emulator.errors import LoadInterrupted
    from ddbkit.loadtests import otel
    from ddbkit.loadtests.config import key_pool, resolve_endpoint
    from ddbkit.loadtests.interrupt import CtrlC
    from ddbkit.loadtests.recorder import Recorder
    from ddbkit.loadtests.runner import prepare, slot_seconds

    host, _, port = master.rpartition(":")
    recorder = Recorder(slot_seconds(config))
    # With --otel each worker exports the durations of the requests it sends, as Locust's.
    events = otel.start(f"ddbkit load: {config.describe()}") if config.otel else None
    environment = Environment(user_classes=prepare(config, resolve_endpoint(config),
                                                   key_pool(config), recorder), events=events)
    recorder.attach(environment.events, "worker")
    if not ctrl_c_stops:  # a local worker: its master is already listening
        environment.create_worker_runner(host, int(port)).greenlet.join()
        return
    with CtrlC() as stop:
        runner = _connect(environment, host, int(port), stop, connect_timeout)
        served = gevent.spawn(runner.greenlet.join)  # ends when the master quits us
        served.link(lambda _: stop.event.set())
        stop.wait()
    if not served.dead:
        # Stop the users and send what they measured since the last report (Locust's own
        # answer to a master's quit does the same), then tell the master this worker left,
        # as the locust command's shutdown does: the master ends the run if it was the last.
        runner.stop()
        runner._send_stats()
        environment.events.quitting.fire(environment=environment)  # type: ignore[no-untyped-call]
        runner.quit()
        raise LoadInterrupted("load worker stopped by Ctrl-C")


def _connect(environment: Any, host: str, port: int, stop: Any, timeout: float) -> Any:
    """The worker runner, once a master answered. Says what it waits for; gives up after
    `timeout` seconds (Locust alone would retry for five minutes, silently), and Ctrl-C
    stops the wait (exit 130)."""
    import gevent

    from ddbkit.emulator.errors import EndpointError, LoadInterrupted

    print(f"ddbkit: load-worker waiting for the master at {host}:{port} (up to "
          f"{timeout:g} s; Ctrl-C to stop) ...", file=sys.stderr, flush=True)
    deadline = time.monotonic() + timeout
    while not (found := _greets_as_zeromq(host, port)):
        if found is False:
            raise EndpointError(f"{host}:{port} answers, but not as a load master (no "
                                "ZeroMQ greeting): is that the master's --master-bind port?")
        if stop.wait(min(0.5, max(deadline - time.monotonic(), 0))):
            raise LoadInterrupted("load worker stopped by Ctrl-C while waiting for its master")
        if time.monotonic() >= deadline:
            raise EndpointError(f"no load master listening at {host}:{port} after "
                                f"{timeout:g} s (is `ddbkit load --remote-workers N "
                                f"--master-bind HOST:{port}` running?)")
    joining = gevent.spawn(environment.create_worker_runner, host, port)
    gevent.wait([joining, stop.event], count=1, timeout=max(deadline - time.monotonic(), 1.0))
    if joining.successful():
        print(f"ddbkit: load-worker joined the master at {host}:{port}", file=sys.stderr,
              flush=True)
        return joining.value
    joining.kill()
    if stop.pressed:
        raise LoadInterrupted("load worker stopped by Ctrl-C while joining its master")
    raise EndpointError(f"{host}:{port} accepts connections but no load master answered "
                        f"within {timeout:g} s")


def _greets_as_zeromq(host: str, port: int) -> bool | None:
    """None: nothing listens there (yet); True: a ZeroMQ socket, as Locust's master is
    (ZMTP 3 greets every connection with 0xFF, 8 bytes, 0x7F); False: something else."""
    try:
        probe = socket.create_connection((host, port), timeout=2)
    except OSError:
        return None
    greeting = b""
    with probe:
        try:
            while len(greeting) < 10 and (chunk := probe.recv(10 - len(greeting))):
                greeting += chunk
        except OSError:  # silent (an HTTP server waits for a request) or reset
            return False
    return len(greeting) == 10 and greeting[0] == 0xFF and greeting[9] == 0x7F


if __name__ == "__main__":
    # A local worker shares the terminal's process group with its master, so Ctrl-C reaches
    # it too; the master stops it once its last report is in, so it must not die first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import locust  # noqa: F401 - first: it monkey-patches this process for gevent

    from ddbkit.loadtests.config import LoadConfig

    run_worker(sys.argv[1], LoadConfig.from_json(sys.argv[2]), ctrl_c_stops=False)
