"""An in-process emulator with the default dataset seeded into a stage (the load tests')."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.runtime import Emulator, EmulatorConfig
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.seed import generate_items, seed_endpoint


@contextmanager
def seeded_emulator(stage: str, anchor: str) -> Iterator[Emulator]:
    config = EmulatorConfig(server=ServerConfig(port=0), stage=stage, ttl_interval=0)
    with Emulator(config) as emulator:
        items, _ = generate_items(DatasetOptions(anchor=date.fromisoformat(anchor)))
        seed_endpoint(emulator.client(), items, stage, show_progress=False)
        yield emulator
