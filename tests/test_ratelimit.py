"""The write rate follows capacity: halves on throttling, grows while unthrottled, capped."""

from __future__ import annotations

from ddbkit.fixtures.ratelimit import MIN_RATE, AdaptiveRate, write_units


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_unlimited_until_throttled_then_halves_and_regrows() -> None:
    clock = _Clock()
    rate = AdaptiveRate(clock=clock, sleep=clock.sleep)
    for _ in range(100):
        rate.acquire(25)  # 2,500 units in one instant: no cap, no throttling yet
    assert clock.slept == [] and not rate.limited
    clock.now += 1.0
    rate.throttled()
    first = rate.rate
    assert first == 1250  # half the 2,500 units/s it was writing
    rate.throttled()
    assert rate.rate == first  # a burst of throttled batches halves once
    clock.now += 1.0
    rate.throttled()
    assert rate.rate is not None and MIN_RATE <= rate.rate < first
    clock.now += 5.0
    rate.acquire(1)
    assert rate.rate > first / 2  # grew while unthrottled


def test_cap_bounds_the_rate_and_acquire_waits() -> None:
    clock = _Clock()
    rate = AdaptiveRate(cap=100, clock=clock, sleep=clock.sleep)
    start = clock.now
    for _ in range(40):
        rate.acquire(25)  # 1,000 units at <= 100 a second: about 10 s
    assert 9.0 <= clock.now - start <= 11.0
    clock.now += 60
    rate.acquire(1)
    assert rate.rate == 100  # growth never passes the cap


def test_write_units_are_per_started_kilobyte() -> None:
    assert write_units({"k": {"S": "x"}}) == 1
    assert write_units({"k": {"S": "x" * 3000}}) == 3
    # billed size is the name plus the value (1,021 bytes), not the JSON text with its tags
    assert write_units({"k": {"S": "x" * 1020}}) == 1
    assert write_units({"k": {"N": "1"}, "b": {"BOOL": True}}) == 1
