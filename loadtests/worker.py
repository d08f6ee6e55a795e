"""A load worker process: `python -m ddbkit.loadtests.worker MASTER_HOST:PORT CONFIG_JSON`.

It builds the same users as the master (same dataset, same endpoint) and runs what the
master asks, reporting precise latencies with every stats report.

Locust must be imported before anything else (it monkey-patches the process for gevent) and
a local worker must ignore Ctrl-C before anything happens (see `__main__`), so this module
imports nothing heavy at the top: `run_worker`'s caller imports Locust first.
"""

from __future__ import annotations

import signal
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ddbkit.loadtests.config import LoadConfig


def run_worker(master: str, config: LoadConfig, ctrl_c_stops: bool = True) -> None:
    """Serve the master until it quits us, or until Ctrl-C (then tell the master we left)."""
    import gevent
    from locust.env import Environment

    from ddbkit.emulator.errors import LoadInterrupted
    from ddbkit.loadtests.config import key_pool, resolve_endpoint
    from ddbkit.loadtests.interrupt import CtrlC
    from ddbkit.loadtests.recorder import Recorder
    from ddbkit.loadtests.runner import prepare, slot_seconds

    host, _, port = master.rpartition(":")
    recorder = Recorder(slot_seconds(config))
    environment = Environment(user_classes=prepare(config, resolve_endpoint(config),
                                                   key_pool(config), recorder))
    recorder.attach(environment.events, "worker")
    runner = environment.create_worker_runner(host, int(port))
    if not ctrl_c_stops:
        runner.greenlet.join()
        return
    with CtrlC() as stop:
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


if __name__ == "__main__":
    # A local worker shares the terminal's process group with its master, so Ctrl-C reaches
    # it too; the master stops it once its last report is in, so it must not die first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import locust  # noqa: F401 - first: it monkey-patches this process for gevent

    from ddbkit.loadtests.config import LoadConfig

    run_worker(sys.argv[1], LoadConfig.from_json(sys.argv[2]), ctrl_c_stops=False)
