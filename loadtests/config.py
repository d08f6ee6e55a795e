"""What a load run is (`LoadConfig`), checked, and what it needs before Locust starts: the
endpoint resolved as boto3 does, and the keys drawn from the seeded dataset.

Free of Locust (which monkey-patches whatever process imports it), so tests and the CLI can
use it anywhere.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from ddbkit.emulator.connect.clients import PLACEHOLDER_CREDENTIALS, make_client, translate_errors
from ddbkit.emulator.errors import ConfigError
from ddbkit.emulator.spec import DEFAULT_STAGE, get_table
from ddbkit.fixtures.source import DatasetSource
from ddbkit.loadtests.client import Endpoint
from ddbkit.loadtests.keys import KeyPool
from ddbkit.loadtests.patterns import catalogue


@dataclass(frozen=True)
class LoadConfig:
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    stage: str = DEFAULT_STAGE
    users: int = 10
    spawn_rate: float = 10.0
    run_time: float = 60.0
    mix: str = "patterns"  # or "personas"
    patterns: tuple[str, ...] = ()  # --pattern: hammer only these
    workers: int = 0  # 0: everything in this process
    remote_workers: int = 0  # workers on other hosts (`ddbkit load-worker`) to wait for
    master_bind: str = "127.0.0.1:0"  # where the master listens when there are workers
    key_skew: float = 0.0
    # The seeded data the keys are drawn from; its anchor is fixed when the config is made,
    # so every worker draws from the same day's data.
    dataset: DatasetSource = field(default_factory=DatasetSource)
    otel: bool = False  # --otel: Locust's OpenTelemetry, and the report's figures (otel.py)

    def describe(self) -> str:
        """What runs, for titles: the chosen patterns, else the mix."""
        if self.patterns:
            return "patterns: " + ", ".join(self.patterns)
        return f"{self.mix} mix"

    def to_json(self) -> str:
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return json.dumps({**fields, "dataset": self.dataset.to_json()})

    @classmethod
    def from_json(cls, text: str) -> LoadConfig:
        data = json.loads(text)
        data["patterns"] = tuple(data["patterns"])
        data["dataset"] = DatasetSource.from_json(data["dataset"])
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
    return KeyPool(config.dataset.load()[0], config.key_skew)


def writes(patterns: tuple[str, ...]) -> bool:
    """Whether a run writes: some chosen --pattern is a write flow or, with none chosen,
    always (every pattern, or personas that book, review and sign up)."""
    from ddbkit.loadtests.patterns import FLOWS

    return not patterns or any(flow.name in patterns for flow in FLOWS)
