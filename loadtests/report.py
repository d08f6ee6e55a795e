"""The end-of-run report: one row per (access pattern, operation), totals, errors, the SLO,
and (capacity_report.py) request units, cost, partition heat and throttles.

`hit_rate` is the share of reads (GetItem, Query) that found data; None for writes. A run
against tables that lack the seeded data fails nothing, so only this shows it.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from rich.table import Table

from ddbkit.loadtests.capacity_report import build_capacity
from ddbkit.loadtests.patterns import AccessPattern
from ddbkit.loadtests.prices import PriceTable
from ddbkit.loadtests.recorder import Recorder, Series


def row(name: str, operation: str, series: Series, seconds: float,
        pattern: AccessPattern | None) -> dict[str, Any]:
    hit_rate = series.hit_rate
    return {
        "name": name, "table": pattern.table if pattern else None,
        "index": pattern.index if pattern else None, "operation": operation,
        "requests": series.requests, "failures": series.failures,
        "rps": round(series.requests / seconds, 2) if seconds else 0.0,
        "p50_ms": round(series.percentile(0.50), 3), "p95_ms": round(series.percentile(0.95), 3),
        "p99_ms": round(series.percentile(0.99), 3), "max_ms": round(series.max_ms, 3),
        "read_units": round(series.read_units, 4), "write_units": round(series.write_units, 4),
        "throttles": series.throttles,
        "hit_rate": round(hit_rate, 4) if hit_rate is not None else None,
    }


def build(recorder: Recorder, seconds: float, catalogue: dict[str, AccessPattern],
          breaches: list[str], users: int, interrupted: bool = False,
          prices: PriceTable | None = None, project_rps: float | None = None) -> dict[str, Any]:
    """The report; with `prices`, its `capacity` section too (units, cost, heat, timeline)."""
    rows = [row(name, op, series, seconds, catalogue.get(name))
            for (name, op), series in sorted(recorder.series.items())]
    total = Series()
    for series in recorder.series.values():
        total.merge(series)
    totals = row("total", "all", total, seconds, None)
    for key in ("name", "table", "index", "operation"):
        totals.pop(key)
    totals.update({"seconds": round(seconds, 2), "users": users,
                   "worker_requests": dict(sorted(recorder.worker_requests.items()))})
    result = {"patterns": rows, "totals": totals, "errors": errors(recorder),
              "interrupted": interrupted, "slo": {"passed": not breaches, "breaches": breaches}}
    if prices is not None:
        result["capacity"] = build_capacity(recorder, seconds, prices, project_rps)
    return result


def errors(recorder: Recorder) -> list[dict[str, Any]]:
    """Each distinct failure once, the most frequent first."""
    return [{"pattern": p, "error": e, "count": n}
            for (p, e), n in sorted(recorder.errors.items(), key=lambda kv: (-kv[1], kv[0]))]


COLUMNS = ("access pattern", "operation", "requests", "failures", "throttles", "hit %", "req/s",
           "p50 ms", "p95 ms", "p99 ms", "max ms", "RRU", "WRU")


def table(report: dict[str, Any], title: str) -> Table:
    if report.get("interrupted"):
        title += " (INTERRUPTED by Ctrl-C: partial figures)"
    view = Table(title=title)
    for column in COLUMNS:
        view.add_column(column, justify="left" if column in COLUMNS[:2] else "right")
    for r in report["patterns"]:
        view.add_row(r["name"], r["operation"], *_figures(r))
    view.add_row("[bold]total[/bold]", "", *_figures(report["totals"]))
    return view


def _figures(r: dict[str, Any]) -> list[str]:
    hits = "" if r["hit_rate"] is None else f"{r['hit_rate']:.0%}"
    return [str(r["requests"]), str(r["failures"]), str(r["throttles"]), hits,
            f"{r['rps']:.1f}", f"{r['p50_ms']:.2f}", f"{r['p95_ms']:.2f}", f"{r['p99_ms']:.2f}",
            f"{r['max_ms']:.2f}", f"{r['read_units']:g}", f"{r['write_units']:g}"]


def error_lines(errors: list[dict[str, Any]]) -> list[str]:
    """Each distinct failure once, with how often it happened."""
    return [f"{e['count']:>8} x {e['pattern']}: {e['error']}" for e in errors]


def write_patterns_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """ddbkit's own table as CSV; a missing value (a GetItem's index) is an empty cell."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
