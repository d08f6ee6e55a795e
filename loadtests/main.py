"""`ddbkit load` as a library call: run, report, write files, gate on the SLO.

Imports Locust (and so monkey-patches the process): call it from the `ddbkit load` process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gevent
from locust.html import get_html_report
from rich.console import Console

from ddbkit.loadtests import report
from ddbkit.loadtests.config import LoadConfig, check_patterns, key_pool, resolve_endpoint
from ddbkit.loadtests.datacheck import check_dataset
from ddbkit.loadtests.patterns import AccessPattern, catalogue
from ddbkit.loadtests.runner import LoadRun
from ddbkit.loadtests.slo import DEFAULT_SLO, Slo, evaluate, load_slo


@dataclass(frozen=True)
class Outputs:
    json_path: Path | None = None
    html_path: Path | None = None
    csv_prefix: str | None = None
    slo_path: Path | None = None


def _checked(config: LoadConfig, outputs: Outputs) -> tuple[dict[str, AccessPattern], Slo]:
    """Everything the user wrote is checked before any traffic is sent."""
    check_patterns(config)
    known = catalogue()
    return known, load_slo(outputs.slo_path or DEFAULT_SLO, set(known))


def _open(config: LoadConfig) -> LoadRun:
    """Endpoint reachable, tables holding the dataset, workers connected; no traffic yet."""
    endpoint = resolve_endpoint(config)
    pool = key_pool(config)
    check_dataset(config, pool)
    return LoadRun(config, endpoint, pool)


def run(config: LoadConfig, outputs: Outputs, console: Console) -> dict[str, Any]:
    """Run the load once; returns the report (its `slo.passed` is the gate)."""
    known, slo = _checked(config, outputs)
    load = _open(config)
    csv_writer = _csv_writer(load, outputs.csv_prefix)
    try:
        seconds = load.run_step(config.users, config.run_time)
    finally:
        if csv_writer is not None:
            csv_writer.close_files()
        load.close()
    breaches = evaluate(slo, load.recorder.by_pattern(), seconds)
    result = report.build(load.recorder, seconds, known, breaches, config.users)
    console.print(report.table(result, f"{config.describe()}, {config.users} users, "
                                       f"{seconds:.0f} s against {load.environment.host}"))
    _print_errors(console, result["errors"])
    _write_outputs(outputs, result, load, config)
    return result


def find_max(config: LoadConfig, outputs: Outputs, console: Console,
             max_users: int, step_seconds: float) -> dict[str, Any]:
    """Double the users each step until the SLO breaks; the knee is the best passing step."""
    known, slo = _checked(config, outputs)
    load = _open(config)
    steps: list[dict[str, Any]] = []
    try:
        user_count = max(1, config.users)
        while user_count <= max_users:
            steps.append(_step(load, user_count, step_seconds, slo, known, console))
            if steps[-1]["breaches"]:
                break
            user_count *= 2
    finally:
        load.close()
    result = {"mix": config.mix, "patterns": list(config.patterns), **report.knee(steps)}
    console.print(result["verdict"], markup=False, highlight=False)
    if outputs.json_path:
        outputs.json_path.write_text(json.dumps(result, indent=2) + "\n")
    return result


def _print_errors(console: Console, errors: list[dict[str, Any]]) -> None:
    for line in report.error_lines(errors):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def _step(load: LoadRun, user_count: int, seconds: float, slo: Slo,
          known: dict[str, AccessPattern], console: Console) -> dict[str, Any]:
    elapsed = load.run_step(user_count, seconds)
    breaches = evaluate(slo, load.recorder.by_pattern(), elapsed)
    built = report.build(load.recorder, elapsed, known, breaches, user_count)
    total = built["totals"]
    console.print(f"{user_count:>5} users: {total['rps']:9.1f} req/s  p99 "
                  f"{total['p99_ms']:8.2f} ms  {'ok' if not breaches else breaches[0]}",
                  markup=False, highlight=False)
    _print_errors(console, built["errors"])
    return {"users": user_count, "rps": total["rps"], "p99_ms": total["p99_ms"],
            "failures": total["failures"], "breaches": breaches}


def _csv_writer(load: LoadRun, prefix: str | None) -> Any:
    if not prefix:
        return None
    from locust.stats import PERCENTILES_TO_REPORT, StatsCSVFileWriter

    writer = StatsCSVFileWriter(load.environment, PERCENTILES_TO_REPORT, prefix, False)
    gevent.spawn(writer.stats_writer)
    return writer


def _write_outputs(outputs: Outputs, result: dict[str, Any], load: LoadRun,
                   config: LoadConfig) -> None:
    if outputs.json_path:
        outputs.json_path.parent.mkdir(parents=True, exist_ok=True)
        outputs.json_path.write_text(json.dumps(result, indent=2) + "\n")
    if outputs.html_path:
        outputs.html_path.parent.mkdir(parents=True, exist_ok=True)
        outputs.html_path.write_text(get_html_report(load.environment))  # type: ignore[no-untyped-call]
    if outputs.csv_prefix:
        report.write_patterns_csv(Path(f"{outputs.csv_prefix}_patterns.csv"), result["patterns"])


def web(config: LoadConfig, port: int) -> None:
    """Locust's web UI on 127.0.0.1:PORT driving the same users, until Ctrl-C."""
    check_patterns(config)
    load = _open(config)
    ui = load.environment.create_web_ui("127.0.0.1", port)
    print(f"Locust web UI on http://127.0.0.1:{port} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            gevent.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        ui.stop()  # type: ignore[no-untyped-call]
        load.close()
