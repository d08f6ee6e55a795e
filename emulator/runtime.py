"""`Emulator`: the local endpoint with the spec's tables, as one start/stop unit.

It composes parts that each have `start()`/`stop()` (the HTTP server, the TTL reaper, one
poller per stream trigger), provisions the tables once the server answers, and stops the
parts in reverse order. With `durability` set, the data dir is restored before the server
accepts a request and closed after it stopped (`durability/`); without it (the default for
library use, as for tests), everything stays in memory.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ddbkit.emulator.connect.clients import client_environment, make_client
from ddbkit.emulator.durability.config import DurabilityConfig
from ddbkit.emulator.durability.recovery import Recovered
from ddbkit.emulator.durability.service import Durability
from ddbkit.emulator.endpoint.server import EmulatorServer, ServerConfig
from ddbkit.emulator.errors import ConfigError, SchemaDriftError
from ddbkit.emulator.faults.plan import FaultPlan
from ddbkit.emulator.operations import s3_folders
from ddbkit.emulator.spec import DEFAULT_STAGE, TABLES, get_table, validate_stage
from ddbkit.emulator.store import background, stream_spill
from ddbkit.emulator.store.clock import Clock
from ddbkit.emulator.streams.triggers import TriggerConfig, TriggerPoller
from ddbkit.emulator.tables.provision import provision, provision_table
from ddbkit.emulator.throughput.model import MODELS
from ddbkit.emulator.ttl import TtlReaper

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmulatorConfig:
    server: ServerConfig = field(default_factory=ServerConfig)
    stage: str = DEFAULT_STAGE
    ttl_interval: float = 5.0  # seconds between TTL sweeps; 0 turns expiry off
    triggers: tuple[TriggerConfig, ...] = ()
    state_dir: Path = Path(".ddbkit")  # trigger checkpoints (with durability; else in memory)
    # Epoch seconds for everything time-based: requests (stream retention, iterator expiry),
    # the TTL sweep, trigger record ages. Tests pass a clock they can move forward.
    clock: Clock = field(default=time.time, compare=False, repr=False)
    durability: DurabilityConfig | None = None  # None: in memory only
    # The folder standing in for S3 (exports, imports); None: `state_dir`/s3.
    s3_dir: Path | None = None
    # Opt-in request behaviours: "on-demand" throttles by partition (throughput/); a fault
    # plan injects errors and latency (faults/).
    throughput_model: str | None = None
    faults: FaultPlan | None = None

    def __post_init__(self) -> None:
        validate_stage(self.stage)
        if self.throughput_model not in (None, *MODELS):
            raise ConfigError(f"unknown throughput model {self.throughput_model!r} "
                              f"(known: {', '.join(MODELS)})")


class Emulator:
    def __init__(self, config: EmulatorConfig = EmulatorConfig()) -> None:
        self.config = config
        self.server = EmulatorServer(config.server, clock=config.clock,
                                     throughput_model=config.throughput_model,
                                     faults=config.faults)
        self.reaper = TtlReaper(config.server.account_id, config.server.region,
                                config.ttl_interval, clock=config.clock)
        self.provisioned: list[str] = []
        self.pollers: list[TriggerPoller] = []
        self.durability: Durability | None = None
        self.restored: Recovered | None = None  # what the data dir held at start
        self.server.metrics.watch(lambda: self.durability, lambda: self.pollers)

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
                           credentials=self.credentials, aws_config=False, **kwargs)

    def client_environment(self) -> dict[str, str]:
        """What a client (a trigger's handler process, the user's shell) needs to call us."""
        return client_environment(self.endpoint_url, self.region, self.credentials)

    def start(self, hold_behaviours: bool = False) -> Emulator:
        """Starts the parts. The throughput model and faults begin once the tables exist,
        or at `arm()` with `hold_behaviours` (after seeding, say)."""
        s3_folders.use(self.config.s3_dir or self.config.state_dir / "s3")
        if self.config.durability is None:
            stream_spill.use(None)  # older stream records spill to a temp folder of our own
        else:  # durability: restored before any request
            self.durability = Durability(self.config.durability, self.config.server.account_id,
                                         self.region, clock=self.config.clock)
            self.restored = self.durability.open()
        background.start_all()  # before the server: a request never waits for a thread start
        try:
            self.server.start()
            self.provisioned = self._provision()
            if self.durability is not None:
                self.durability.start_compacting()
        except BaseException:
            self.server.stop()  # a no-op when it did not start
            background.stop_all()
            self._close_durability()
            raise
        if not hold_behaviours:
            self.arm()
        if self.config.ttl_interval > 0:
            self.reaper.start()
        try:
            for trigger in self.config.triggers:
                self.pollers.append(self._poller(trigger).start())
        except BaseException:
            self.stop()
            raise
        return self

    def arm(self) -> None:
        """Turns on the opt-in request behaviours (throughput model, faults)."""
        self.server.arm()

    def _provision(self) -> list[str]:
        if self.restored is None or self.restored.new:
            return provision(self.client(), self.config.stage)
        # durability: restored tables are the user's. Repairs are made as on any start, but
        # what cannot be repaired (e.g. another billing mode) is kept, with a warning.
        actions: list[str] = []
        client = self.client()  # one: each new client re-reads botocore's models (~0.1 s)
        for spec in TABLES:
            try:
                actions += provision_table(client, spec, self.config.stage)
            except SchemaDriftError as exc:
                log.warning("ddbkit: warning: kept as restored, though it differs from the "
                            "spec: %s", "; ".join(exc.differences))
        return actions

    def _poller(self, trigger: TriggerConfig) -> TriggerPoller:
        # Checkpoints on disk only beside durable data: a store kept in memory starts with
        # new streams, so saved positions would mean nothing (and it writes no files).
        state_dir = None if self.config.durability is None else self.config.state_dir
        return TriggerPoller(trigger, self.client(), self.client("dynamodbstreams"),
                             get_table(trigger.table).name(self.config.stage),
                             state_dir, env=self.client_environment(),
                             clock=self.config.clock)

    def stop(self) -> None:
        for poller in reversed(self.pollers):
            poller.stop()
        self.pollers = []
        self.reaper.stop()
        self.server.stop()
        background.stop_all()  # exports and backfills: settled by the next start
        self._close_durability()

    def _close_durability(self) -> None:
        if self.durability is not None:
            self.durability.close()
            self.durability = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
