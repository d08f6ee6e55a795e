"""One server's metrics: its own registry (never prometheus_client's global one, so
servers in one process keep their figures apart) and what `GET /metrics` answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector
from prometheus_client.exposition import choose_encoder

from ddbkit.emulator.metrics.collectors import (
    DurabilityCollector,
    RequestCollector,
    TableCollector,
    TriggerCollector,
)
from ddbkit.emulator.metrics.counts import RequestCounts


class Metrics:
    def __init__(self, account_id: str, region: str) -> None:
        self.counts = RequestCounts()
        # Set by the runtime (`watch`): its data dir's `Durability` and its triggers' pollers.
        self.durability: Callable[[], Any] = lambda: None
        self.pollers: Callable[[], Sequence[Any]] = tuple
        self.registry = CollectorRegistry(auto_describe=False)
        # The library's defaults (RSS, CPU, open files; interpreter; collections), here.
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        for collector in (RequestCollector(self.counts), TableCollector(account_id, region),
                          DurabilityCollector(lambda: self.durability()),
                          TriggerCollector(account_id, region, lambda: self.pollers())):
            self.registry.register(collector)

    def watch(self, durability: Callable[[], Any],
              pollers: Callable[[], Sequence[Any]]) -> None:
        """What the runtime keeps besides the server: its data dir's durability (None when
        in memory) and its stream triggers' pollers, asked for at each scrape."""
        self.durability, self.pollers = durability, pollers

    def exposition(self, accept: str) -> tuple[bytes, str]:
        """(body, content type): Prometheus's text format, or OpenMetrics when asked for."""
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type
