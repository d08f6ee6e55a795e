"""`Emulator`: the local endpoint with the spec's tables, as one start/stop unit.

It composes parts that each have `start()`/`stop()` (the HTTP server, the TTL reaper, one
poller per stream trigger), provisions the tables once the server answers, and stops the
parts in reverse order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ddbkit.emulator.clients import client_environment, make_client
from ddbkit.emulator.endpoint.server import EmulatorServer, ServerConfig
from ddbkit.emulator.moto_ext.clock import Clock
from ddbkit.emulator.spec import DEFAULT_STAGE, get_table, validate_stage
from ddbkit.emulator.streams.triggers import TriggerConfig, TriggerPoller
from ddbkit.emulator.tables.provision import provision
from ddbkit.emulator.ttl import TtlReaper


@dataclass(frozen=True)
class EmulatorConfig:
    server: ServerConfig = field(default_factory=ServerConfig)
    stage: str = DEFAULT_STAGE
    ttl_interval: float = 5.0  # seconds between TTL sweeps; 0 turns expiry off
    triggers: tuple[TriggerConfig, ...] = ()
    state_dir: Path = Path(".ddbkit")  # trigger checkpoints
    # Epoch seconds for everything time-based: requests (stream retention, iterator expiry),
    # the TTL sweep, trigger record ages. Tests pass a clock they can move forward.
    clock: Clock = field(default=time.time, compare=False, repr=False)

    def __post_init__(self) -> None:
        validate_stage(self.stage)


class Emulator:
    def __init__(self, config: EmulatorConfig = EmulatorConfig()) -> None:
        self.config = config
        self.server = EmulatorServer(config.server, clock=config.clock)
        self.reaper = TtlReaper(config.server.account_id, config.server.region,
                                config.ttl_interval, clock=config.clock)
        self.provisioned: list[str] = []
        self.pollers: list[TriggerPoller] = []

    @property
    def endpoint_url(self) -> str:
        return self.server.endpoint_url

    @property
    def region(self) -> str:
        return self.config.server.region

    @property
    def credentials(self) -> tuple[str, str] | None:
        """The key pair the emulator's own clients sign with: the first --auth pair."""
        auth = self.config.server.auth
        return (auth[0].access_key_id, auth[0].secret_access_key) if auth else None

    def client(self, service: str = "dynamodb", **kwargs: Any) -> Any:
        """A boto3 client for this endpoint, whatever the caller's AWS environment says."""
        return make_client(service, endpoint_url=self.endpoint_url, region=self.region,
                           credentials=self.credentials, **kwargs)

    def client_environment(self) -> dict[str, str]:
        """What a client (a trigger's handler process, the user's shell) needs to call us."""
        return client_environment(self.endpoint_url, self.region, self.credentials)

    def start(self) -> Emulator:
        self.server.start()
        try:
            self.provisioned = provision(self.client(), self.config.stage)
        except BaseException:
            self.server.stop()
            raise
        if self.config.ttl_interval > 0:
            self.reaper.start()
        try:
            for trigger in self.config.triggers:
                self.pollers.append(self._poller(trigger).start())
        except BaseException:
            self.stop()
            raise
        return self

    def _poller(self, trigger: TriggerConfig) -> TriggerPoller:
        return TriggerPoller(trigger, self.client(), self.client("dynamodbstreams"),
                             get_table(trigger.table).name(self.config.stage),
                             self.config.state_dir, env=self.client_environment(),
                             clock=self.config.clock)

    def stop(self) -> None:
        for poller in reversed(self.pollers):
            poller.stop()
        self.pollers = []
        self.reaper.stop()
        self.server.stop()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
