"""Fault plans: which errors to inject at what rate, what latency to add, from TOML or flags.

A plan file (`ddbkit up --faults FILE`):

    seed = 7                       # optional; --fault-seed overrides it

    [[error]]
    on = ["write", "GetItem"]      # classes (read, write, transact, control, streams)
    type = "ThrottlingException"   # or operation names; omitted: every operation
    rate = 0.05                    # probability per request

    [[latency]]
    on = ["read"]
    p50_ms = 4                     # any of p50/p90/p95/p99/max (and min, default 0),
    p99_ms = 40                    # interpolated linearly between them
    max_ms = 120

Error types: ThrottlingException, ProvisionedThroughputExceededException,
InternalServerError (HTTP 500), ServiceUnavailable (503), TransactionConflict
(TransactionCanceledException with a TransactionConflict reason for transactions,
TransactionConflictException for other writes). The first rule that matches and fires wins;
latency rules add up.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ddbkit.emulator.config_file import read_toml
from ddbkit.emulator.errors import ConfigError

CLASSES: dict[str, frozenset[str]] = {
    "read": frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "ExecuteStatement",
                       "BatchExecuteStatement"}),
    "write": frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}),
    "transact": frozenset({"TransactGetItems", "TransactWriteItems", "ExecuteTransaction"}),
    "streams": frozenset({"DescribeStream", "GetShardIterator", "GetRecords", "ListStreams"}),
}
DATA_PLANE = frozenset().union(*CLASSES.values())
ERROR_TYPES = ("ThrottlingException", "ProvisionedThroughputExceededException",
               "InternalServerError", "ServiceUnavailable", "TransactionConflict")
PERCENTILES = (("min_ms", 0.0), ("p50_ms", 0.5), ("p90_ms", 0.9), ("p95_ms", 0.95),
               ("p99_ms", 0.99), ("max_ms", 1.0))


def operation_class(operation: str) -> str:
    return next((name for name, members in CLASSES.items() if operation in members),
                "control")


@dataclass(frozen=True)
class Selector:
    """Which operations a rule applies to: classes and/or names; empty: all."""

    names: frozenset[str] = frozenset()

    def __str__(self) -> str:
        return f" on {'/'.join(sorted(self.names))}" if self.names else ""

    def matches(self, operation: str) -> bool:
        return not self.names or operation in self.names or (
            operation_class(operation) in self.names)


@dataclass(frozen=True)
class ErrorRule:
    error: str
    rate: float
    on: Selector = Selector()


@dataclass(frozen=True)
class LatencyRule:
    """Added latency as a distribution: (quantile, milliseconds) points, ascending."""

    points: tuple[tuple[float, float], ...]
    on: Selector = Selector()

    def sample_ms(self, u: float) -> float:
        for (q0, v0), (q1, v1) in itertools.pairwise(self.points):
            if u <= q1:
                return v0 + (v1 - v0) * ((u - q0) / (q1 - q0) if q1 > q0 else 1.0)
        return self.points[-1][1]


@dataclass(frozen=True)
class FaultPlan:
    errors: tuple[ErrorRule, ...] = ()
    latency: tuple[LatencyRule, ...] = ()
    seed: int | None = None

    def __bool__(self) -> bool:
        return bool(self.errors or self.latency)

    def describe(self) -> str:
        """One line for humans: '5% InternalServerError on write, latency 5/20/80/200 ms'."""
        parts = [f"{rule.rate * 100:.4g}% {rule.error}{rule.on}" for rule in self.errors]
        parts += ["latency " + "/".join(f"{ms:g}" for q, ms in rule.points if q > 0)
                  + f" ms{rule.on}" for rule in self.latency]
        return ", ".join(parts)

    def merged(self, other: FaultPlan) -> FaultPlan:
        return FaultPlan(self.errors + other.errors, self.latency + other.latency,
                         other.seed if other.seed is not None else self.seed)


def _selector(raw: Any, where: str) -> Selector:
    names = [raw] if isinstance(raw, str) else raw
    if names is None:
        return Selector()
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{where}: 'on' must be a list of operation classes or names")
    return Selector(frozenset(names))


def error_rule(error: str, rate: Any, on: Any = None, where: str = "fault") -> ErrorRule:
    if error not in ERROR_TYPES:
        raise ConfigError(f"{where}: unknown error type {error!r} "
                          f"(one of {', '.join(ERROR_TYPES)})")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ConfigError(f"{where}: rate must be a number from 0 to 1, not {rate!r}")
    return ErrorRule(error, float(rate), _selector(on, where))


def latency_rule(values: dict[str, Any], on: Any = None, where: str = "latency") -> LatencyRule:
    unknown = set(values) - {name for name, _ in PERCENTILES}
    if unknown:
        raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r} "
                          "(min_ms, p50_ms, p90_ms, p95_ms, p99_ms, max_ms)")
    points = [(0.0, 0.0)]
    for name, quantile in PERCENTILES:
        if name in values:
            value = values[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"{where}: {name} must be a number of milliseconds >= 0")
            points = [p for p in points if p[0] != quantile] + [(quantile, float(value))]
    if len(points) < 2:
        raise ConfigError(f"{where}: give at least one of p50_ms, p90_ms, p99_ms, max_ms")
    if any(b[1] < a[1] for a, b in itertools.pairwise(points)):
        raise ConfigError(f"{where}: percentiles must not decrease (p50 <= p90 <= p99 <= max)")
    return LatencyRule(tuple(points), _selector(on, where))


def parse_latency_flag(text: str) -> LatencyRule:
    """`--latency P50,P90,P99,MAX` in milliseconds (fewer values: the first ones)."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise ConfigError(f"--latency: expected milliseconds as P50,P90,P99,MAX, not {text!r}") \
            from None
    if not 1 <= len(values) <= 4:
        raise ConfigError(f"--latency: expected 1 to 4 values (P50,P90,P99,MAX), not {text!r}")
    names = ("p50_ms", "p90_ms", "p99_ms", "max_ms")
    return latency_rule(dict(zip(names, values, strict=False)), where="--latency")


def load_plan(path: Path) -> FaultPlan:
    data = read_toml(path, "fault file")
    unknown = set(data) - {"seed", "error", "latency"}
    if unknown:
        raise ConfigError(f"{path}: unknown key {sorted(unknown)[0]!r} (seed, error, latency)")
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ConfigError(f"{path}: seed must be an integer")
    errors, latency = data.get("error", []), data.get("latency", [])
    if not isinstance(errors, list) or not isinstance(latency, list):
        raise ConfigError(f"{path}: use [[error]] and [[latency]] tables")
    rules = []
    for n, raw in enumerate(errors, 1):
        where = f"{path}: error #{n}"
        if set(raw) - {"on", "type", "rate"} or "type" not in raw or "rate" not in raw:
            raise ConfigError(f"{where}: expected keys type, rate and optionally on")
        rules.append(error_rule(raw["type"], raw["rate"], raw.get("on"), where))
    delays = [latency_rule({k: v for k, v in raw.items() if k != "on"}, raw.get("on"),
                           f"{path}: latency #{n}") for n, raw in enumerate(latency, 1)]
    return FaultPlan(tuple(rules), tuple(delays), seed)
