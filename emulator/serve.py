"""Serve until a signal: the lifecycle `ddbkit up` runs around an `Emulator`.

Start (restoring the data dir), seed a new store, mark it initialized, arm throttling and
faults, announce the endpoint in the state dir, say the ready line, wait for SIGINT or
SIGTERM, then withdraw the announcement and stop. It installs signal handlers, so it runs
on the main thread. Lines go to the caller's `note` (progress, warnings) and `ready` (the
ready line, which whoever started us waits for), so the caller decides how they print.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ddbkit.emulator.connect import announce
from ddbkit.emulator.runtime import Emulator, EmulatorConfig

# While a background job (a backfill, an export, a restore's build) computes, a request
# waits this long for the interpreter at each hand-over: CPython's default of 5 ms made a
# GetItem wait 10-20 ms. Only in a process that `serve` owns, never in a caller's.
SWITCH_INTERVAL = 0.001  # seconds

if TYPE_CHECKING:
    from ddbkit.emulator.durability.recovery import Recovered
    from ddbkit.emulator.faults.plan import FaultPlan
    from ddbkit.fixtures.source import DatasetSource


def serve(config: EmulatorConfig, dataset: Callable[[], DatasetSource] | None, *,
          announced: bool, show_progress: bool, note: Callable[[str], None],
          ready: Callable[[str], None]) -> None:
    """Run the emulator `config` describes until SIGINT or SIGTERM. A new store is seeded
    with `dataset()` (None: left empty); `announced` writes STATE_DIR/endpoint.json while
    serving."""
    # Until ready, SIGTERM interrupts like Ctrl-C (a long seed stops cleanly, saying so);
    # once serving, both just ask the loop below to shut down.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sys.setswitchinterval(SWITCH_INTERVAL)
    emulator = Emulator(config).start(hold_behaviours=True)
    written = None
    try:
        fresh = _needs_seed(emulator.restored)
        seeded = _seed(emulator, dataset, show_progress, note) if fresh and dataset else 0
        if emulator.durability is not None and emulator.restored is not None and (
                fresh or not emulator.restored.initialized):
            emulator.durability.mark_initialized()  # later starts restore, and say nothing
        emulator.arm()  # throttling and faults from here on, not while seeding
        # Handlers first: whoever waits for the ready line may signal the moment it appears.
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        if announced:  # before the ready line: whoever waits for it finds the file
            written = _announce(config.state_dir, emulator.endpoint_url, config.server.region,
                                note)
        ready(ready_line(emulator, seeded, fresh))
        while not stop.wait(0.5):
            pass
    finally:
        if written is not None:
            announce.withdraw(config.state_dir, written)
        emulator.stop()


def _seed(emulator: Emulator, dataset: Callable[[], DatasetSource], show_progress: bool,
          note: Callable[[str], None]) -> int:
    from ddbkit.fixtures.seed import seed_source

    source = dataset()
    counts = source.check()
    note(f"ddbkit: seeding {sum(counts.values())} items into {emulator.endpoint_url}")
    return seed_source(emulator.client(), source, emulator.config.stage,
                       show_progress=show_progress).total


def ready_line(emulator: Emulator, seeded: int, fresh: bool) -> str:
    """`ddbkit ready: URL (what it serves) -- the environment a client needs`."""
    config = emulator.config
    env = " ".join(f"{k}={v}" for k, v in _shown(emulator.client_environment(),
                                                  config.server.auth))
    return (f"ddbkit ready: {emulator.endpoint_url} ({config.stage} tables, "
            f"{_data_summary(emulator, seeded, fresh)}"
            f"{_behaviours(config.throughput_model, config.faults)}) -- {env}")


def _needs_seed(restored: Recovered | None) -> bool:
    """Seed a new data dir, or one whose first start stopped before any item was written;
    a data dir holding items is the user's and is restored, never seeded over (even when
    its "initialized" mark is missing: a first start cut short, or a journal that lost its
    end)."""
    return restored is None or restored.new or (not restored.initialized
                                                and restored.items == 0)


def _data_summary(emulator: Emulator, seeded: int, fresh: bool) -> str:
    """What the ready line says about the data: seeded, restored, or in memory."""
    restored, durability = emulator.restored, emulator.config.durability
    if durability is None:
        return f"{seeded} items seeded, in memory"
    assert restored is not None  # a data dir is always opened, new or not
    if not fresh:
        unfinished = "" if restored.initialized else (
            "; its first seed never finished, so it was not seeded again: --reseed "
            "starts afresh")
        return f"{restored.items} items restored from {durability.data_dir}{unfinished}"
    if durability.discard:
        return f"{seeded} items re-seeded into {durability.data_dir}"
    if restored.new:
        return f"{seeded} items seeded into a new data dir {durability.data_dir}"
    return f"{seeded} items seeded into {durability.data_dir} (its first start was interrupted)"


def _behaviours(throughput_model: str | None, faults: FaultPlan | None) -> str:
    """The ready line's note of what is done to requests besides answering them."""
    parts = [f"throttling: {throughput_model} model"] if throughput_model else []
    if faults:
        parts.append(f"faults: {faults.describe()}")
    return "".join(f"; {part}" for part in parts)


def _announce(state_dir: Path, url: str, region: str,
              note: Callable[[str], None]) -> announce.Announcement | None:
    """Tell client commands run here where we serve (connect/announce.py); a state dir we
    cannot write to only costs them that convenience."""
    try:
        return announce.announce(state_dir, url, region)
    except OSError as exc:
        note(f"ddbkit: warning: cannot write {state_dir / announce.FILE_NAME} "
             f"({exc.strerror}): client commands here will not find this endpoint "
             "by themselves")
        return None


def _shown(environment: dict[str, str], auth: tuple[Any, ...]) -> list[tuple[str, str]]:
    """The client environment for the ready line, without an --auth secret (logs keep it)."""
    return [(k, "<its --auth secret>" if auth and k == "AWS_SECRET_ACCESS_KEY" else v)
            for k, v in environment.items()]
