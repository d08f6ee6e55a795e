"""What the commands share: option decorators (stage, endpoint and target, dataset), the
parameter-source checks (typed, or from the environment or a default), durations, and the
TABLE argument of `export` and `tail`.

Only click, the errors and the spec are imported here: `ddbkit --help` stays fast, and
nothing heavy (moto, Locust) loads before a command runs.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from ddbkit.emulator.errors import ConfigError
from ddbkit.emulator.spec import DEFAULT_STAGE, TABLE_NAME_PATTERN, Stage

EXIT_CHECK_FAILED = 1
EXIT_ERROR = 2

# Where the chosen Target waits in click's ctx.meta (for cli.py's error line).
TARGET = "ddbkit.target"


def stacked(*options: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Several option decorators as one, in the order --help lists them."""
    def apply(fn: Any) -> Any:
        for option in reversed(options):
            fn = option(fn)
        return fn
    return apply


def stage_option(fn: Any) -> Any:
    """--stage, checked once here and passed on as a Stage (InvalidStageError: one line)."""
    return click.option("--stage", default=DEFAULT_STAGE, show_default=True,
                        envvar="DDBKIT_STAGE", callback=lambda _ctx, _param, value: Stage(value),
                        help=f"Stage in the table names: {TABLE_NAME_PATTERN}."
                        )(fn)


def split_list(values: tuple[str, ...]) -> list[str]:
    """Repeated option values, each also split on commas (DDBKIT_AUTH=a:b,c:d)."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def on_command_line(name: str, ctx: click.Context | None = None) -> bool:
    """Whether option `name` was typed on the command line, rather than taken from the
    environment or its default: where two options conflict, the command line's wins."""
    ctx = ctx or click.get_current_context()
    return ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE


def flag_of(ctx: click.Context, name: str) -> str:
    param = next(p for p in ctx.command.params if p.name == name)
    return max(param.opts, key=len)


def refuse_unused(ctx: click.Context, names: tuple[str, ...], without: str, why: str) -> None:
    """One line for options typed that `without` (also typed) makes unused."""
    if not on_command_line(without, ctx):
        return
    typed = [flag_of(ctx, name) for name in names if on_command_line(name, ctx)]
    if typed:
        raise ConfigError(f"{', '.join(typed)} {'has' if len(typed) == 1 else 'have'} no "
                          f"effect with {flag_of(ctx, without)} ({why}): drop one")


def endpoint_options(fn: Any, access: Callable[[dict[str, Any]], str] | None = None,
                     writes: bool = False) -> Any:
    """Where a client command goes: --endpoint-url, --aws, --region, --profile, resolved to
    a Target (emulator/connect/target.py) before the command runs, which then gets the
    resolved endpoint_url, region and profile. Against real AWS the account and region are
    printed first. `access(options)` says what the command is about to do: "read", "write"
    (then confirmed, or --yes, which `writes` adds), "states" (the emulator's only) or
    "none"."""
    @functools.wraps(fn)
    def command(*args: Any, aws: bool, yes: bool = False, **options: Any) -> Any:
        ctx = click.get_current_context()
        doing = access(options) if access else "read"  # first: `load` imports Locust here
        if doing != "none":  # e.g. `seed --out`: no endpoint to resolve
            target = _target(ctx, options["endpoint_url"], aws, options["region"],
                             options["profile"])
            ctx.meta[TARGET] = target
            _check_target(target, doing, yes)
            options.update(endpoint_url=target.endpoint_url, region=target.region,
                           profile=target.profile)
        return fn(*args, **options)

    if writes:
        command = click.option("--yes", is_flag=True,
                               help="Write to real AWS without asking.")(command)
    return stacked(
        click.option("--endpoint-url", default=None, metavar="URL",
                     help="DynamoDB endpoint [default: AWS_ENDPOINT_URL_DYNAMODB, "
                          "AWS_ENDPOINT_URL, the endpoint `ddbkit up` announced in "
                          "this directory, else http://127.0.0.1:8000]."),
        click.option("--aws", is_flag=True, envvar="DDBKIT_AWS",
                     help="Target real AWS (the account of your AWS credentials)."),
        click.option("--region", envvar="AWS_REGION", default=None,
                     help="AWS region (standard AWS resolution when unset)."),
        click.option("--profile", default=None, envvar="AWS_PROFILE",
                     help="AWS profile: its account with --aws, its key pair locally."),
    )(command)


def endpoint_options_for(access: Callable[[dict[str, Any]], str],
                         writes: bool = False) -> Callable[[Any], Any]:
    return lambda fn: endpoint_options(fn, access, writes)


