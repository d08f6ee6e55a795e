"""Run a load headless (local runner, or a master with worker processes).

Import this only in a process meant to run Locust: it imports Locust, which monkey-patches
the process for gevent.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import gevent
from locust.env import Environment
from locust.stats import stats_history

from ddbkit.emulator.errors import EndpointError, LoadInterrupted
from ddbkit.loadtests import otel, users
from ddbkit.loadtests.client import Endpoint
from ddbkit.loadtests.config import LoadConfig
from ddbkit.loadtests.interrupt import CtrlC
from ddbkit.loadtests.keys import KeyPool
from ddbkit.loadtests.recorder import Recorder
from ddbkit.loadtests.restore import write_count

WORKER_CONNECT_TIMEOUT = 60.0


def slot_seconds(config: LoadConfig) -> float:
    """The charts' time resolution: about 60 points over the planned run, at least 1 s."""
    return max(1.0, config.run_time / 60)


def prepare(config: LoadConfig, endpoint: Endpoint, pool: KeyPool,
            recorder: Recorder) -> list[type]:
    """Configure the user classes in this process; returns the ones the mix runs."""
    users.configure(endpoint, pool, config.stage, list(config.patterns) or None, recorder)
    if config.mix == "patterns" or config.patterns:
        return [users.PatternsUser]
    return list(users.PERSONAS)


class LoadRun:
    """One Locust environment (local or master), its recorder and its worker processes.

    Ctrl-C (`stop`) ends the step under way; `interrupted` then says the figures are partial.
    """

    def __init__(self, config: LoadConfig, endpoint: Endpoint, pool: KeyPool,
                 stop: CtrlC) -> None:
        self.config = config
        self.stop = stop
        self.interrupted = False
        self.workers_left = False
        self._earlier_writes = 0  # successful write requests of the steps before this one
        self._closed = False
        self.recorder = Recorder(slot_seconds(config))
        # host and locustfile name the run in Locust's HTML report and web UI.
        locustfile = f"ddbkit load: {config.describe()}"
        self.environment = Environment(user_classes=prepare(config, endpoint, pool, self.recorder),
                                       host=endpoint.url, locustfile=locustfile,
                                       events=otel.start(locustfile) if config.otel else None)
        self._workers: list[subprocess.Popen[bytes]] = []
        self._history: gevent.Greenlet | None = None
        self.expected_workers = config.workers + config.remote_workers
        if self.expected_workers:
            host, _, port = config.master_bind.rpartition(":")
            self.runner: Any = self.environment.create_master_runner(host, int(port))
            self.recorder.attach(self.environment.events, "master")
            self._start_workers()
        else:
            self.runner = self.environment.create_local_runner()
            self.recorder.attach(self.environment.events, "local")

    def _start_workers(self) -> None:
        master = f"127.0.0.1:{self.runner.server.port}"
        for _ in range(self.config.workers):
            self._workers.append(subprocess.Popen(
                [sys.executable, "-P", "-m", "ddbkit.loadtests.worker",
                 master, self.config.to_json()],
                env={**os.environ, "PYTHONUNBUFFERED": "1"}))
        if self.config.remote_workers:
            print(f"waiting for {self.config.remote_workers} remote workers on port "
                  f"{self.runner.server.port}", flush=True)
        timeout = WORKER_CONNECT_TIMEOUT * (10 if self.config.remote_workers else 1)
        deadline = time.monotonic() + timeout
        while self.runner.worker_count < self.expected_workers:
            if self.stop.pressed:
                self.close()
                raise LoadInterrupted("stopped by Ctrl-C while load workers connected; "
                                      "no load ran, no report written")
            if time.monotonic() > deadline or any(w.poll() is not None for w in self._workers):
                self.close()
                raise EndpointError(f"only {self.runner.worker_count} of "
                                    f"{self.expected_workers} load workers connected")
            gevent.sleep(0.1)

    def run_step(self, user_count: int, seconds: float) -> float:
        """Run `user_count` users for `seconds` or until Ctrl-C; returns measured seconds."""
        self._earlier_writes = self.writes
        self.recorder.reset()
        self.runner.start(user_count, spawn_rate=max(self.config.spawn_rate, 1))
        self.keep_history()
        started = time.monotonic()
        self.interrupted = self._wait(seconds)
        elapsed = time.monotonic() - started
        self.runner.stop()
        if self.expected_workers:
            self.await_final_reports()
        return elapsed

    @property
    def writes(self) -> int:
        """Successful write requests of the whole run, every step's."""
        return self._earlier_writes + write_count(self.recorder.series.items())

    def _wait(self, seconds: float) -> bool:
        """Sleep out the step; True on Ctrl-C. Ends it early, setting `workers_left`, once
        every worker has left (Locust then stops the load; waiting on would only idle)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self.stop.wait(min(left, 1.0)):
                return True
            if self.expected_workers and self.runner.worker_count <= 0:
                self.workers_left = True
                return False
        return False

    def await_final_reports(self) -> None:
        """Wait for the workers' last stats after a stop."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
                w.state not in ("stopped", "ready") for w in self.runner.clients.values()):
            gevent.sleep(0.1)
        gevent.sleep(0.5)  # the last report travels with the stop acknowledgement

    def keep_history(self) -> None:
        """Feed the charts of Locust's HTML report and web UI, as the locust command does.
        Started once traffic runs: its first sample is taken at once, not 5 s later."""
        if self._history is None:
            self._history = gevent.spawn(stats_history, self.runner)

    def close(self) -> None:
        """Stop the runner and the workers (their last stats arrive as they quit). Once."""
        if self._closed:
            return
        self._closed = True
        if self._history is not None:
            self._history.kill()
        self.runner.quit()
        for worker in self._workers:
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
        self._workers = []
