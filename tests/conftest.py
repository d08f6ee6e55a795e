"""Shared fixtures: one real emulator (moto behind our server) on a free loopback port."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.runtime import Emulator, EmulatorConfig

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(server=ServerConfig(port=0), ttl_interval=0)) as running:
        yield running


@pytest.fixture(scope="session")
def client(emulator: Emulator) -> Any:
    return emulator.client()


_stages = itertools.count(1)


@pytest.fixture
def fresh_emulator() -> Iterator[Emulator]:
    """An emulator with tables of its own, for tests that damage them.

    moto keeps one store per process, so isolation comes from a stage of its own.
    """
    config = EmulatorConfig(server=ServerConfig(port=0), stage=f"t{next(_stages)}",
                            ttl_interval=0)
    with Emulator(config) as running:
        yield running
