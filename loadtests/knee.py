"""`--find-max`: where doubling the users stops buying throughput (the knee), from the steps.

A step is `{"users", "requests", "rps", "p99_ms", "failures", "throttles", "breaches"}`.
The knee is the first step that shows the endpoint saturating, compared with the step before:
- throughput grew less than MIN_GROWTH for doubled users (pro rata, by log2 of the users'
  ratio, for a last step that does not double);
- p99 grew more than P99_GROWTH times;
- requests were throttled, the failure share rose by more than FAILURE_RISE, or the SLO broke.
A flat throughput with a p99 that quadruples is a knee even when every step meets the SLO.
"""

from __future__ import annotations

import math
from typing import Any

MIN_GROWTH = 0.10  # more req/s expected from doubled users, as a fraction
P99_GROWTH = 2.0
FAILURE_RISE = 0.01  # share of requests: a mix's designed failures (conditional checks) stay


def saturation(previous: dict[str, Any] | None, step: dict[str, Any]) -> list[str]:
    """Why `step` is past the knee (empty: it is not)."""
    reasons = []
    if step["breaches"]:
        reasons.append(f"the SLO broke ({step['breaches'][0]})")
    if step["throttles"]:
        reasons.append(f"{step['throttles']:,} requests throttled")
    if previous is None:
        return reasons
    if _failure_share(step) > _failure_share(previous) + FAILURE_RISE:
        reasons.append(f"failures rose from {_failure_share(previous):.1%} to "
                       f"{_failure_share(step):.1%} of requests")
    ratio = step["users"] / previous["users"]
    if previous["rps"] > 0 and ratio > 1:
        growth = step["rps"] / previous["rps"] - 1
        if growth < MIN_GROWTH * math.log2(ratio):
            reasons.append(f"throughput {_change(growth)} ({previous['rps']:,.1f} -> "
                           f"{step['rps']:,.1f} req/s) for {ratio:g}x the users")
    if previous["p99_ms"] > 0 and step["p99_ms"] > P99_GROWTH * previous["p99_ms"]:
        reasons.append(f"p99 grew {step['p99_ms'] / previous['p99_ms']:.1f}x "
                       f"({previous['p99_ms']:.2f} -> {step['p99_ms']:.2f} ms)")
    return reasons


def _failure_share(step: dict[str, Any]) -> float:
    return step["failures"] / step["requests"] if step["requests"] else 0.0


def _change(growth: float) -> str:
    return f"grew only {growth:.0%}" if growth >= 0 else f"fell {-growth:.0%}"


def find_knee(steps: list[dict[str, Any]]) -> tuple[int, list[str]] | None:
    """(index of the knee step, why), or None while every step still scaled."""
    for index, step in enumerate(steps):
        reasons = saturation(steps[index - 1] if index else None, step)
        if reasons:
            return index, reasons
    return None


def _point(step: dict[str, Any]) -> dict[str, Any]:
    return {"users": step["users"], "rps": step["rps"], "p99_ms": step["p99_ms"]}


def knee(steps: list[dict[str, Any]], interrupted: bool) -> dict[str, Any]:
    """The search's result: the steps, the knee (or None), the best step within the SLO,
    and one verdict line. An interrupted last step is partial: it cannot make the knee."""
    complete = steps[:-1] if interrupted else steps
    found = find_knee(complete)
    passing = [s for s in steps if not s["breaches"]]
    best = max(passing, key=lambda s: s["rps"]) if passing else None
    knee_point = None
    if found is not None:
        index, reasons = found
        knee_point = {**_point(steps[index]), "reasons": reasons}
    reached_max = found is None and not interrupted and bool(steps)
    return {"steps": steps, "knee": knee_point, "best": _point(best) if best else None,
            "reached_max_users": reached_max, "interrupted": interrupted,
            "verdict": _verdict(steps, knee_point, best, interrupted)}


def _verdict(steps: list[dict[str, Any]], knee_point: dict[str, Any] | None,
             best: dict[str, Any] | None, interrupted: bool) -> str:
    best_text = (f"best within the SLO: {best['rps']:,.1f} req/s at {best['users']} users"
                 if best else "no step met the SLO")
    if knee_point is not None:
        return (f"knee at {knee_point['users']} users ({knee_point['rps']:,.1f} req/s, p99 "
                f"{knee_point['p99_ms']:.2f} ms): {'; '.join(knee_point['reasons'])}; "
                f"{best_text}")
    if not steps:
        return "no step ran"
    why = "interrupted by Ctrl-C" if interrupted else "throughput still grew: raise --max-users"
    return f"no knee found up to {steps[-1]['users']} users ({best_text}); {why}"
