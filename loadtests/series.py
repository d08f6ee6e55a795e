"""Precise, mergeable latency statistics, request units and throttles of one stream of
requests (an access pattern's operation, or a pattern within a time slot).

Locust rounds response times below 100 ms to whole milliseconds, which is no resolution at
all for an emulator answering in 0.5 ms. Each process records every request into log-spaced
buckets (2% wide, so a percentile is within 1%) instead; workers ship their buckets to the
master with each report and the master merges them, so percentiles hold in distributed runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

_FLOOR_MS = 0.001
_GROWTH = 1.02
_LOG_GROWTH = math.log(_GROWTH)


def bucket_of(ms: float) -> int:
    return max(0, int(math.log(max(ms, _FLOOR_MS) / _FLOOR_MS) / _LOG_GROWTH))


def bucket_value(index: int) -> float:
    """The bucket's geometric middle: within 1% of any latency recorded in it."""
    return float(_FLOOR_MS * _GROWTH ** (index + 0.5))


@dataclass
class Series:
    requests: int = 0
    failures: int = 0
    max_ms: float = 0.0
    total_ms: float = 0.0
    read_units: float = 0.0  # request units the responses reported consuming
    write_units: float = 0.0
    buckets: dict[int, int] = field(default_factory=dict)
    reads: int = 0  # requests that could find data (GetItem, Query); `hits` found some
    hits: int = 0
    throttles: int = 0  # failures that were throttling (also counted in `failures`)

    def add(self, ms: float, failed: bool, read_units: float = 0.0, write_units: float = 0.0,
            found: bool | None = None, throttled: bool = False) -> None:
        self.requests += 1
        self.failures += failed
        self.throttles += throttled
        if found is not None:
            self.reads += 1
            self.hits += found
        self.max_ms = max(self.max_ms, ms)
        self.total_ms += ms
        self.read_units += read_units
        self.write_units += write_units
        index = bucket_of(ms)
        self.buckets[index] = self.buckets.get(index, 0) + 1

    def merge(self, other: Series) -> None:
        self.requests += other.requests
        self.failures += other.failures
        self.throttles += other.throttles
        self.max_ms = max(self.max_ms, other.max_ms)
        self.total_ms += other.total_ms
        self.read_units += other.read_units
        self.write_units += other.write_units
        self.reads += other.reads
        self.hits += other.hits
        for index, count in other.buckets.items():
            self.buckets[index] = self.buckets.get(index, 0) + count

    def percentile(self, fraction: float) -> float:
        """The latency `fraction` of requests stayed under (within 1%), never above max."""
        if not self.requests:
            return 0.0
        rank = math.ceil(fraction * self.requests)
        seen = 0
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen >= rank:
                return min(bucket_value(index), self.max_ms)
        return self.max_ms

    def to_wire(self) -> dict[str, Any]:
        return {"requests": self.requests, "failures": self.failures, "max_ms": self.max_ms,
                "total_ms": self.total_ms, "read_units": self.read_units,
                "write_units": self.write_units,
                "buckets": {str(k): v for k, v in self.buckets.items()},
                "reads": self.reads, "hits": self.hits, "throttles": self.throttles}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Series:
        return cls(data["requests"], data["failures"], data["max_ms"], data["total_ms"],
                   data.get("read_units", 0.0), data.get("write_units", 0.0),
                   {int(k): v for k, v in data["buckets"].items()},
                   data.get("reads", 0), data.get("hits", 0), data.get("throttles", 0))

    @property
    def hit_rate(self) -> float | None:
        return self.hits / self.reads if self.reads else None
