"""A load worker process: `python -m loadtests.worker MASTER_HOST:PORT CONFIG_JSON`.

It builds the same users as the master (same dataset, same endpoint) and runs what the
master asks, reporting precise latencies with every stats report.
"""

from __future__ import annotations

import sys

from locust.env import Environment  # imports Locust first: it monkey-patches for gevent

from ddbkit.loadtests.config import LoadConfig, key_pool, resolve_endpoint
from ddbkit.loadtests.recorder import Recorder
from ddbkit.loadtests.runner import prepare


def run_worker(master: str, config: LoadConfig) -> None:
    host, _, port = master.rpartition(":")
    recorder = Recorder()
    environment = Environment(user_classes=prepare(config, resolve_endpoint(config),
                                                   key_pool(config), recorder))
    recorder.attach(environment.events, "worker")
    runner = environment.create_worker_runner(host, int(port))
    runner.greenlet.join()


if __name__ == "__main__":
    run_worker(sys.argv[1], LoadConfig.from_json(sys.argv[2]))
