"""Run a load headless (local runner, or a master with worker processes) and report it.

Import this only in a process meant to run Locust: it imports Locust, which monkey-patches
the process for gevent.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment

from ddbkit.emulator.clients import PLACEHOLDER_CREDENTIALS, make_client, translate_errors
from ddbkit.emulator.errors import ConfigError, EndpointError
from ddbkit.emulator.spec import get_table
from ddbkit.fixtures.files import read_dataset
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.seed import generate_items
from ddbkit.loadtests import users
from ddbkit.loadtests.client import Endpoint
from ddbkit.loadtests.keys import KeyPool
from ddbkit.loadtests.patterns import catalogue
from ddbkit.loadtests.recorder import Recorder

WORKER_CONNECT_TIMEOUT = 60.0


@dataclass(frozen=True)
class LoadConfig:
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    stage: str = "dev"
    users: int = 10
    spawn_rate: float = 10.0
    run_time: float = 60.0
    mix: str = "patterns"  # or "personas"
    patterns: tuple[str, ...] = ()  # --pattern: hammer only these
    workers: int = 0  # 0: everything in this process
    remote_workers: int = 0  # workers on other hosts (`ddbkit load-worker`) to wait for
    master_bind: str = "127.0.0.1:0"  # where the master listens when there are workers
    key_skew: float = 0.0
    seed: int = 42
    scale: float = 1.0
    counts: tuple[tuple[str, int], ...] = ()
    anchor: str | None = None  # ISO date of the seeded data's "today"
    from_dir: str | None = None

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> LoadConfig:
        data = json.loads(text)
        data["patterns"] = tuple(data["patterns"])
        data["counts"] = tuple(tuple(c) for c in data["counts"])
        return cls(**data)


def check_patterns(config: LoadConfig) -> None:
    known = catalogue()
    for name in config.patterns:
        if name not in known:
            raise ConfigError(f"unknown access pattern {name!r}; known: {', '.join(known)}")


def resolve_endpoint(config: LoadConfig) -> Endpoint:
    """Endpoint, region and credentials resolved as boto3 does; fails fast if unreachable."""
    client = make_client(endpoint_url=config.endpoint_url, region=config.region,
                         profile=config.profile, connect_timeout=3, max_attempts=1)
    with translate_errors(client.meta.endpoint_url):
        client.describe_table(TableName=get_table("bookings").name(config.stage))
    credentials = client._request_signer._credentials  # what boto3 resolved for this client
    if credentials is None:
        from botocore.credentials import Credentials

        credentials = Credentials(PLACEHOLDER_CREDENTIALS["aws_access_key_id"],
                                  PLACEHOLDER_CREDENTIALS["aws_secret_access_key"])
    return Endpoint(client.meta.endpoint_url, client.meta.region_name,
                    credentials.get_frozen_credentials())


def key_pool(config: LoadConfig) -> KeyPool:
    if config.from_dir:
        items = read_dataset(Path(config.from_dir))
    else:
        options = DatasetOptions(seed=config.seed, scale=config.scale, counts=config.counts)
        if config.anchor:
            options = dataclasses.replace(options, anchor=date.fromisoformat(config.anchor))
        items, _ = generate_items(options)
    return KeyPool(items, config.key_skew)


def prepare(config: LoadConfig, endpoint: Endpoint) -> list[type]:
    """Configure the user classes in this process; returns the ones the mix runs."""
    users.configure(endpoint, key_pool(config), config.stage, list(config.patterns) or None)
    if config.mix == "patterns" or config.patterns:
        return [users.PatternsUser]
    return list(users.PERSONAS)


class LoadRun:
    """One Locust environment (local or master), its recorder and its worker processes."""

    def __init__(self, config: LoadConfig, endpoint: Endpoint) -> None:
        self.config = config
        self.recorder = Recorder()
        self.environment = Environment(user_classes=prepare(config, endpoint))
        self._workers: list[subprocess.Popen[bytes]] = []
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
            if time.monotonic() > deadline or any(w.poll() is not None for w in self._workers):
                self.close()
                raise EndpointError(f"only {self.runner.worker_count} of "
                                    f"{self.expected_workers} load workers connected")
            gevent.sleep(0.1)

    def run_step(self, user_count: int, seconds: float) -> float:
        """Run `user_count` users for `seconds` (after spawning); returns measured seconds."""
        self.recorder.reset()
        self.runner.start(user_count, spawn_rate=max(self.config.spawn_rate, 1))
        started = time.monotonic()
        gevent.sleep(seconds)
        elapsed = time.monotonic() - started
        self.runner.stop()
        if self.expected_workers:
            self._await_final_reports()
        return elapsed

    def _await_final_reports(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
                w.state not in ("stopped", "ready") for w in self.runner.clients.values()):
            gevent.sleep(0.1)
        gevent.sleep(0.5)  # the last report travels with the stop acknowledgement

    def close(self) -> None:
        self.runner.quit()
        for worker in self._workers:
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
        self._workers = []
