"""What a load run is (`LoadConfig`), checked, and what it needs before Locust starts: the
endpoint resolved as boto3 does, and the keys drawn from the seeded dataset.

Free of Locust (which monkey-patches whatever process imports it), so tests and the CLI can
use it anywhere.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ddbkit.emulator.clients import PLACEHOLDER_CREDENTIALS, make_client, translate_errors
from ddbkit.emulator.errors import ConfigError
from ddbkit.emulator.spec import get_table
from ddbkit.fixtures.files import read_dataset
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.seed import generate_items
from ddbkit.loadtests.client import Endpoint
from ddbkit.loadtests.keys import KeyPool
from ddbkit.loadtests.patterns import catalogue


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
    skew: float = 0.0  # the dataset's --skew: it decides who booked whom
    anchor: str | None = None  # ISO date of the seeded data's "today"
    from_dir: str | None = None

    def describe(self) -> str:
        """What runs, for titles: the chosen patterns, else the mix."""
        if self.patterns:
            return "patterns: " + ", ".join(self.patterns)
        return f"{self.mix} mix"

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
        options = DatasetOptions(seed=config.seed, scale=config.scale, counts=config.counts,
                                 skew=config.skew)
        if config.anchor:
            options = dataclasses.replace(options, anchor=date.fromisoformat(config.anchor))
        items, _ = generate_items(options)
    return KeyPool(items, config.key_skew)
