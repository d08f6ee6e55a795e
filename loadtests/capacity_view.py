"""The capacity section of the report for people: terminal tables, flags, and CSV files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table

from ddbkit.loadtests.heat import heated
from ddbkit.loadtests.report import write_patterns_csv


def _money(value: float, currency: str) -> str:
    symbol = "$" if currency == "USD" else f"{currency} "
    return f"{symbol}{value:,.2f}" if value >= 0.01 or value == 0 else f"{symbol}{value:.4f}"


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    view = Table(title=title, title_justify="left")
    for i, column in enumerate(columns):
        view.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        view.add_row(*row)
    return view


def cost_table(capacity: dict[str, Any]) -> Table:
    prices = capacity["prices"]
    cur = prices["currency"]
    rows = [[p["name"], f"{p['rps']:.1f}", f"{p['read_units_per_request']:g}",
             f"{p['write_units_per_request']:g}", f"{p['read_units_per_s']:.1f}",
             f"{p['write_units_per_s']:.1f}", _money(p["cost_per_million_requests"], cur),
             _money(p["cost_per_month"], cur), _money(p["projected_cost_per_month"], cur),
             str(p["throttles"])] for p in capacity["patterns"]]
    t = capacity["totals"]
    rows.append(["[bold]total[/bold]", f"{capacity['measured_rps']:.1f}", "", "",
                 f"{t['read_units_per_s']:.1f}", f"{t['write_units_per_s']:.1f}", "",
                 _money(t["cost_per_month"], cur), _money(t["projected_cost_per_month"], cur),
                 str(sum(p["throttles"] for p in capacity["patterns"]))])
    title = (f"Request units and on-demand cost ({prices['region']}, prices of {prices['date']}; "
             f"projected at {capacity['project_rps']:,.0f} req/s = x{capacity['scale']:g})")
    return _table(title, ["access pattern", "req/s", "RRU/req", "WRU/req", "RRU/s", "WRU/s",
                          "per M req", "per month", "projected/month", "throttles"], rows)


def targets_table(capacity: dict[str, Any]) -> Table:
    cur = capacity["prices"]["currency"]
    rows = [[t["target"], f"{t['read_units_per_s']:.1f}", f"{t['write_units_per_s']:.1f}",
             _money(t["cost_per_month"], cur), _money(t["projected_cost_per_month"], cur)]
            for t in capacity["targets"]]
    return _table("Request units per table and GSI",
                  ["table / GSI", "RRU/s", "WRU/s", "per month", "projected/month"], rows)


def heat_table(capacity: dict[str, Any]) -> Table:
    rows = []
    for target, kind, heat in heated(capacity):
        top = heat["hottest"][0]
        seen = f"{target['values_seen']:,}" + ("" if target["values_exact"] else "~")
        above = heat["throttles_above_rps"]
        rows.append([target["target"], kind, seen, _short(top["value"]),
                     f"{heat['hottest_share']:.0%}", f"{top['units_per_s']:.2f}",
                     f"{top['projected_units_per_s']:.1f}", f"{top['percent_of_limit']:.2f}%",
                     f"{above:,.0f}" if above else "", "yes" if target["flags"] else ""])
    return _table("Partition heat: the hottest key value of each table and GSI (limit per "
                  "partition: 3,000 RCU/s, 1,000 WCU/s)",
                  ["table / GSI", "kind", "values", "hottest value", "share", "units/s",
                   "projected/s", "of limit", "throttles above req/s", "flag"], rows)


def _short(value: str, width: int = 24) -> str:
    return value if len(value) <= width else value[:width - 1] + "…"


def flag_lines(capacity: dict[str, Any]) -> list[str]:
    return [f"FLAG {t['target']}: {flag}" for t in capacity["heat"] for flag in t["flags"]]


def throttle_lines(capacity: dict[str, Any]) -> list[str]:
    return [f"{n:>8} x {p['name']} throttled: {reason}"
            for p in capacity["patterns"] for reason, n in p["throttle_reasons"].items()]


def write_capacity_csvs(prefix: str, capacity: dict[str, Any]) -> None:
    """PREFIX_capacity.csv (per pattern), PREFIX_targets.csv, PREFIX_heat.csv (per hot key)."""
    patterns = [{k: v for k, v in p.items() if k not in ("on", "throttle_reasons")}
                for p in capacity["patterns"]]
    write_patterns_csv(Path(f"{prefix}_capacity.csv"), patterns)
    write_patterns_csv(Path(f"{prefix}_targets.csv"), capacity["targets"])
    heat = []
    for target in capacity["heat"]:
        for kind in ("read", "write"):
            for rank, key in enumerate((target.get(kind) or {}).get("hottest", []), 1):
                heat.append({"target": target["target"], "units": kind, "rank": rank,
                             "values_seen": target["values_seen"],
                             **{k: v for k, v in key.items()
                                if k not in ("patterns", "throttled_rps")},
                             "flagged": bool(target["flags"])})
    write_patterns_csv(Path(f"{prefix}_heat.csv"), heat)
