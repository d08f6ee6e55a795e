"""The report's capacity, cost, partition-heat and throttle sections, from a Recorder.

Rates are per second of the run. `--project-rps N` scales the whole mix (each pattern keeps
its share of requests) to N DynamoDB requests per second; without it the projection is the
measured rate. Limits (AWS developer guide, "Partitions and data distribution" and
"Burst and adaptive capacity"): one partition serves 3,000 read and 1,000 write units per
second, and a partition-key value lives on one partition, so its units/s are a floor for its
partition's. A new on-demand table serves 12,000 read / 4,000 write units per second (the
spec's warm throughput).
"""

from __future__ import annotations

from typing import Any

from ddbkit.loadtests.heat import KeyCount, TargetHeat, TopKeys
from ddbkit.loadtests.prices import SECONDS_PER_MONTH, PriceTable
from ddbkit.loadtests.recorder import Recorder
from ddbkit.loadtests.series import Series

PARTITION_LIMIT = {"read": 3000.0, "write": 1000.0}
WARM_THROUGHPUT = {"read": 12000.0, "write": 4000.0}
# A GSI whose partition key takes at most this many values holds at least 1/8 of its
# traffic on one partition however evenly it is spread.
LOW_CARDINALITY_VALUES = 8
# ...but few values seen means little until each could have repeated: a short run sees a
# handful of UUID or email keys once each. So a GSI needs this many requests, and as many
# per value seen, before it can be called low-cardinality.
MIN_FLAG_REQUESTS = 30
MIN_REQUESTS_PER_VALUE = 5
# A value holding more than this share of an index's units caps the index below the table's
# warm throughput (3,000/12,000 = 1,000/4,000): one partition throttles first.
CEILING_SHARE = 0.25
HOTTEST = 5  # key values listed per target and kind


def _round(value: float, digits: int = 4) -> float:
    return round(value, digits)


class Scale:
    """Measured rates, and the factor that takes them to the projected rate."""

    def __init__(self, seconds: float, requests: int, project_rps: float | None) -> None:
        self.seconds = seconds
        self.measured_rps = requests / seconds if seconds else 0.0
        self.project_rps = project_rps if project_rps is not None else self.measured_rps
        self.factor = self.project_rps / self.measured_rps if self.measured_rps else 0.0

    def rate(self, count: float) -> float:
        return count / self.seconds if self.seconds else 0.0

    def projected(self, count: float) -> float:
        return self.rate(count) * self.factor


def build_capacity(recorder: Recorder, seconds: float, prices: PriceTable,
                   project_rps: float | None) -> dict[str, Any]:
    by_pattern = recorder.by_pattern()
    scale = Scale(seconds, sum(s.requests for s in by_pattern.values()), project_rps)
    patterns = [_pattern(name, series, recorder, prices, scale)
                for name, series in sorted(by_pattern.items())]
    targets = _targets(recorder, prices, scale)
    read = sum(t["read_units"] for t in targets)
    write = sum(t["write_units"] for t in targets)
    return {
        "prices": prices.to_json(), "seconds_per_month": SECONDS_PER_MONTH,
        "measured_rps": _round(scale.measured_rps, 2), "project_rps": _round(scale.project_rps, 2),
        "scale": _round(scale.factor), "patterns": patterns, "targets": targets,
        "totals": {"read_units": _round(read), "write_units": _round(write),
                   **_money(read, write, prices, scale)},
        "heat": [_heat(target, heat, recorder, scale)
                 for target, heat in sorted(recorder.heat.items())],
        "timeline": timeline(recorder)}


def _money(read: float, write: float, prices: PriceTable, scale: Scale) -> dict[str, float]:
    return {"read_units_per_s": _round(scale.rate(read)),
            "write_units_per_s": _round(scale.rate(write)),
            "cost_per_month": _round(prices.cost(scale.rate(read), scale.rate(write))
                                     * SECONDS_PER_MONTH, 2),
            "projected_cost_per_month": _round(prices.cost(scale.projected(read),
                                                           scale.projected(write))
                                               * SECONDS_PER_MONTH, 2)}


def _pattern(name: str, series: Series, recorder: Recorder, prices: PriceTable,
             scale: Scale) -> dict[str, Any]:
    requests = max(series.requests, 1)
    reasons = {r: n for (p, r), n in sorted(recorder.throttle_reasons.items()) if p == name}
    return {
        "name": name, "requests": series.requests, "rps": _round(scale.rate(series.requests), 2),
        "projected_rps": _round(scale.projected(series.requests), 2),
        "read_units": _round(series.read_units), "write_units": _round(series.write_units),
        "read_units_per_request": _round(series.read_units / requests),
        "write_units_per_request": _round(series.write_units / requests),
        **_money(series.read_units, series.write_units, prices, scale),
        "cost_per_million_requests": _round(prices.cost(series.read_units, series.write_units)
                                            / requests * 1e6),
        "throttles": series.throttles, "throttle_reasons": reasons,
        "on": {t: {"read_units": _round(r), "write_units": _round(w)}
               for (p, t), (r, w) in sorted(recorder.units.items()) if p == name}}


