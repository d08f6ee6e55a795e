"""`ddbkit load` as a library call: run, report, write files, gate on the SLO.

Imports Locust (and so monkey-patches the process): call it from the `ddbkit load` process.
Ctrl-C ends the run (or the step) early; what ran is still reported, marked `interrupted`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gevent
from locust.html import get_html_report
from locust.stats import CSV_STATS_INTERVAL_SEC, PERCENTILES_TO_REPORT, StatsCSVFileWriter
from rich.console import Console

from ddbkit.emulator.errors import ConfigError, EndpointError, LoadInterrupted
from ddbkit.loadtests import capacity_view, html_report, otel, report
from ddbkit.loadtests.client import Endpoint
from ddbkit.loadtests.config import LoadConfig, check_patterns, key_pool, resolve_endpoint
from ddbkit.loadtests.datacheck import check_dataset
from ddbkit.loadtests.interrupt import CtrlC
from ddbkit.loadtests.keys import KeyPool
from ddbkit.loadtests.knee import find_knee, knee
from ddbkit.loadtests.patterns import AccessPattern, catalogue, without_data
from ddbkit.loadtests.prices import PriceTable, load_prices
from ddbkit.loadtests.restore import StateGuard, writes_note
from ddbkit.loadtests.runner import LoadRun
from ddbkit.loadtests.slo import DEFAULT_SLO, Slo, evaluate, load_slo
from ddbkit.loadtests.web import serve_web_ui


@dataclass(frozen=True)
class Outputs:
    json_path: Path | None = None
    html_path: Path | None = None  # ddbkit's report: capacity, cost, heat, charts
    csv_prefix: str | None = None
    slo_path: Path | None = None
    price_path: Path | None = None  # None: the shipped on-demand prices
    project_rps: float | None = None  # cost and heat projected to this rate
    locust_html_path: Path | None = None  # Locust's own HTML report

    def written(self) -> str:
        paths = [str(p) for p in (self.json_path, self.html_path, self.locust_html_path) if p]
        paths += [f"{self.csv_prefix}_*.csv"] if self.csv_prefix else []
        return ", ".join(paths) or "nothing (no --json, --html or --csv)"

    def make_folders(self) -> None:
        """Create the reports' folders before any traffic, so a path that cannot be
        written fails at once, in one line, not after the run."""
        named = [("--json", self.json_path), ("--html", self.html_path),
                 ("--locust-html", self.locust_html_path),
                 ("--csv", Path(f"{self.csv_prefix}_") if self.csv_prefix else None)]
        for option, path in named:
            if path is None:
                continue
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"{option} {path}: cannot create the folder "
                                  f"{path.parent}: {exc.strerror or exc}") from exc


def _checked(config: LoadConfig, outputs: Outputs
             ) -> tuple[dict[str, AccessPattern], Slo, PriceTable]:
    """Everything the user wrote is checked before any traffic is sent."""
    check_patterns(config)
    known = catalogue()
    checked = known, load_slo(outputs.slo_path or DEFAULT_SLO, set(known)), \
        load_prices(outputs.price_path)
    outputs.make_folders()
    return checked


def _ready(config: LoadConfig, stop: CtrlC, restore_after: bool
           ) -> tuple[Endpoint, KeyPool, StateGuard | None]:
    """Endpoint reachable, tables holding the dataset; no traffic yet."""
    guard = StateGuard(config) if restore_after else None  # refuses AWS before any request
    endpoint = resolve_endpoint(config)
    pool = key_pool(config)
    check_dataset(config, pool)
    _check_patterns_have_data(config, pool)
    if stop.pressed:
        raise LoadInterrupted("stopped by Ctrl-C before the load started; no report written")
    return endpoint, pool, guard


@contextmanager
def _opened(config: LoadConfig, stop: CtrlC, restore_after: bool) -> Iterator[LoadRun]:
    """The load, workers connected, closed at the end; with --restore-after the emulator's
    state is saved first and put back last (Ctrl-C included). Otherwise says what the run's
    writes left on a local endpoint."""
    endpoint, pool, guard = _ready(config, stop, restore_after)
    if guard is not None:
        guard.save()
    load: LoadRun | None = None
    try:
        load = LoadRun(config, endpoint, pool, stop)
        try:
            yield load
        finally:
            load.close()
    finally:
        writes = load.writes if load is not None else 0
        note = guard.restore(writes) if guard is not None else writes_note(writes, endpoint.url)
        if note:
            print(note, flush=True)


def _check_patterns_have_data(config: LoadConfig, pool: KeyPool) -> None:
    """A pattern drawing keys from a table the dataset leaves empty cannot run: refuse it
    when named with --pattern, skip it (saying so) in a mix."""
    chosen = list(config.patterns) or None
    empty = without_data(pool, chosen)
    if chosen and empty:
        name, table = next(iter(empty.items()))
        raise ConfigError(f"access pattern {name!r} draws keys from the {table} table, which "
                          "the dataset leaves empty")
    if len(empty) == len(catalogue()):
        raise ConfigError("the dataset leaves every table empty: no access pattern can run")
    if empty:
        print(f"skipping {len(empty)} access patterns whose tables the dataset leaves empty: "
              + ", ".join(sorted(empty)), flush=True)


def run(config: LoadConfig, outputs: Outputs, console: Console,
        restore_after: bool = False) -> dict[str, Any]:
    """Run the load once; returns the report (its `slo.passed` is the gate, `interrupted`
    says Ctrl-C ended it early)."""
    checked = _checked(config, outputs)
    with CtrlC() as stop, _opened(config, stop, restore_after) as load:
        csv_writer = LocustCsv(load, outputs.csv_prefix) if outputs.csv_prefix else None
        print(f"running {config.describe()} with {config.users} users for "
              f"{config.run_time:g} s against {load.environment.host} "
              "(Ctrl-C stops early and still reports)", flush=True)
        try:
            seconds = load.run_step(config.users, config.run_time)
        finally:
            if csv_writer is not None:
                csv_writer.close()
            load.close()  # before the report: workers send their last stats as they quit
        result = _report(load, seconds, config.users, checked, outputs, console)
    if load.workers_left:
        raise EndpointError(f"every load worker left after {seconds:.0f} s, so the run ended "
                            f"early; the partial report went to {outputs.written()}")
    return result


def _report(load: LoadRun, seconds: float, users: int,
            checked: tuple[dict[str, AccessPattern], Slo, PriceTable], outputs: Outputs,
            console: Console) -> dict[str, Any]:
    """The report of what the recorder holds: built, gated, printed and written."""
    known, slo, prices = checked
    result = report.build(load.recorder, seconds, known, [], users, load.interrupted, prices,
                          outputs.project_rps)
    breaches = evaluate(slo, load.recorder.by_pattern(), seconds, result["capacity"])
    result["slo"] = {"passed": not breaches, "breaches": breaches}
    title = (f"{load.config.describe()}, {users} users, {seconds:.0f} s against "
             f"{load.environment.host}")
    console.print(report.table(result, title))
    _print_errors(console, result["errors"])
    _print_capacity(console, result["capacity"])
    _write_outputs(outputs, result, load, title)
    if load.config.otel:
        otel.export_report(result)
    return result


def _print_capacity(console: Console, capacity: dict[str, Any]) -> None:
    console.print(capacity_view.cost_table(capacity))
    console.print(capacity_view.targets_table(capacity))
    console.print(capacity_view.heat_table(capacity))
    for line in capacity_view.flag_lines(capacity) + capacity_view.throttle_lines(capacity):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def find_max(config: LoadConfig, outputs: Outputs, console: Console, max_users: int,
             step_seconds: float, restore_after: bool = False) -> dict[str, Any]:
    """Double the users each step until the knee (knee.py) shows; the last step runs
    `max_users` itself, not the last power of two below it."""
    known, slo, prices = _checked(config, outputs)
    steps: list[dict[str, Any]] = []
    with CtrlC() as stop, _opened(config, stop, restore_after) as load:
        user_count = max(1, config.users)
        while not load.interrupted:
            steps.append(_step(load, user_count, step_seconds, slo, known, prices, console))
            if load.interrupted or load.workers_left or user_count >= max_users or \
                    find_knee(steps) is not None:
                break
            user_count = min(user_count * 2, max_users)
        load.close()
    result = {"mix": config.mix, "patterns": list(config.patterns),
              "step_seconds": step_seconds, "max_users": max_users,
              **knee(steps, load.interrupted)}
    console.print(result["verdict"], markup=False, highlight=False, soft_wrap=True)
    if config.otel:
        otel.flush()  # Locust's request durations of every step
    if outputs.json_path:
        outputs.json_path.write_text(json.dumps(result, indent=2) + "\n")
    return result


def _print_errors(console: Console, errors: list[dict[str, Any]]) -> None:
    for line in report.error_lines(errors):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def _step(load: LoadRun, user_count: int, seconds: float, slo: Slo,
          known: dict[str, AccessPattern], prices: PriceTable, console: Console
          ) -> dict[str, Any]:
    elapsed = load.run_step(user_count, seconds)
    built = report.build(load.recorder, elapsed, known, [], user_count, prices=prices)
    breaches = evaluate(slo, load.recorder.by_pattern(), elapsed, built["capacity"])
    total = built["totals"]
    console.print(f"{user_count:>5} users: {total['rps']:9.1f} req/s  p99 "
                  f"{total['p99_ms']:8.2f} ms  {'ok' if not breaches else breaches[0]}"
                  f"{'  (interrupted)' if load.interrupted else ''}",
                  markup=False, highlight=False)
    _print_errors(console, built["errors"])
    return {"users": user_count, "seconds": round(elapsed, 2), "requests": total["requests"],
            "rps": total["rps"], "p50_ms": total["p50_ms"], "p99_ms": total["p99_ms"],
            "failures": total["failures"], "throttles": total["throttles"],
            "breaches": breaches, "interrupted": load.interrupted}


class LocustCsv:
    """Locust's CSVs, rewritten every CSV_STATS_INTERVAL_SEC by a greenlet while load runs."""

    def __init__(self, load: LoadRun, prefix: str) -> None:
        self.writer = StatsCSVFileWriter(load.environment, PERCENTILES_TO_REPORT, prefix, False)
        self.greenlet = gevent.spawn(self.writer.stats_writer)

    def close(self) -> None:
        """Let the writer take one more turn, after the last figures are in, then stop it
        before its files close: a turn on closed files would log a traceback."""
        gevent.sleep(CSV_STATS_INTERVAL_SEC * 1.1)
        self.greenlet.kill()
        self.writer.close_files()


