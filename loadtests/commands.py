"""`ddbkit load` and `ddbkit load-worker`: the Locust runs, from the command line.

Locust monkey-patches the process for gevent when imported, so it is imported only inside
the commands (by `_load_access`, before anything imports ssl), never when this module loads.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import click

from ddbkit.emulator.commands.options import (
    DATASET_OPTIONS,
    EXIT_CHECK_FAILED,
    dataset_options,
    dataset_source,
    endpoint_options_for,
    seconds,
    stacked,
    stage_option,
    terminal_console,
)
from ddbkit.emulator.errors import ConfigError, DdbkitError


def _load_access(options: dict[str, Any]) -> str:
    """A load writes when its mix holds a write flow (loadtests/patterns.py FLOWS);
    --restore-after uses named states, which only the emulator has."""
    import locust  # noqa: F401 - before anything imports ssl: it monkey-patches this process

    from ddbkit.loadtests.config import writes

    if options.get("restore_after"):
        return "states"
    return "write" if writes(options["patterns"]) else "read"


# What traffic to send and where: shared by `load` and `load-worker`.
traffic_options = stacked(
    endpoint_options_for(_load_access, writes=True),
    stage_option,
    dataset_options,
    click.option("--mix", type=click.Choice(["personas", "patterns"]), default="personas",
                 show_default=True, help="Realistic traffic, or every pattern equally."),
    click.option("--pattern", "patterns", multiple=True, metavar="NAME",
                 help="Hammer only this access pattern (repeatable), "
                      "e.g. bookings/status-index."),
    click.option("--key-skew", type=float, default=0.0, show_default=True,
                 help="Zipf exponent for picking keys: >0 makes hot partitions."),
)


def _host_port(option: str, allow_port_0: bool) -> Any:
    """A click callback checking HOST:PORT, so a typo is one line, not a traceback."""
    def check(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        host, _, port = value.rpartition(":")
        lowest = 0 if allow_port_0 else 1
        if not host or not port.isdigit() or not lowest <= int(port) <= 65535:
            raise ConfigError(f"{option} expects HOST:PORT (port {lowest}-65535), "
                              f"got {value!r}")
        return value
    return check


@click.command()
@click.option("--users", type=click.IntRange(min=1), default=10, show_default=True,
              help="Simulated users (with --find-max: the first step).")
@click.option("--spawn-rate", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Users started per second.")
@click.option("--run-time", default="60s", show_default=True, help="How long: 30s, 5m, 1h.")
@traffic_options
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Worker processes (default: one per core; 0 runs in this process).")
@click.option("--remote-workers", type=click.IntRange(min=0), default=0,
              help="Also wait for this many `ddbkit load-worker` processes on other hosts.")
@click.option("--master-bind", default="127.0.0.1:0", show_default=True,
              callback=_host_port("--master-bind", allow_port_0=True),
              help="HOST:PORT the master listens on for workers (0.0.0.0:5557 for remote).")
@click.option("--json", "json_path", type=click.Path(path_type=Path), default=None,
              help="Write the report as JSON.")
@click.option("--html", "html_path", type=click.Path(path_type=Path), default=None,
              help="Write the report as one self-contained HTML page with charts.")
@click.option("--locust-html", "locust_html_path", type=click.Path(path_type=Path),
              default=None, help="Write Locust's own HTML report.")
@click.option("--csv", "csv_prefix", default=None, help="Write CSVs with this path prefix.")
@click.option("--slo", "slo_path", type=click.Path(path_type=Path), default=None,
              help="TOML/YAML targets; exit 1 on any breach (default: the shipped SLO).")
@click.option("--price-table", "price_path", type=click.Path(path_type=Path), default=None,
              help="TOML on-demand prices for the cost figures (default: the shipped "
                   "us-east-1 prices).")
@click.option("--project-rps", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Project cost and partition heat to this many requests/s (same mix).")
@click.option("--find-max", is_flag=True,
              help="Double users per step until throughput stops growing; report the knee.")
@click.option("--max-users", type=click.IntRange(min=1), default=256, show_default=True,
              help="--find-max stops here.")
@click.option("--step-time", default="15s", show_default=True, help="--find-max step length.")
@click.option("--web", is_flag=True,
              help="Drive the load from Locust's web UI instead of running headless; Ctrl-C "
                   "ends it and reports (--json, --html and --csv too).")
@click.option("--web-port", type=click.IntRange(0, 65535), default=8089, show_default=True,
              help="Port of the web UI on 127.0.0.1 (with --web; 0 picks a free one).")
@click.option("--restore-after", is_flag=True,
              help="Local emulator only: save its state before the run and restore it "
                   "after (also after Ctrl-C), so the run's writes do not stay.")
@click.option("--otel", is_flag=True,
              help="Export with OpenTelemetry (the OTEL_* variables say where): Locust's "
                   "own (locust --otel) and the report's units, cost and throttles per "
                   "pattern. Needs: pip install 'ddbkit[otel]'.")
def load(users: int, spawn_rate: float, run_time: str, workers: int | None,
         remote_workers: int, master_bind: str, json_path: Path | None,
         html_path: Path | None, locust_html_path: Path | None, csv_prefix: str | None,
         slo_path: Path | None, price_path: Path | None, project_rps: float | None,
         find_max: bool, max_users: int, step_time: str, web: bool, web_port: int,
         restore_after: bool, otel: bool, **options: Any) -> None:
    """Load-test every access pattern with Locust; report latency, throughput, errors, and
    from the responses' consumed capacity: request units, on-demand cost, partition heat
    and throttles per pattern.

    Keys come from the same seeded dataset as the data (pass the seed options you seeded
    with); the run stops at once if the tables do not hold it. The run's writes stay in
    the tables unless --restore-after is given. Exit 1 when the SLO is breached (and only
    then), so CI can gate a release on it; any other problem is one line and exit 2. Ctrl-C
    stops early, still writes the report (marked interrupted) and exits 130.

    Against the local emulator by default. With --aws, a mix that writes (both mixes do;
    --pattern can choose only reads) asks first, or needs --yes without a terminal.

    \b
    Example:
      ddbkit load --endpoint-url http://127.0.0.1:8000 --mix patterns --run-time 60s
      ddbkit load --pattern bookings/status-index --users 50 --json report.json
      ddbkit load --mix patterns --run-time 30s --html report.html --project-rps 5000
      ddbkit load --find-max --mix personas --restore-after
    """
    import os

    if find_max and web:
        raise ConfigError("--find-max runs headless steps: it does not go with --web")
    if find_max and users > max_users:
        raise ConfigError(f"--users {users} (the first step) is above --max-users {max_users}")
    if otel:
        from ddbkit.loadtests.otel import check_installed

        check_installed()
    run_seconds = seconds(run_time, "--run-time")
    step_seconds = seconds(step_time, "--step-time") if find_max else 0.0
    with _load_errors():
        from ddbkit.loadtests import main as load_main  # imports Locust: gevent patches us

        config = _load_config(
            options, users=users, spawn_rate=spawn_rate, run_time=run_seconds,
            workers=os.cpu_count() or 1 if workers is None else workers,
            remote_workers=remote_workers, master_bind=master_bind, otel=otel)
        outputs = load_main.Outputs(json_path, html_path, csv_prefix, slo_path, price_path,
                                    project_rps, locust_html_path)
        console = terminal_console()
        if find_max:
            result = load_main.find_max(config, outputs, console, max_users, step_seconds,
                                        restore_after)
            _raise_if_interrupted(result, str(json_path) if json_path else None)
            passed = result["best"] is not None
        else:
            passed = _run_and_gate(load_main, config, outputs, console, web_port if web else None,
                                   restore_after)
    if not passed:  # raised here, outside _load_errors: the one way to exit 1
        raise SystemExit(EXIT_CHECK_FAILED)


def _run_and_gate(load_main: Any, config: Any, outputs: Any, console: Any,
                  web_port: int | None, restore_after: bool) -> bool:
    """One run, headless or from the web UI; says whether the SLO held."""
    if web_port is not None:
        result = load_main.web(config, outputs, web_port, console, restore_after)
        if result is None:
            return True
    else:
        result = load_main.run(config, outputs, console, restore_after)
        _raise_if_interrupted(result, outputs.written())
    for breach in result["slo"]["breaches"]:
        click.echo(f"SLO breach: {breach}")
    if result["slo"]["passed"]:
        click.echo("SLO met")
    return bool(result["slo"]["passed"])


@contextlib.contextmanager
def _load_errors() -> Any:
    """Exit 1 is the SLO gate, so nothing else may end `load` with it: a file that cannot
    be written, a stray Ctrl-C or an unexpected failure is one line and 2 (Ctrl-C: 130)."""
    from ddbkit.emulator.errors import LoadInterrupted

    try:
        yield
    except KeyboardInterrupt:
        raise LoadInterrupted("load interrupted by Ctrl-C") from None
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        raise ConfigError(f"{where}{exc.strerror or exc}") from exc
    except SystemExit as exc:  # a library's sys.exit; never exit 1 on its behalf
        if exc.code in (0, None):
            raise
        raise DdbkitError(f"load stopped: exit status {exc.code}") from exc
    except (DdbkitError, click.exceptions.Exit, click.ClickException):
        raise
    except Exception as exc:
        raise DdbkitError(f"load failed: {type(exc).__name__}: {exc}") from exc


def _raise_if_interrupted(result: dict[str, Any], written: str | None) -> None:
    """Ctrl-C ended the run: exit 130 (the shell's convention) saying what was kept."""
    from ddbkit.emulator.errors import LoadInterrupted

    if result["interrupted"]:
        raise LoadInterrupted(f"load interrupted by Ctrl-C; the partial report went to "
                              f"{written or 'the terminal only'}")


def _load_config(options: dict[str, Any], **settings: Any) -> Any:
    """A LoadConfig from the shared traffic/endpoint/dataset options plus `settings`."""
    from ddbkit.loadtests.config import LoadConfig

    dataset = dataset_source(**{name: options[name] for name in DATASET_OPTIONS})
    return LoadConfig(
        endpoint_url=options["endpoint_url"], region=options["region"],
        profile=options["profile"], stage=options["stage"], mix=options["mix"],
        patterns=options["patterns"], key_skew=options["key_skew"], dataset=dataset,
        **settings)


@click.command("load-worker")
@click.option("--master", required=True, metavar="HOST:PORT",
              callback=_host_port("--master", allow_port_0=False),
              help="The `ddbkit load` master to take orders from.")
@click.option("--connect-timeout", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, metavar="SECONDS",
              help="Give up when no master answers within this many seconds.")
@traffic_options
def load_worker(master: str, connect_timeout: float, **options: Any) -> None:
    """Run load for a `ddbkit load` master on another host (give it the same options).

    It says on stderr which master it waits for, and gives up (exit 2) when none answers
    within --connect-timeout. Ctrl-C leaves the master (exit 130); the master quitting
    ends it too (exit 0).

    \b
    Example:
      ddbkit load --remote-workers 2 --master-bind 0.0.0.0:5557 --workers 0 ...  # host A
      ddbkit load-worker --master hostA:5557 --endpoint-url http://db:8000 ...   # hosts B, C
    """
    import locust  # noqa: F401 - first: it monkey-patches this process for gevent

    from ddbkit.loadtests.worker import run_worker

    with _load_errors():
        run_worker(master, _load_config(options), connect_timeout=connect_timeout)
