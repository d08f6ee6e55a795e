"""A latency histogram cheap enough for the request path: one bisect and two additions."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

# Seconds: an emulator answers in tens of microseconds to a few milliseconds, so the
# buckets start far below prometheus_client's defaults (which start at 5 ms).
REQUEST_BOUNDS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                  0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
FSYNC_BOUNDS = (0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                1.0, 2.5)


class Buckets:
    """Observations counted per bucket (not cumulative: `cumulative` adds them up when
    scraped); the last bucket is +Inf."""

    __slots__ = ("bounds", "counts", "sum")

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = tuple(bounds)
        self.counts = [0] * (len(self.bounds) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        # bisect_left: a value equal to a bound belongs to that bound's bucket (le).
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value

    def cumulative(self) -> list[tuple[str, float]]:
        return cumulative(self.bounds, self.counts)


def cumulative(bounds: Sequence[float], counts: Sequence[float]) -> list[tuple[str, float]]:
    """(le, count) pairs as prometheus_client's HistogramMetricFamily takes them, from counts
    per bucket (the last one +Inf)."""
    pairs, running = [], 0.0
    for bound, count in zip((*map(str, bounds), "+Inf"), list(counts), strict=True):
        running += count
        pairs.append((bound, running))
    return pairs