def _write_outputs(outputs: Outputs, result: dict[str, Any], load: LoadRun, title: str) -> None:
    """Folders were made by Outputs.make_folders before the run."""
    if outputs.json_path:
        outputs.json_path.write_text(json.dumps(result, indent=2) + "\n")
    if outputs.html_path:
        outputs.html_path.write_text(html_report.render(result, title))
    if outputs.locust_html_path:
        outputs.locust_html_path.write_text(get_html_report(load.environment))  # type: ignore[no-untyped-call]
    if outputs.csv_prefix:
        report.write_patterns_csv(Path(f"{outputs.csv_prefix}_patterns.csv"), result["patterns"])
        capacity_view.write_capacity_csvs(outputs.csv_prefix, result["capacity"])


def web(config: LoadConfig, outputs: Outputs, port: int, console: Console,
        restore_after: bool = False) -> dict[str, Any] | None:
    """Locust's web UI on 127.0.0.1:PORT (0: any free port) driving the same users, until
    Ctrl-C; then the report of every request the UI's runs made (written as --json, --html
    and --csv ask), gated like a headless run. None when the UI ran nothing."""
    checked = _checked(config, outputs)
    with CtrlC() as stop, _opened(config, stop, restore_after) as load:
        csv_writer = LocustCsv(load, outputs.csv_prefix) if outputs.csv_prefix else None
        try:
            users = serve_web_ui(load, port)
        finally:
            if csv_writer is not None:
                csv_writer.close()
            load.close()
        seconds = load.recorder.timeline.span()
        if not load.recorder.series:
            print("the web UI ran no load: no report", flush=True)
            return None
        return _report(load, seconds, users, checked, outputs, console)
