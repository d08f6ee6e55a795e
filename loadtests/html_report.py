"""The report as ONE self-contained HTML page: inline CSS and SVG, no script, no fetch.

Charts (svg.py): request units per pattern, the partition heat map, latency percentiles over
time per pattern, throttles over time; then the tables of the terminal report.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from html import escape
from typing import Any

from ddbkit.loadtests import svg
from ddbkit.loadtests.heat import heated

STYLE = """
body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1360px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.meta{color:#555;margin:0 0 12px}.kpis{display:flex;gap:12px;flex-wrap:wrap}
.kpi{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:120px}
.kpi b{display:block;font-size:18px}.pass{color:#1a7f37}.fail{color:#b42318}
.flags{background:#fff4e5;border-left:4px solid #e8590c;padding:8px 12px;margin:12px 0}
.flags li{margin:4px 0}.grid{display:grid;grid-template-columns:repeat(4,1fr);gap:8px}
table{border-collapse:collapse;font-size:12px;margin:4px 0}
th,td{border-bottom:1px solid #eee;padding:3px 8px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{background:#f6f6f6}
.legend span{display:inline-block;margin-right:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
"""
PERCENTILES = (("p50", "#9ab"), ("p95", "#e8a33d"), ("p99", "#c0392b"))
READ_COLOUR, WRITE_COLOUR = "#3b7dd8", "#e8590c"


def render(result: dict[str, Any], title: str) -> str:
    capacity = result["capacity"]
    names = sorted({p["name"] for p in capacity["patterns"]})
    colours = {name: svg.color(i, len(names)) for i, name in enumerate(names)}
    body = [_header(result, title), _flags(capacity),
            "<h2>Request units per access pattern</h2>", _units_chart(capacity),
            "<h2>Partition heat</h2>", _heat_chart(capacity),
            "<h2>Throttles over time</h2>", _throttle_chart(capacity, names, colours),
            "<h2>Latency percentiles over time</h2>", _latency_charts(capacity, names),
            "<h2>Cost per access pattern</h2>", _cost_table(capacity),
            "<h2>Per table and GSI</h2>", _targets_table(capacity),
            "<h2>Latency and errors per operation</h2>", _latency_table(result),
            _errors(result)]
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
            + "".join(body) + "</body></html>\n")


def _header(result: dict[str, Any], title: str) -> str:
    totals, capacity = result["totals"], result["capacity"]
    prices = capacity["prices"]
    slo = result["slo"]
    verdict = ('<b class="pass">met</b>' if slo["passed"] else
               f'<b class="fail">{len(slo["breaches"])} breaches</b>')
    throttles = sum(p["throttles"] for p in capacity["patterns"])
    cur = prices["currency"]
    kpis = [("requests", f"{totals['requests']:,}"), ("req/s", f"{totals['rps']:,.1f}"),
            ("p99", f"{totals['p99_ms']:.2f} ms"), ("failures", f"{totals['failures']:,}"),
            ("throttles", f"{throttles:,}"),
            ("cost / month", f"{cur} {capacity['totals']['cost_per_month']:,.2f}"),
            (f"at {capacity['project_rps']:,.0f} req/s",
             f"{cur} {capacity['totals']['projected_cost_per_month']:,.2f}")]
    interrupted = " (INTERRUPTED by Ctrl-C: partial figures)" if result["interrupted"] else ""
    return (f"<h1>{escape(title)}{interrupted}</h1><p class=\"meta\">generated "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {result['totals']['seconds']:g} s · "
            f"on-demand prices: {cur} {prices['write_request_units_per_million']:g} per million "
            f"write units, {prices['read_request_units_per_million']:g} per million read units "
            f"({escape(prices['region'])}, {escape(prices['table_class'])}, prices of "
            f"{escape(prices['date'])}) · SLO {verdict}</p><div class=\"kpis\">"
            + "".join(f'<div class="kpi">{escape(k)}<b>{escape(v)}</b></div>' for k, v in kpis)
            + "</div>")


def _flags(capacity: dict[str, Any]) -> str:
    """The flagged tables and GSIs as a table of the numbers behind each flag; the flags'
    sentences are in a list under it (and in the JSON and terminal)."""
    rows = []
    for target in capacity["heat"]:
        for kind in ("read", "write") if target["flags"] else ():
            heat = target.get(kind)
            if not heat or not heat["hottest"]:
                continue
            top, unit = heat["hottest"][0], "RCU" if kind == "read" else "WCU"
            above = heat["throttles_above_rps"]
            rows.append([target["target"], kind, f"{target['values_seen']:,}", top["value"],
                         f"{heat['hottest_share']:.0%}",
                         f"{top['projected_units_per_s']:,.1f} / {heat['partition_limit']:,.0f}"
                         f" {unit}/s", f"{heat['ceiling_units_per_s']:,.0f} {unit}/s",
                         f"{top['throttled_share']:.0%}", f"{above:,.0f}" if above else ""])
    if not rows:
        return ""
    sentences = "".join(f"<li><b>{escape(t['target'])}</b>: {escape(f)}</li>"
                        for t in capacity["heat"] for f in t["flags"])
    return ('<div class="flags"><b>Flagged: low-cardinality or hot partition keys</b>'
            + _html_table(["table / GSI", "units", "values seen", "hottest value", "its share",
                           f"projected at {capacity['project_rps']:,.0f} req/s / limit",
                           "index ceiling", "throttled there", "throttles above req/s"], rows)
            + f"<details><summary>why, in words</summary><ul>{sentences}</ul></details></div>")


def _units_chart(capacity: dict[str, Any]) -> str:
    cur = capacity["prices"]["currency"]
    patterns = sorted(capacity["patterns"], key=lambda p: -p["cost_per_month"])
    bars = [(p["name"], [("read", READ_COLOUR, p["read_units_per_s"]),
                         ("write", WRITE_COLOUR, p["write_units_per_s"])],
             f"{cur} {p['cost_per_month']:,.2f}/month") for p in patterns]
    legend = (f'<div class="legend"><span><i style="background:{READ_COLOUR}"></i>read units/s'
              f'</span><span><i style="background:{WRITE_COLOUR}"></i>write units/s</span>'
              "<span>(at the end: on-demand cost per month at the measured rate)</span></div>")
    return legend + svg.bar_chart(bars, 1300, "request units per second, by pattern", "units/s")


def heat_of(percent_of_limit: float) -> float:
    """1% of the partition limit or less -> 0, 100% or more -> 1, log in between: a value
    near its limit stands out, one at a few percent stays pale."""
    if percent_of_limit <= 1:
        return 0.0
    return min(math.log10(percent_of_limit) / 2, 1.0)


def _heat_chart(capacity: dict[str, Any]) -> str:
    n = svg.number
    rows = []
    for target, kind, heat in heated(capacity):
        flag = " ⚑" if target["flags"] else ""
        seen = target["values_seen"]
        label = f"{target['target']} {kind} ({seen:,} value{'' if seen == 1 else 's'}){flag}"
        cells = [(f"{_short(k['value'])} {k['share']:.0%}", heat_of(k["percent_of_limit"]),
                  f"{k['value']}: {n(k['units_per_s'])} {kind} units/s measured, "
                  f"{n(k['projected_units_per_s'])} units/s projected "
                  f"({n(k['percent_of_limit'])}% of the {n(heat['partition_limit'])} per "
                  f"partition); {k['share']:.1%} of the {kind} units; by "
                  + ", ".join(f"{p} ({n(u)} {'unit' if u == 1 else 'units'})"
                              for p, u in k["patterns"].items()))
                 for k in heat["hottest"]]
        rows.append((label, cells))
    note = (f"<p class=\"meta\">Each row: a table or GSI's hottest partition-key values, hottest "
            f"first, with their share of its units; colour: projected units/s (at "
            f"{capacity['project_rps']:,.0f} req/s) against the per-partition limit. ⚑ flagged."
            "</p>")
    return note + svg.heat_grid(rows, 5, 1300, "hottest key values per table and GSI")


def _short(value: str, width: int = 14) -> str:
    return value if len(value) <= width else value[:width - 1] + "…"


def _latency_charts(capacity: dict[str, Any], names: list[str]) -> str:
    legend = '<div class="legend">' + "".join(
        f'<span><i style="background:{c}"></i>{p}</span>' for p, c in PERCENTILES) + "</div>"
    panels = []
    for name in names:
        lines = [(f"{name} {p}", colour,
                  [(point["t"], point["patterns"][name][f"{p}_ms"])
                   for point in capacity["timeline"] if name in point["patterns"]])
                 for p, colour in PERCENTILES]
        panels.append(svg.line_chart(lines, 330, 130, name, "ms"))
    return legend + f'<div class="grid">{"".join(panels)}</div>'


def _throttle_chart(capacity: dict[str, Any], names: list[str], colours: dict[str, str]) -> str:
    slots = [(point["t"], [(n, colours[n], point["patterns"][n]["throttles"])
                           for n in names if n in point["patterns"]])
             for point in capacity["timeline"]]
    throttled = [n for n in names if any(p["throttles"] for p in capacity["patterns"]
                                         if p["name"] == n)]
    legend = '<div class="legend">' + "".join(
        f'<span><i style="background:{colours[n]}"></i>{escape(n)}</span>'
        for n in throttled) + "</div>"
    return legend + svg.column_chart(slots, 1300, 180, "throttled requests per time slot",
                                     "throttles", "no request was throttled in this run")


def _html_table(columns: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _cost_table(capacity: dict[str, Any]) -> str:
    cur = capacity["prices"]["currency"]
    rows = [[p["name"], f"{p['rps']:.1f}", f"{p['read_units_per_request']:g}",
             f"{p['write_units_per_request']:g}", f"{p['read_units_per_s']:.2f}",
             f"{p['write_units_per_s']:.2f}", f"{p['cost_per_million_requests']:.4f}",
             f"{p['cost_per_month']:,.2f}", f"{p['projected_cost_per_month']:,.2f}",
             str(p["throttles"]), "; ".join(f"{n} x {r}" for r, n in p["throttle_reasons"].items())]
            for p in capacity["patterns"]]
    return _html_table(["access pattern", "req/s", "RRU/req", "WRU/req", "RRU/s", "WRU/s",
                        f"{cur}/M req", f"{cur}/month", f"{cur}/month projected", "throttles",
                        "throttle reasons"], rows)


def _targets_table(capacity: dict[str, Any]) -> str:
    cur = capacity["prices"]["currency"]
    rows = [[t["target"], f"{t['read_units_per_s']:.2f}", f"{t['write_units_per_s']:.2f}",
             f"{t['cost_per_month']:,.2f}", f"{t['projected_cost_per_month']:,.2f}"]
            for t in capacity["targets"]]
    return _html_table(["table / GSI", "RRU/s", "WRU/s", f"{cur}/month",
                        f"{cur}/month projected"], rows)


def _latency_table(result: dict[str, Any]) -> str:
    rows = [[r["name"], r["operation"], f"{r['requests']:,}", f"{r['failures']:,}",
             f"{r['throttles']:,}", "" if r["hit_rate"] is None else f"{r['hit_rate']:.0%}",
             f"{r['rps']:.1f}", f"{r['p50_ms']:.2f}", f"{r['p95_ms']:.2f}", f"{r['p99_ms']:.2f}",
             f"{r['max_ms']:.2f}"] for r in result["patterns"]]
    return _html_table(["access pattern", "operation", "requests", "failures", "throttles",
                        "hit %", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows)


def _errors(result: dict[str, Any]) -> str:
    lines = [f"<li>{e['count']:,} x {escape(e['pattern'])}: {escape(e['error'])}</li>"
             for e in result["errors"]]
    breaches = [f"<li>{escape(b)}</li>" for b in result["slo"]["breaches"]]
    return ((f"<h2>Errors</h2><ul>{''.join(lines)}</ul>" if lines else "")
            + (f"<h2>SLO breaches</h2><ul>{''.join(breaches)}</ul>" if breaches else ""))