def _targets(recorder: Recorder, prices: PriceTable, scale: Scale) -> list[dict[str, Any]]:
    """Totals per table and per GSI, and which patterns spend them."""
    totals: dict[str, list[float]] = {}
    for (_, target), (read, write) in recorder.units.items():
        tally = totals.setdefault(target, [0.0, 0.0])
        tally[0] += read
        tally[1] += write
    return [{"target": target, "kind": "index" if "/" in target else "table",
             "read_units": _round(read), "write_units": _round(write),
             **_money(read, write, prices, scale)}
            for target, (read, write) in sorted(totals.items())]


def _heat(target: str, heat: TargetHeat, recorder: Recorder, scale: Scale) -> dict[str, Any]:
    values = heat.values.estimate()
    kinds = {kind: _kind_heat(keys, kind, scale)
             for kind, keys in (("read", heat.read), ("write", heat.write)) if keys.total}
    report: dict[str, Any] = {"target": target, "kind": "index" if "/" in target else "table",
                              "values_seen": values, "values_exact": heat.values.exact,
                              **kinds}
    report["flags"] = _flags(target, values, kinds)
    return report


def _kind_heat(keys: TopKeys, kind: str, scale: Scale) -> dict[str, Any]:
    limit = PARTITION_LIMIT[kind]
    hottest = keys.hottest(HOTTEST)
    share = hottest[0][1].units / keys.total if hottest else 0.0
    return {
        "units": _round(keys.total), "requests": sum(e.requests for e in keys.entries.values()),
        "units_per_s": _round(scale.rate(keys.total)),
        "projected_units_per_s": _round(scale.projected(keys.total)),
        "partition_limit": limit, "hottest_share": _round(share),
        # The index's ceiling: its hottest value reaches the partition limit here.
        "ceiling_units_per_s": _round(limit / share, 1) if share else None,
        "throttles_above_rps": (_round(scale.measured_rps * limit / scale.rate(hottest[0][1].units),
                                       1) if hottest and hottest[0][1].units else None),
        "exact": not keys.evicted,
        "hottest": [_key(value, entry, keys.total, limit, scale) for value, entry in hottest]}


def _key(value: str, entry: KeyCount, total: float, limit: float,
         scale: Scale) -> dict[str, Any]:
    projected = scale.projected(entry.units)
    throttled_share = max(0.0, 1 - limit / projected) if projected else 0.0
    return {
        "value": value, "units": _round(entry.units), "error": _round(entry.error),
        "share": _round(entry.units / total) if total else 0.0,
        "units_per_s": _round(scale.rate(entry.units)),
        "projected_units_per_s": _round(projected),
        "percent_of_limit": _round(100 * projected / limit, 2),
        "throttled_share": _round(throttled_share),
        # Requests/s each pattern would see throttled on this value at the projected rate.
        "throttled_rps": {p: _round(scale.projected(requests) * throttled_share, 2)
                          for p, (_, requests) in sorted(entry.patterns.items())
                          if throttled_share},
        "patterns": {p: _round(units) for p, (units, _) in sorted(entry.patterns.items())}}


def _flags(target: str, values: int, kinds: dict[str, dict[str, Any]]) -> list[str]:
    flags = []
    for kind, heat in kinds.items():
        top = heat["hottest"][0] if heat["hottest"] else None
        if top is None:
            continue
        units = "RCU" if kind == "read" else "WCU"
        limit, warm = PARTITION_LIMIT[kind], WARM_THROUGHPUT[kind]
        if _low_cardinality(target, values, heat, warm):
            flags.append(
                f"low-cardinality GSI: {_plural(values, 'value')} seen in "
                f"{_plural(heat['requests'], 'request')}; {top['value']!r} takes "
                f"{heat['hottest_share']:.0%} of its {kind} units "
                f"({top['projected_units_per_s']:,.1f} {units}/s projected vs {limit:,.0f} "
                f"per partition), so the index throttles "
                f"at {heat['ceiling_units_per_s']:,.0f} {units}/s, not the table's "
                f"{warm:,.0f}; at this mix, above {heat['throttles_above_rps']:,.0f} req/s")
        if top["projected_units_per_s"] > limit:
            by = ", ".join(f"{p} {n:g}/s" for p, n in top["throttled_rps"].items())
            flags.append(
                f"hot partition: {top['value']!r} at {top['projected_units_per_s']:,.0f} "
                f"{units}/s > {limit:,.0f}: {top['throttled_share']:.0%} of its requests "
                f"throttled ({by})")
    return flags


def _low_cardinality(target: str, values: int, heat: dict[str, Any], warm: float) -> bool:
    """A GSI seen often enough, with few values, one of which caps it below the table."""
    ceiling = heat["ceiling_units_per_s"]
    return ("/" in target and values <= LOW_CARDINALITY_VALUES
            and heat["requests"] >= max(MIN_FLAG_REQUESTS, MIN_REQUESTS_PER_VALUE * values)
            and ceiling is not None and round(ceiling) < warm)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def timeline(recorder: Recorder) -> list[dict[str, Any]]:
    """Per time slot and pattern: requests, latency percentiles, units, throttles."""
    width = recorder.timeline.width
    return [{"t": t, "seconds": width, "patterns": {
        name: {"requests": s.requests, "p50_ms": _round(s.percentile(0.5), 3),
               "p95_ms": _round(s.percentile(0.95), 3), "p99_ms": _round(s.percentile(0.99), 3),
               "read_units": _round(s.read_units), "write_units": _round(s.write_units),
               "throttles": s.throttles, "failures": s.failures}
        for name, s in sorted(patterns.items())}}
        for t, patterns in recorder.timeline.points()]
