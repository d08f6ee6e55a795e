"""Everything a run measures, per (access pattern, operation), mergeable across workers.

Latencies in `Series` (see series.py); reads also count how many found data (the hit rate),
and every failure is tallied by its kind, so a run prints each distinct error once with a
count, never a traceback per request. From the responses' ConsumedCapacity: request units
per pattern and per table/GSI, and per partition-key value (heat.py, bounded); throttles per
pattern with their reasons; all of it over time (timeline.py) for the charts.
"""

from __future__ import annotations

from typing import Any

from ddbkit.loadtests.capacity import Units
from ddbkit.loadtests.heat import TargetHeat
from ddbkit.loadtests.series import Series, bucket_of, bucket_value
from ddbkit.loadtests.timeline import Timeline

__all__ = ["Recorder", "Series", "bucket_of", "bucket_value", "describe_error"]

MAX_ERROR_TEXT = 300
MAX_DISTINCT_ERRORS = 100  # beyond this, errors that embed ids would grow the tally unbounded
OTHER_ERRORS = "other errors (more distinct kinds than are listed)"


def describe_error(exc: BaseException) -> str:
    """One line naming the kind of failure, the same for every request that fails alike."""
    code = getattr(exc, "code", None)
    text = (f"{getattr(exc, 'operation', '')} {code}: {getattr(exc, 'message', '')}" if code
            else f"{type(exc).__name__}: {exc}")
    return " ".join(text.split())[:MAX_ERROR_TEXT]


class Recorder:
    """Listens to `events.request`; on a worker, ships deltas to the master.

    A request's context may carry `units` (capacity.Units the response reported), `keys`
    (target -> the partition-key value it addressed there), `throttle` (the reasons, when it
    was throttled) and `found` (did a read find data).
    """

    REPORT_KEY = "ddbkit_series"
    ERRORS_KEY = "ddbkit_errors"
    CAPACITY_KEY = "ddbkit_capacity"

    def __init__(self, slot_seconds: float = 1.0) -> None:
        self.slot_seconds = slot_seconds
        self.worker_requests: dict[str, int] = {}  # master only: requests per worker
        self._clear()

    def _clear(self) -> None:
        self.series: dict[tuple[str, str], Series] = {}
        self.errors: dict[tuple[str, str], int] = {}  # (pattern, describe_error) -> count
        self.units: dict[tuple[str, str], list[float]] = {}  # (pattern, target) -> [r, w]
        self.heat: dict[str, TargetHeat] = {}  # target -> units per partition-key value
        self.throttle_reasons: dict[tuple[str, str], int] = {}  # (pattern, reason) -> count
        self.timeline = Timeline(self.slot_seconds)

    def on_request(self, request_type: str, name: str, response_time: float,
                   exception: Exception | None = None, context: dict[str, Any] | None = None,
                   **_: Any) -> None:
        context = context or {}
        units: list[Units] = context.get("units") or []
        read, write = sum(u.read for u in units), sum(u.write for u in units)
        throttle: list[str] | None = context.get("throttle")
        found = context.get("found")
        for series in (self._series(name, request_type), self.timeline.series(name)):
            series.add(response_time, exception is not None, read, write, found,
                       throttle is not None)
        keys: dict[str, str] = context.get("keys") or {}
        for unit in units:
            self._add_units(name, unit.target, unit.read, unit.write)
            if unit.target in keys:
                self.heat.setdefault(unit.target, TargetHeat()).add(
                    keys[unit.target], unit.read, unit.write, name)
        for reason in throttle or []:
            self.count_throttle(name, reason, 1)

    def _series(self, name: str, operation: str) -> Series:
        series = self.series.get((name, operation))
        if series is None:
            series = self.series[(name, operation)] = Series()
        return series

    def _add_units(self, pattern: str, target: str, read: float, write: float) -> None:
        tally = self.units.setdefault((pattern, target), [0.0, 0.0])
        tally[0] += read
        tally[1] += write

    def on_error(self, pattern: str, exc: BaseException) -> None:
        """A user's task failed: tally it by kind (the failed request, if any, is already
        counted by on_request)."""
        self.count_error(pattern, describe_error(exc), 1)

    def count_error(self, pattern: str, error: str, count: int) -> None:
        _count_bounded(self.errors, (pattern, error), count)

    def count_throttle(self, pattern: str, reason: str, count: int) -> None:
        _count_bounded(self.throttle_reasons, (pattern, reason), count)

    def attach(self, events: Any, role: str) -> None:
        events.request.add_listener(self.on_request)
        if role == "worker":
            events.report_to_master.add_listener(self._report)
        elif role == "master":
            events.worker_report.add_listener(self._receive)

    def _report(self, client_id: str, data: dict[str, Any]) -> None:
        data[self.REPORT_KEY] = [[n, op, s.to_wire()] for (n, op), s in self.series.items()]
        data[self.ERRORS_KEY] = [[p, e, n] for (p, e), n in self.errors.items()]
        data[self.CAPACITY_KEY] = {
            "units": [[p, t, r, w] for (p, t), (r, w) in self.units.items()],
            "heat": {t: h.to_wire() for t, h in self.heat.items()},
            "throttles": [[p, r, n] for (p, r), n in self.throttle_reasons.items()],
            "timeline": self.timeline.to_wire()}
        self._clear()

    def _receive(self, client_id: str, data: dict[str, Any]) -> None:
        for name, operation, wire in data.get(self.REPORT_KEY, []):
            series = Series.from_wire(wire)
            self._series(name, operation).merge(series)
            self.worker_requests[client_id] = self.worker_requests.get(client_id, 0) + \
                series.requests
        for pattern, error, count in data.get(self.ERRORS_KEY, []):
            self.count_error(pattern, error, count)
        capacity = data.get(self.CAPACITY_KEY)
        if capacity:
            self._receive_capacity(capacity)

    def _receive_capacity(self, capacity: dict[str, Any]) -> None:
        for pattern, target, read, write in capacity["units"]:
            self._add_units(pattern, target, read, write)
        for target, wire in capacity["heat"].items():
            self.heat.setdefault(target, TargetHeat()).merge(TargetHeat.from_wire(wire))
        for pattern, reason, count in capacity["throttles"]:
            self.count_throttle(pattern, reason, count)
        self.timeline.merge(Timeline.from_wire(capacity["timeline"]))

    def reset(self) -> None:
        self._clear()
        self.worker_requests = {}

    def by_pattern(self) -> dict[str, Series]:
        merged: dict[str, Series] = {}
        for (name, _), series in self.series.items():
            merged.setdefault(name, Series()).merge(series)
        return merged


def _count_bounded(tally: dict[tuple[str, str], int], key: tuple[str, str], count: int) -> None:
    """Count `key`, folding new kinds into OTHER_ERRORS once MAX_DISTINCT_ERRORS are held:
    texts that embed ids would otherwise grow the tally without bound."""
    if key not in tally and len(tally) >= MAX_DISTINCT_ERRORS:
        key = (key[0], OTHER_ERRORS)
    tally[key] = tally.get(key, 0) + count