def _target(ctx: click.Context, endpoint_url: str | None, aws: bool, region: str | None,
            profile: str | None) -> Any:
    """The Target the options choose; a profile from AWS_PROFILE is left for botocore to
    read, so a broken one cannot fail a local target (clients.signing_session)."""
    import os

    from ddbkit.emulator.connect.target import TargetOptions, resolve_target

    from_env = click.core.ParameterSource.ENVIRONMENT
    options = TargetOptions(
        endpoint_url=endpoint_url, aws=aws, region=region,
        aws_source="DDBKIT_AWS" if ctx.get_parameter_source("aws") == from_env else "--aws",
        profile=None if ctx.get_parameter_source("profile") == from_env else profile)
    return resolve_target(options, os.environ)


def _check_target(target: Any, access: str, yes: bool) -> None:
    """Against real AWS: refuse named states, name the account and region, confirm writes."""
    if not target.is_aws:
        return
    from ddbkit.emulator.connect.target import aws_identity_line

    if access == "states":
        raise ConfigError("named states (`ddbkit state`, `load --restore-after`) are the "
                          "local emulator's, not AWS's: pass --endpoint-url of a `ddbkit up`, "
                          "or drop --aws")
    click.echo(aws_identity_line(target), err=True)
    if access != "write" or yes:
        return
    if not sys.stdin.isatty():
        raise ConfigError("this command writes to real AWS: pass --yes to confirm "
                          "(there is no terminal to ask on)")
    if not click.confirm("Write to these tables on real AWS?", default=False, err=True):
        raise ConfigError("not confirmed: nothing was written")


# Options that choose the seed data; shared by `seed`, `up` and `load`.
dataset_options = stacked(
    click.option("--seed", "seed_value", type=int, default=42, show_default=True,
                 envvar="DDBKIT_SEED", help="Seed of the generator: same seed, same data."),
    click.option("--scale", type=float, default=1.0, show_default=True,
                 help="Multiply every table's item count (1 = the spec's counts)."),
    click.option("--count", "counts", multiple=True, metavar="TABLE=N",
                 help="Item count for one table (repeatable), e.g. bookings=5000."),
    click.option("--skew", type=float, default=0.0, is_flag=False, flag_value=1.1,
                 show_default=True, metavar="[EXPONENT]",
                 help="Zipf popularity of providers/customers (--skew alone: 1.1)."),
    click.option("--anchor", type=click.DateTime(["%Y-%m-%d"]), default=None,
                 help="The data's 'today' (YYYY-MM-DD; default: today, UTC)."),
    click.option("--from", "from_dir", type=click.Path(path_type=Path), default=None,
                 help="Load this directory of *.json.gz files instead of generating."),
)

# The dataset options' parameter names, as dataset_options declares them.
DATASET_OPTIONS = ("seed_value", "scale", "counts", "skew", "anchor", "from_dir")


def dataset_source(seed_value: int, scale: float, counts: tuple[str, ...], skew: float,
                   anchor: datetime | None, from_dir: Path | None) -> Any:
    """The DatasetSource the dataset options choose."""
    from ddbkit.fixtures.options import DatasetOptions, parse_counts
    from ddbkit.fixtures.source import DatasetSource

    extra = {"anchor": anchor.date()} if anchor else {}
    options = DatasetOptions(seed=seed_value, scale=scale, counts=parse_counts(counts),
                             skew=skew, **extra)
    return DatasetSource(options, from_dir)


def seconds(value: str, option: str) -> float:
    """'60', '60s', '5m', '1h' -> seconds; errors name `option`, the one the user gave."""
    units = {"s": 1, "m": 60, "h": 3600}
    text = value.strip().lower()
    number, unit = (text[:-1], text[-1]) if text and text[-1] in units else (text, "s")
    try:
        result = float(number) * units[unit]
    except ValueError:
        raise ConfigError(f"{option} expects a duration like 60s, 5m or 1h, got {value!r}") \
            from None
    if not 0 < result < float("inf"):
        raise ConfigError(f"{option} must be positive, got {value!r}")
    return result


def terminal_console() -> Any:
    """A rich Console for tables and reports: piped output would otherwise wrap at 80
    columns, which folds every GSI name."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 160)


def table_name(table: str, stage: str) -> str:
    """TABLE as `export` and `tail` take it: a spec key (bookings) or a full table name."""
    from ddbkit.emulator.spec import TABLES_BY_KEY

    return TABLES_BY_KEY[table].name(stage) if table in TABLES_BY_KEY else table


@contextmanager
def naming_missing_table(name: str, endpoint_url: str | None) -> Iterator[None]:
    """A ResourceNotFoundException becomes one line naming the table (data-plane calls such
    as Scan answer it without the name, as DynamoDB does)."""
    from ddbkit.emulator.errors import EndpointError
    from ddbkit.emulator.spec import TABLES_BY_KEY

    try:
        yield
    except EndpointError as exc:
        cause = exc.__cause__
        code = getattr(cause, "response", {}).get("Error", {}).get("Code")
        if code != "ResourceNotFoundException":
            raise
        raise EndpointError(f"table {name} not found at {endpoint_url or 'AWS'} (TABLE is a "
                            f"spec name: {', '.join(TABLES_BY_KEY)}, or a full table name)"
                            ) from cause
