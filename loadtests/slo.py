"""Service-level objectives: targets per access pattern (or as defaults) and the CI gate.

A TOML or YAML file:

    [defaults]
    p99_ms = 50
    max_error_rate = 0.001

    [patterns."bookings/status-index"]
    p99_ms = 100
    min_rps = 5
    max_throttle_rate = 0        # share of requests throttled
    max_cost_per_million = 0.5   # on-demand cost per million requests (price table's currency)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from ddbkit.emulator.errors import ConfigError
from ddbkit.loadtests.recorder import Series

DEFAULT_SLO = Path(__file__).parent / "slo-default.toml"


@dataclass(frozen=True)
class Targets:
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    max_error_rate: float | None = None
    min_rps: float | None = None
    max_throttle_rate: float | None = None
    max_cost_per_million: float | None = None

    def merged(self, override: Targets) -> Targets:
        return Targets(**{f.name: getattr(override, f.name) if getattr(override, f.name)
                          is not None else getattr(self, f.name) for f in fields(self)})


@dataclass(frozen=True)
class Slo:
    defaults: Targets = field(default_factory=Targets)
    patterns: dict[str, Targets] = field(default_factory=dict)

    def for_pattern(self, name: str) -> Targets:
        return self.defaults.merged(self.patterns.get(name, Targets()))


def load_slo(path: Path, known_patterns: set[str]) -> Slo:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read SLO file: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: malformed SLO file: {' '.join(str(exc).split())}") from exc
    if not isinstance(data, dict) or set(data) - {"defaults", "patterns"}:
        raise ConfigError(f"{path}: expected only [defaults] and [patterns.\"NAME\"] sections")
    patterns = data.get("patterns") or {}
    if not isinstance(patterns, dict):
        raise ConfigError(f"{path}: [patterns] must map pattern names to targets")
    unknown = sorted(set(patterns) - known_patterns)
    if unknown:
        raise ConfigError(f"{path}: unknown access pattern {unknown[0]!r}")
    return Slo(_targets(data.get("defaults") or {}, f"{path} [defaults]"),
               {name: _targets(t, f"{path} [patterns.{name!r}]") for name, t in patterns.items()})


def _targets(raw: Any, where: str) -> Targets:
    names = {f.name for f in fields(Targets)}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table of targets")
    for key, value in raw.items():
        if key not in names:
            raise ConfigError(f"{where}: unknown target {key!r} "
                              f"(known: {', '.join(sorted(names))})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"{where}: {key} must be a non-negative number, got {value!r}")
    return Targets(**{k: float(v) for k, v in raw.items()})


def evaluate(slo: Slo, by_pattern: dict[str, Series], seconds: float,
             capacity: dict[str, Any] | None = None) -> list[str]:
    """Every breach, one sentence each; empty when all targets hold. Cost targets need the
    report's capacity section."""
    capacity = capacity or {}
    costs = {p["name"]: p["cost_per_million_requests"] for p in capacity.get("patterns", [])}
    currency = capacity.get("prices", {}).get("currency", "")
    breaches = []
    for name in sorted(set(by_pattern) | set(slo.patterns)):
        series = by_pattern.get(name, Series())
        targets = slo.for_pattern(name)
        rps = series.requests / seconds if seconds else 0.0
        observed = {"p50_ms": series.percentile(0.50), "p95_ms": series.percentile(0.95),
                    "p99_ms": series.percentile(0.99), "max_ms": series.max_ms}
        for key, value in observed.items():
            limit = getattr(targets, key)
            if limit is not None and series.requests and value > limit:
                breaches.append(f"{name}: {key[:-3]} {value:.3f} ms > {limit:g} ms")
        error_rate = series.failures / series.requests if series.requests else 0.0
        if targets.max_error_rate is not None and error_rate > targets.max_error_rate:
            breaches.append(f"{name}: error rate {error_rate:.2%} > {targets.max_error_rate:.2%}")
        if targets.min_rps is not None and rps < targets.min_rps:
            breaches.append(f"{name}: {rps:.1f} req/s < {targets.min_rps:g} req/s")
        throttle_rate = series.throttles / series.requests if series.requests else 0.0
        if targets.max_throttle_rate is not None and throttle_rate > targets.max_throttle_rate:
            breaches.append(f"{name}: throttle rate {throttle_rate:.2%} > "
                            f"{targets.max_throttle_rate:.2%}")
        cost = costs.get(name)
        if targets.max_cost_per_million is not None and cost is not None \
                and cost > targets.max_cost_per_million:
            breaches.append(f"{name}: {currency} {cost:.4f} per million requests > "
                            f"{targets.max_cost_per_million:g}")
    return breaches
