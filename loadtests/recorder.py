"""Precise, mergeable latency statistics per (access pattern, operation).

Locust rounds response times below 100 ms to whole milliseconds, which is no resolution at
all for an emulator answering in 0.5 ms. Each process records every request into log-spaced
buckets (2% wide, so a percentile is within 1%) instead; workers ship their buckets to the
master with each report and the master merges them, so percentiles hold in distributed runs.

Reads also count how many found data (the hit rate), and every failure is tallied by its
kind, so a run prints each distinct error once with a count, never a traceback per request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

_FLOOR_MS = 0.001
_GROWTH = 1.02
_LOG_GROWTH = math.log(_GROWTH)
MAX_ERROR_TEXT = 300
MAX_DISTINCT_ERRORS = 100  # beyond this, errors that embed ids would grow the tally unbounded
OTHER_ERRORS = "other errors (more distinct kinds than are listed)"


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
    capacity_units: float = 0.0
    buckets: dict[int, int] = field(default_factory=dict)
    reads: int = 0  # requests that could find data (GetItem, Query); `hits` found some
    hits: int = 0

    def add(self, ms: float, failed: bool, capacity: float, found: bool | None = None) -> None:
        self.requests += 1
        self.failures += failed
        if found is not None:
            self.reads += 1
            self.hits += found
        self.max_ms = max(self.max_ms, ms)
        self.total_ms += ms
        self.capacity_units += capacity
        index = bucket_of(ms)
        self.buckets[index] = self.buckets.get(index, 0) + 1

    def merge(self, other: Series) -> None:
        self.requests += other.requests
        self.failures += other.failures
        self.max_ms = max(self.max_ms, other.max_ms)
        self.total_ms += other.total_ms
        self.capacity_units += other.capacity_units
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
                "total_ms": self.total_ms, "capacity_units": self.capacity_units,
                "buckets": {str(k): v for k, v in self.buckets.items()},
                "reads": self.reads, "hits": self.hits}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Series:
        return cls(data["requests"], data["failures"], data["max_ms"], data["total_ms"],
                   data["capacity_units"], {int(k): v for k, v in data["buckets"].items()},
                   data.get("reads", 0), data.get("hits", 0))

    @property
    def hit_rate(self) -> float | None:
        return self.hits / self.reads if self.reads else None


def describe_error(exc: BaseException) -> str:
    """One line naming the kind of failure, the same for every request that fails alike."""
    code = getattr(exc, "code", None)
    text = (f"{getattr(exc, 'operation', '')} {code}: {getattr(exc, 'message', '')}" if code
            else f"{type(exc).__name__}: {exc}")
    return " ".join(text.split())[:MAX_ERROR_TEXT]


class Recorder:
    """Listens to `events.request`; on a worker, ships deltas to the master."""

    REPORT_KEY = "ddbkit_series"
    ERRORS_KEY = "ddbkit_errors"

    def __init__(self) -> None:
        self.series: dict[tuple[str, str], Series] = {}
        self.errors: dict[tuple[str, str], int] = {}  # (pattern, describe_error) -> count
        self.worker_requests: dict[str, int] = {}  # master only: requests per worker

    def on_request(self, request_type: str, name: str, response_time: float,
                   exception: Exception | None = None, context: dict[str, Any] | None = None,
                   **_: Any) -> None:
        key = (name, request_type)
        series = self.series.get(key)
        if series is None:
            series = self.series[key] = Series()
        context = context or {}
        series.add(response_time, exception is not None, float(context.get("capacity", 0)),
                   context.get("found"))

    def on_error(self, pattern: str, exc: BaseException) -> None:
        """A user's task failed: tally it by kind (the failed request, if any, is already
        counted by on_request)."""
        self.count_error(pattern, describe_error(exc), 1)

    def count_error(self, pattern: str, error: str, count: int) -> None:
        key = (pattern, error)
        if key not in self.errors and len(self.errors) >= MAX_DISTINCT_ERRORS:
            key = (pattern, OTHER_ERRORS)
        self.errors[key] = self.errors.get(key, 0) + count

    def attach(self, events: Any, role: str) -> None:
        events.request.add_listener(self.on_request)
        if role == "worker":
            events.report_to_master.add_listener(self._report)
        elif role == "master":
            events.worker_report.add_listener(self._receive)

    def _report(self, client_id: str, data: dict[str, Any]) -> None:
        data[self.REPORT_KEY] = [[n, op, s.to_wire()] for (n, op), s in self.series.items()]
        data[self.ERRORS_KEY] = [[p, e, n] for (p, e), n in self.errors.items()]
        self.series = {}
        self.errors = {}

    def _receive(self, client_id: str, data: dict[str, Any]) -> None:
        for name, operation, wire in data.get(self.REPORT_KEY, []):
            series = Series.from_wire(wire)
            self.series.setdefault((name, operation), Series()).merge(series)
            self.worker_requests[client_id] = self.worker_requests.get(client_id, 0) + \
                series.requests
        for pattern, error, count in data.get(self.ERRORS_KEY, []):
            self.count_error(pattern, error, count)

    def reset(self) -> None:
        self.series = {}
        self.errors = {}
        self.worker_requests = {}

    def by_pattern(self) -> dict[str, Series]:
        merged: dict[str, Series] = {}
        for (name, _), series in self.series.items():
            merged.setdefault(name, Series()).merge(series)
        return merged
