"""pytest plugin: a local marketplace endpoint for any project's tests.

Installed with ddbkit (entry point `pytest11`), so a test suite needs no conftest:

    def test_booking_is_saved(ddbkit):        # tables empty, AWS_* env points at the emulator
        boto3.client("dynamodb").put_item(TableName=ddbkit.table_name("bookings"), ...)

`ddbkit_emulator` (session) runs `ddbkit up --no-seed --in-memory` once in a child process
on a free loopback port; `ddbkit` (function) empties the six tables before the test, `ddbkit_seeded`
loads the default dataset (seed 42, the spec's counts) into them instead; both set the AWS
environment variables (endpoint, region, placeholder credentials) for the test's duration,
and unset AWS_PROFILE (the emulator needs none, and one that does not exist stops boto3).
Each prepares its data once per session and saves it as a named state (`durability.states`);
every later test restores that state in milliseconds instead of emptying and re-loading the
tables, so tables a test created are gone and the stream is back where it was.

Settings, each a command-line option or an ini key (the option wins):
  --ddbkit-stage / ddbkit_stage                  stage of the table names (default dev)
  --ddbkit-ttl-interval / ddbkit_ttl_interval    seconds between TTL sweeps; 0 turns expiry
                                                 off for the session (default 5)
  --ddbkit-anchor / ddbkit_anchor                the seeded data's "today", YYYY-MM-DD
                                                 (default: today, UTC)
  --ddbkit-throughput-model /                    "on-demand": the session's emulator
    ddbkit_throughput_model                      throttles as on-demand DynamoDB (default off)
They are checked once, when pytest starts: a bad one stops the session with one line
(`pytest.UsageError`) instead of failing every test that uses a fixture. docs/pytest-plugin.md
documents the fixtures and settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from ddbkit.emulator.connect.admin_client import AdminClient
from ddbkit.emulator.connect.clients import PROFILE_VARIABLES, client_environment, make_client
from ddbkit.emulator.errors import ConfigError
from ddbkit.emulator.process import EmulatorProcess
from ddbkit.emulator.spec import DEFAULT_STAGE, REGION, Stage, get_table
from ddbkit.emulator.tables.reset import clear_tables
from ddbkit.emulator.throughput.model import MODELS
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.seed import seed_endpoint
from ddbkit.fixtures.source import DatasetSource

DEFAULT_TTL_INTERVAL = "5"
EMPTY_STATE, SEEDED_STATE = "ddbkit-empty", "ddbkit-seeded"


class LocalEndpoint:
    """What a test needs of the running emulator."""

    def __init__(self, endpoint_url: str, region: str, stage: str,
                 dataset: DatasetSource | None = None) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self.stage = stage
        self.dataset = dataset or DatasetSource()
        self._saved: set[str] = set()  # named states prepared in this session

    def client(self, service: str = "dynamodb") -> Any:
        return make_client(service, endpoint_url=self.endpoint_url, region=self.region,
                           aws_config=False)

    def table_name(self, key: str) -> str:
        return get_table(key).name(self.stage)

    def reset(self, seeded: bool = False) -> int:
        """Empty tables, or the session's dataset if `seeded`; returns the items now stored.
        Prepared once (emptied, loaded) and saved as a state; restored after that."""
        name = SEEDED_STATE if seeded else EMPTY_STATE
        admin = AdminClient(self.endpoint_url, self.region, aws_config=False)
        if name in self._saved:
            return int(admin.call("RestoreState", Name=name)["State"]["Items"])
        client = self.client()
        clear_tables(client, self.stage)
        loaded = 0
        if seeded:
            items, _ = self.dataset.load()
            loaded = seed_endpoint(client, items, self.stage, show_progress=False).total
        admin.call("SaveState", Name=name)
        self._saved.add(name)
        return loaded

    def environment(self) -> dict[str, str]:
        return client_environment(self.endpoint_url, self.region)


_SETTINGS = {
    "stage": (DEFAULT_STAGE, "stage of the emulated tables (default dev)"),
    "ttl_interval": (DEFAULT_TTL_INTERVAL,
                     "seconds between TTL sweeps of the session's emulator; 0 turns expiry off"),
    "anchor": ("", "the seeded dataset's 'today', YYYY-MM-DD (default: today, UTC)"),
    "throughput_model": ("", "'on-demand' throttles as on-demand DynamoDB (default: off)"),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ddbkit")
    for name, (default, help_text) in _SETTINGS.items():
        group.addoption(f"--ddbkit-{name.replace('_', '-')}", dest=f"ddbkit_{name}",
                        default=None, help=help_text)
        parser.addini(f"ddbkit_{name}", help_text, default=default)


def _setting(config: pytest.Config, name: str) -> str:
    value = config.getoption(f"ddbkit_{name}")
    return str(value if value is not None else config.getini(f"ddbkit_{name}"))


def _where(config: pytest.Config, name: str) -> str:
    """How the user gave a setting, to name it in an error: the option or the ini key."""
    option = f"--ddbkit-{name.replace('_', '-')}"
    return option if config.getoption(f"ddbkit_{name}") is not None else f"ddbkit_{name}"


def _check(name: str, value: str) -> str | None:
    """Why `value` is no good for the setting `name`; None when it is."""
    if name == "stage":
        try:
            Stage(value)
        except ConfigError as exc:
            return str(exc)
    elif name == "ttl_interval":
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if not seconds >= 0:
            return f"expects seconds (a number >= 0; 0 turns expiry off), got {value!r}"
    elif name == "anchor" and value:
        try:
            date.fromisoformat(value)
        except ValueError:
            return f"expects a date as YYYY-MM-DD, got {value!r}"
    elif name == "throughput_model" and value not in ("", *MODELS):
        return f"expects one of {', '.join(MODELS)} (or nothing: off), got {value!r}"
    return None


def pytest_configure(config: pytest.Config) -> None:
    """Checks every setting once, at start-up: a bad one ends the session in one line."""
    for name in _SETTINGS:
        problem = _check(name, _setting(config, name))
        if problem is not None:
            raise pytest.UsageError(f"ddbkit: {_where(config, name)}: {problem}")


def _dataset(config: pytest.Config) -> DatasetSource:
    anchor = _setting(config, "anchor")  # checked by pytest_configure
    if not anchor:
        return DatasetSource()
    return DatasetSource(DatasetOptions(anchor=date.fromisoformat(anchor)))


@pytest.fixture(scope="session")
def ddbkit_emulator(request: pytest.FixtureRequest) -> Iterator[LocalEndpoint]:
    config = request.config
    stage = _setting(config, "stage")
    dataset = _dataset(config)
    model = _setting(config, "throughput_model")
    # In memory: a test session starts from nothing and leaves nothing behind.
    with EmulatorProcess("--host", "127.0.0.1", "--stage", stage, "--no-seed", "--in-memory",
                         "--no-announce",
                         "--ttl-interval", _setting(config, "ttl_interval"),
                         *(("--throughput-model", model) if model else ()),
                         inherit_ddbkit_env=False) as proc:
        yield LocalEndpoint(proc.endpoint_url, REGION, stage, dataset)


def _use(endpoint: LocalEndpoint, monkeypatch: pytest.MonkeyPatch,
         seeded: bool) -> LocalEndpoint:
    endpoint.reset(seeded)
    for name, value in endpoint.environment().items():
        monkeypatch.setenv(name, value)
    for name in PROFILE_VARIABLES:  # a profile that does not exist
        monkeypatch.delenv(name, raising=False)  # would stop boto3 before it signs a thing
    return endpoint


@pytest.fixture
def ddbkit(ddbkit_emulator: LocalEndpoint, monkeypatch: pytest.MonkeyPatch) -> LocalEndpoint:
    return _use(ddbkit_emulator, monkeypatch, seeded=False)


@pytest.fixture
def ddbkit_seeded(ddbkit_emulator: LocalEndpoint,
                  monkeypatch: pytest.MonkeyPatch) -> LocalEndpoint:
    return _use(ddbkit_emulator, monkeypatch, seeded=True)
