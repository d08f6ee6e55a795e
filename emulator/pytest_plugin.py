"""pytest plugin: a local marketplace endpoint for any project's tests.

Installed with ddbkit (entry point `pytest11`), so a test suite needs no conftest:

    def test_booking_is_saved(ddbkit):        # tables empty, AWS_* env points at the emulator
        boto3.client("dynamodb").put_item(TableName=ddbkit.table_name("bookings"), ...)

`ddbkit_emulator` (session) runs `ddbkit up --no-seed` once in a child process on a free
loopback port; `ddbkit` (function) empties the six tables before the test, `ddbkit_seeded`
loads the default dataset (seed 42, the spec's counts) into them instead; both set the AWS
environment variables (endpoint, region, placeholder credentials) for the test's duration.
Options: `--ddbkit-stage` (default dev).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ddbkit.emulator.clients import client_environment, make_client
from ddbkit.emulator.process import EmulatorProcess
from ddbkit.emulator.reset import clear_tables
from ddbkit.emulator.spec import REGION, get_table
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.seed import generate_items, seed_endpoint


class LocalEndpoint:
    """What a test needs of the running emulator."""

    def __init__(self, endpoint_url: str, region: str, stage: str) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self.stage = stage

    def client(self, service: str = "dynamodb") -> Any:
        return make_client(service, endpoint_url=self.endpoint_url, region=self.region)

    def table_name(self, key: str) -> str:
        return get_table(key).name(self.stage)

    def reset(self, seeded: bool = False) -> int:
        """Empty the tables, then load the default dataset if `seeded`; returns items loaded."""
        client = self.client()
        clear_tables(client, self.stage)
        if not seeded:
            return 0
        items, _ = generate_items(DatasetOptions())
        return seed_endpoint(client, items, self.stage, show_progress=False).total

    def environment(self) -> dict[str, str]:
        return client_environment(self.endpoint_url, self.region)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ddbkit")
    group.addoption("--ddbkit-stage", default="dev", help="stage of the emulated tables")


@pytest.fixture(scope="session")
def ddbkit_emulator(request: pytest.FixtureRequest) -> Iterator[LocalEndpoint]:
    stage = request.config.getoption("--ddbkit-stage")
    with EmulatorProcess("--host", "127.0.0.1", "--stage", stage, "--no-seed") as proc:
        yield LocalEndpoint(proc.endpoint_url, REGION, stage)


def _use(endpoint: LocalEndpoint, monkeypatch: pytest.MonkeyPatch,
         seeded: bool) -> LocalEndpoint:
    endpoint.reset(seeded)
    for name, value in endpoint.environment().items():
        monkeypatch.setenv(name, value)
    return endpoint


@pytest.fixture
def ddbkit(ddbkit_emulator: LocalEndpoint, monkeypatch: pytest.MonkeyPatch) -> LocalEndpoint:
    return _use(ddbkit_emulator, monkeypatch, seeded=False)


@pytest.fixture
def ddbkit_seeded(ddbkit_emulator: LocalEndpoint,
                  monkeypatch: pytest.MonkeyPatch) -> LocalEndpoint:
    return _use(ddbkit_emulator, monkeypatch, seeded=True)
