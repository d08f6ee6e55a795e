"""pytest plugin: a local marketplace endpoint for any project's tests.

Installed with ddbkit (entry point `pytest11`), so a test suite needs no conftest:

    def test_booking_is_saved(ddbkit):        # tables empty, AWS_* env points at the emulator
        boto3.client("dynamodb").put_item(TableName=ddbkit.table_name("bookings"), ...)

`ddbkit_emulator` (session) runs `ddbkit up` once in a child process on a free loopback port;
`ddbkit` (function) empties the six tables before the test and sets the AWS environment
variables (endpoint, region, placeholder credentials) for the test's duration.
Options: `--ddbkit-stage` (default dev).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from emulator.clients import client_environment, make_client
from emulator.process import EmulatorProcess
from emulator.reset import clear_tables
from emulator.spec import REGION, get_table


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

    def reset(self) -> int:
        return clear_tables(self.client(), self.stage)

    def environment(self) -> dict[str, str]:
        return client_environment(self.endpoint_url, self.region)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ddbkit")
    group.addoption("--ddbkit-stage", default="dev", help="stage of the emulated tables")


@pytest.fixture(scope="session")
def ddbkit_emulator(request: pytest.FixtureRequest) -> Iterator[LocalEndpoint]:
    stage = request.config.getoption("--ddbkit-stage")
    with EmulatorProcess("--host", "127.0.0.1", "--stage", stage) as proc:
        yield LocalEndpoint(proc.endpoint_url, REGION, stage)


@pytest.fixture
def ddbkit(ddbkit_emulator: LocalEndpoint,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalEndpoint]:
    ddbkit_emulator.reset()
    for name, value in ddbkit_emulator.environment().items():
        monkeypatch.setenv(name, value)
    yield ddbkit_emulator
