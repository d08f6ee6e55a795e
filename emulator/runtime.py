"""`Emulator`: the local endpoint with the spec's tables, as one start/stop unit.

It composes parts that each have `start()`/`stop()` (today the HTTP server; the TTL reaper,
stream triggers and durability join here), provisions the tables once the server answers,
and stops the parts in reverse order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulator.clients import client_environment, make_client
from emulator.provision import provision
from emulator.server import EmulatorServer, ServerConfig
from emulator.spec import DEFAULT_STAGE, validate_stage


@dataclass(frozen=True)
class EmulatorConfig:
    server: ServerConfig = field(default_factory=ServerConfig)
    stage: str = DEFAULT_STAGE

    def __post_init__(self) -> None:
        validate_stage(self.stage)


class Emulator:
    def __init__(self, config: EmulatorConfig = EmulatorConfig()) -> None:
        self.config = config
        self.server = EmulatorServer(config.server)
        self.provisioned: list[str] = []

    @property
    def endpoint_url(self) -> str:
        return self.server.endpoint_url

    @property
    def region(self) -> str:
        return self.config.server.region

    def client(self, service: str = "dynamodb", **kwargs: Any) -> Any:
        """A boto3 client for this endpoint, whatever the caller's AWS environment says."""
        return make_client(service, endpoint_url=self.endpoint_url, region=self.region, **kwargs)

    def client_environment(self) -> dict[str, str]:
        return client_environment(self.endpoint_url, self.region)

    def start(self) -> Emulator:
        self.server.start()
        try:
            self.provisioned = provision(self.client(), self.config.stage)
        except BaseException:
            self.server.stop()
            raise
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
