"""A durable emulator in a child process whose clock the test moves (for point-in-time tests).

moto keeps one store per process and journaling wraps moto for the life of the process, so
a durable emulator runs in a child of its own (spawned, so it shares nothing with the
test's). Its clock is the wall clock plus an offset the test shares with it, so restoring to
"ten minutes ago" needs no ten-minute wait.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

STOP_TIMEOUT = 30


class OffsetClock:
    def __init__(self, offset: Any) -> None:
        self.offset = offset  # a multiprocessing.Value("d")

    def __call__(self) -> float:
        return time.time() + self.offset.value


def _serve(data_dir: str, offset: Any, stage: str, ports: Any, stop: Any,
           journal_max_bytes: int, history_max_bytes: int | None,
           job_ends: Any = None) -> None:
    from ddbkit.emulator import turns
    from ddbkit.emulator.durability.config import DurabilityConfig
    from ddbkit.emulator.endpoint.server import ServerConfig
    from ddbkit.emulator.runtime import Emulator, EmulatorConfig

    config = EmulatorConfig(server=ServerConfig(port=0), stage=stage, ttl_interval=0,
                            clock=OffsetClock(offset),
                            durability=DurabilityConfig(Path(data_dir),
                                                        journal_max_bytes=journal_max_bytes,
                                                        history_max_bytes=history_max_bytes))
    with Emulator(config) as emulator:
        if job_ends is not None:  # a background job (a backup's copy, say) until the test ends it
            def job() -> None:
                with turns.background_job():
                    job_ends.wait()
            threading.Thread(target=job, daemon=True).start()
        ports.put(emulator.endpoint_url)
        stop.wait()


class ClockedEmulator:
    def __init__(self, endpoint_url: str, offset: Any, job_ends: Any) -> None:
        self.endpoint_url = endpoint_url
        self._offset = offset
        self._job_ends = job_ends

    def end_job(self) -> None:
        """Ends the background job `clocked_emulator(job=True)` began in the server."""
        self._job_ends.set()

    def advance(self, seconds: float) -> None:
        with self._offset.get_lock():
            self._offset.value += seconds

    def now(self) -> float:
        return time.time() + self._offset.value


@contextmanager
def clocked_emulator(data_dir: Path, stage: str = "pitr", journal_max_bytes: int = 64 << 20,
                     offset_seconds: float = 0.0,
                     history_max_bytes: int | None = None,
                     job: bool = False) -> Iterator[ClockedEmulator]:
    """`offset_seconds`: where the clock starts, from now (a data dir made in the past);
    `history_max_bytes`: `--history-max-mb` in bytes; `job`: a background job runs in the
    server from its start until `end_job`."""
    context = multiprocessing.get_context("spawn")
    offset, ports, stop = context.Value("d", offset_seconds), context.Queue(), context.Event()
    job_ends = context.Event() if job else None
    child = context.Process(target=_serve, args=(str(data_dir), offset, stage, ports, stop,
                                                 journal_max_bytes, history_max_bytes,
                                                 job_ends),
                            daemon=True)
    child.start()
    try:
        yield ClockedEmulator(ports.get(timeout=120), offset, job_ends)
    finally:
        stop.set()
        child.join(STOP_TIMEOUT)
        if child.is_alive():
            child.kill()
