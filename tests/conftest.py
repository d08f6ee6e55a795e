"""Shared fixtures: one real emulator (moto behind our server) on a free loopback port."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.runtime import Emulator, EmulatorConfig

pytest_plugins = ["pytester"]

# Every `ddbkit up` the tests start (and their child processes) keeps its data in memory, as
# the pytest plugin's does, unless a test gives it a data dir: tests run side by side from the
# same directory and must not share or leave behind `.ddbkit/data`. See `durable_up`.
os.environ.setdefault("DDBKIT_IN_MEMORY", "1")


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(server=ServerConfig(port=0), ttl_interval=0)) as running:
        yield running


@pytest.fixture(scope="session")
def client(emulator: Emulator) -> Any:
    return emulator.client()


@pytest.fixture(scope="session")
def unchecked(emulator: Emulator) -> Any:
    """A client that sends what boto3 itself would refuse, to see the server refuse it."""
    return boto3.client("dynamodb", endpoint_url=emulator.endpoint_url,
                        region_name=emulator.region, aws_access_key_id="ddbkit",
                        aws_secret_access_key="ddbkit",
                        config=Config(parameter_validation=False, retries={"max_attempts": 1}))


_tables = itertools.count(1)


@pytest.fixture
def make_table(client: Any) -> Iterator[Any]:
    """Makes on-demand tables keyed `pk` (S), with a sort key `sk` of type `sort` if given,
    each named `<prefix>-<n>`; deletes them after the test. Other create_table arguments pass
    through (`attributes` adds AttributeDefinitions)."""
    made: list[str] = []

    def make(prefix: str, *, sort: str | None = None, attributes: list[Any] | None = None,
             **extra: Any) -> str:
        name = f"{prefix}-{next(_tables)}"
        keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
        defined = [{"AttributeName": "pk", "AttributeType": "S"}]
        if sort:
            keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
            defined.append({"AttributeName": "sk", "AttributeType": sort})
        client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=keys,
                            AttributeDefinitions=[*defined, *(attributes or [])], **extra)
        made.append(name)
        return name

    yield make
    for name in made:
        with contextlib.suppress(client.exceptions.ResourceNotFoundException):
            client.delete_table(TableName=name)


@pytest.fixture
def indexed(make_table: Any) -> str:
    """For the write-operation tests: keyed pk (S); a KEYS_ONLY GSI on g (N); a stream with
    old and new images."""
    return str(make_table(
        "writes", attributes=[{"AttributeName": "g", "AttributeType": "N"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}))


@pytest.fixture
def collections(make_table: Any) -> str:
    """For the write-operation tests: keyed pk (S) and sk (N), with an LSI on l (S)."""
    return str(make_table(
        "collections", sort="N", attributes=[{"AttributeName": "l", "AttributeType": "S"}],
        LocalSecondaryIndexes=[{"IndexName": "by-l", "Projection": {"ProjectionType": "ALL"},
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "l", "KeyType": "RANGE"}]}]))


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


@pytest.fixture
def durable_up() -> Iterator[Any]:
    """Makes `ddbkit up` processes keeping their data in a data dir; stops them all after."""
    from pathlib import Path

    from ddbkit.emulator.process import EmulatorProcess

    started: list[EmulatorProcess] = []

    def make(data_dir: Path, *args: str, env: dict[str, str] | None = None,
             cwd: str | None = None) -> EmulatorProcess:
        proc = EmulatorProcess("--data-dir", str(data_dir), *args, cwd=cwd,
                               env={"DDBKIT_IN_MEMORY": "", **(env or {})})
        started.append(proc)
        return proc

    yield make
    for proc in started:
        proc.stop()
