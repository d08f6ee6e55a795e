"""A token bucket on an injected clock: `rate` units a second, holding up to `burst_seconds`
of unused rate."""

from __future__ import annotations


class TokenBucket:
    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst_seconds: float, now: float,
                 initial_seconds: float = 1.0) -> None:
        self.rate = rate
        self.capacity = rate * burst_seconds
        self.tokens = min(self.capacity, rate * initial_seconds)
        self.stamp = now

    def refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = max(self.stamp, now)

    def can_take(self, units: float, now: float) -> bool:
        self.refill(now)
        return self.tokens >= units

    def take(self, units: float) -> None:
        self.tokens -= units
