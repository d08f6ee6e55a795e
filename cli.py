"""`ddbkit`: the command line. A thin shell: parse options, call the library, print.

Library errors (`emulator.errors.DdbkitError`) become one line on stderr and exit code 2;
a check that runs and fails (drift) exits 1.
"""

from __future__ import annotations

import contextlib
import functools
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from ddbkit.emulator.errors import ConfigError, DdbkitError
from ddbkit.emulator.spec import DEFAULT_STAGE, TABLE_NAME_PATTERN, Stage

EXIT_CHECK_FAILED = 1
EXIT_ERROR = 2


class _OneLineError(click.ClickException):
    """A click error (bad option, unknown command) shown as ddbkit's one line, exit code 2."""

    exit_code = EXIT_ERROR

    def __init__(self, cause: click.ClickException) -> None:
        super().__init__(cause.format_message().rstrip("."))
        ctx = getattr(cause, "ctx", None)
        self.hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""

    def show(self, file: Any = None) -> None:
        click.echo(f"ddbkit: error: {self.message}{self.hint}", err=True)


def _one_line(exc: click.ClickException) -> click.ClickException:
    # Bare `ddbkit` (NoArgsIsHelpError) prints the help, as it should.
    if isinstance(exc, (_OneLineError, click.exceptions.NoArgsIsHelpError)):
        return exc
    return _OneLineError(exc)


class _Group(click.Group):
    """Turns ddbkit errors and click's usage errors (of this group and every command under
    it) into `ddbkit: error: ...` and exit code 2 instead of a traceback or a usage block."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as exc:
            raise _one_line(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DdbkitError as exc:
            click.echo(f"ddbkit: error: {_with_target(ctx, exc)}", err=True)
            ctx.exit(exc.exit_code)
        except click.ClickException as exc:
            raise _one_line(exc) from None


def _with_target(ctx: click.Context, exc: DdbkitError) -> str:
    """An unreachable local endpoint: say how it was chosen and how to fix that."""
    from ddbkit.emulator.errors import EndpointUnreachableError
    from ddbkit.emulator.target import FIX_HINT

    target = ctx.meta.get(_TARGET)
    if not isinstance(exc, EndpointUnreachableError) or target is None or target.is_aws:
        return str(exc)
    from botocore.exceptions import ReadTimeoutError

    late = isinstance(exc.__cause__, ReadTimeoutError | TimeoutError)
    return (f"cannot reach {target.describe()}: "
            f"{'it did not answer in time' if late else 'nothing answers there'}; {FIX_HINT}")


def _stage_option(fn: Any) -> Any:
    """--stage, checked once here and passed on as a Stage (InvalidStageError: one line)."""
    return click.option("--stage", default=DEFAULT_STAGE, show_default=True,
                        envvar="DDBKIT_STAGE", callback=lambda _ctx, _param, value: Stage(value),
                        help=f"Stage in the table names: {TABLE_NAME_PATTERN}."
                        )(fn)


def _split_list(values: tuple[str, ...]) -> list[str]:
    """Repeated option values, each also split on commas (DDBKIT_AUTH=a:b,c:d)."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _auth_option(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> Any:
    from ddbkit.emulator.endpoint.auth import Credentials

    try:
        return tuple(Credentials.parse(value) for value in _split_list(values))
    except ValueError as exc:  # never quotes the secret
        raise ConfigError(f"--auth {exc}") from None


def _endpoint_options(fn: Any, access: Callable[[dict[str, Any]], str] | None = None,
                      writes: bool = False) -> Any:
    """Where a client command goes: --endpoint-url, --aws, --region, --profile, resolved to
    a Target (emulator/target.py) before the command runs, which then gets the resolved
    endpoint_url, region and profile. Against real AWS the account and region are printed
    first. `access(options)` says what the command is about to do: "read", "write" (then
    confirmed, or --yes, which `writes` adds), "states" (the emulator's only) or "none"."""
    @functools.wraps(fn)
    def command(*args: Any, aws: bool, yes: bool = False, **options: Any) -> Any:
        ctx = click.get_current_context()
        doing = access(options) if access else "read"  # first: `load` imports Locust here
        if doing != "none":  # e.g. `seed --out`: no endpoint to resolve
            target = _target(ctx, options["endpoint_url"], aws, options["region"],
                             options["profile"])
            ctx.meta[_TARGET] = target
            _check_target(target, doing, yes)
            options.update(endpoint_url=target.endpoint_url, region=target.region,
                           profile=target.profile)
        return fn(*args, **options)

    if writes:
        command = click.option("--yes", is_flag=True,
                               help="Write to real AWS without asking.")(command)
    command = click.option("--profile", default=None, envvar="AWS_PROFILE",
                           help="AWS profile: its account with --aws, its key pair "
                                "locally.")(command)
    command = click.option("--region", envvar="AWS_REGION", default=None,
                           help="AWS region (standard AWS resolution when unset).")(command)
    command = click.option("--aws", is_flag=True, envvar="DDBKIT_AWS",
                           help="Target real AWS (the account of your AWS credentials).")(command)
    return click.option("--endpoint-url", default=None, metavar="URL",
                        help="DynamoDB endpoint [default: AWS_ENDPOINT_URL_DYNAMODB, "
                             "AWS_ENDPOINT_URL, the endpoint `ddbkit up` announced in "
                             "this directory, else http://127.0.0.1:8000].")(command)


def _endpoint_options_for(access: Callable[[dict[str, Any]], str],
                          writes: bool = False) -> Callable[[Any], Any]:
    return lambda fn: _endpoint_options(fn, access, writes)


_TARGET = "ddbkit.target"


def _target(ctx: click.Context, endpoint_url: str | None, aws: bool, region: str | None,
            profile: str | None) -> Any:
    """The Target the options choose; a profile from AWS_PROFILE is left for botocore to
    read, so a broken one cannot fail a local target (clients.signing_session)."""
    import os

    from ddbkit.emulator.target import TargetOptions, resolve_target

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
    from ddbkit.emulator.target import aws_identity_line

    if access == "states":
        raise ConfigError("named states are the local emulator's, not AWS's: pass "
                          "--endpoint-url of a `ddbkit up`, or drop --aws")
    click.echo(aws_identity_line(target), err=True)
    if access != "write" or yes:
        return
    if not sys.stdin.isatty():
        raise ConfigError("this command writes to real AWS: pass --yes to confirm "
                          "(there is no terminal to ask on)")
    if not click.confirm("Write to these tables on real AWS?", default=False, err=True):
        raise ConfigError("not confirmed: nothing was written")


def _dataset_options(fn: Any) -> Any:
    """Options that choose the seed data; shared by `seed` and `up`."""
    options = [
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
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


# The dataset options' parameter names, as _dataset_options declares them.
_DATASET_OPTIONS = ("seed_value", "scale", "counts", "skew", "anchor", "from_dir")


def _on_command_line(ctx: click.Context, name: str) -> bool:
    """Whether the user typed this option (not its environment variable or default)."""
    return ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE


def _flag_of(ctx: click.Context, name: str) -> str:
    param = next(p for p in ctx.command.params if p.name == name)
    return max(param.opts, key=len)


def _refuse_unused(ctx: click.Context, names: tuple[str, ...], without: str, why: str) -> None:
    """One line for options typed that `without` (also typed) makes unused."""
    if not _on_command_line(ctx, without):
        return
    typed = [_flag_of(ctx, name) for name in names if _on_command_line(ctx, name)]
    if typed:
        raise ConfigError(f"{', '.join(typed)} {'has' if len(typed) == 1 else 'have'} no "
                          f"effect with {_flag_of(ctx, without)} ({why}): drop one")


def _durability_options(fn: Any) -> Any:
    """Where `up` keeps its data, and what a crash or power loss may cost (durability/)."""
    options = [
        click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False),
                     default=None, envvar="DDBKIT_DATA_DIR",
                     help="Keep the data here across restarts [default: STATE_DIR/data].",),
        click.option("--in-memory", is_flag=True, envvar="DDBKIT_IN_MEMORY",
                     help="Keep nothing on disk: every start is a new, seeded store."),
        click.option("--reseed", is_flag=True,
                     help="Discard what the data dir holds; provision and seed afresh."),
        click.option("--fsync", type=click.Choice(["always", "every-second"]),
                     default="every-second", show_default=True, envvar="DDBKIT_FSYNC",
                     help="When the journal reaches the disk: before each answer, or once a "
                          "second (a power loss may cost the last second; a crash nothing)."),
        click.option("--journal-max-mb", type=click.FloatRange(min=0), default=64.0,
                     show_default=True, envvar="DDBKIT_JOURNAL_MAX_MB",
                     help="Snapshot and drop the journal once it outgrows this and the "
                          "last snapshot."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _behaviour_options(fn: Any) -> Any:
    """What `up` does to requests besides answering them: throttling and injected faults."""
    options = [
        click.option("--throughput-model", type=click.Choice(["on-demand"]), default=None,
                     envvar="DDBKIT_THROUGHPUT_MODEL",
                     help="Throttle as on-demand DynamoDB does: per-partition limits, "
                          "burst, growth, GSI back-pressure."),
        click.option("--faults", "faults_path", type=click.Path(path_type=Path,
                                                               dir_okay=False),
                     default=None, envvar="DDBKIT_FAULTS",
                     help="TOML file of [[error]] and [[latency]] rules to inject."),
        click.option("--fault-rate", type=click.FloatRange(0, 1), default=None,
                     envvar="DDBKIT_FAULT_RATE",
                     help="Fail this share of data-plane requests with --fault-error."),
        click.option("--fault-error", default="ThrottlingException", show_default=True,
                     envvar="DDBKIT_FAULT_ERROR",
                     help="Error --fault-rate injects: ThrottlingException, "
                          "ProvisionedThroughputExceededException, InternalServerError, "
                          "ServiceUnavailable, TransactionConflict."),
        click.option("--latency", default=None, metavar="P50[,P90[,P99[,MAX]]]",
                     envvar="DDBKIT_LATENCY",
                     help="Add latency to every request, drawn from these percentiles (ms)."),
        click.option("--fault-seed", type=int, default=None, envvar="DDBKIT_FAULT_SEED",
                     help="Seed of the fault draws: the same requests meet the same faults."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _fault_plan(options: dict[str, Any]) -> Any:
    """The FaultPlan the options give (file, then flags); None when none. Pops them."""
    from ddbkit.emulator.faults.plan import (
        ERROR_TYPES,
        FaultPlan,
        error_rule,
        load_plan,
        parse_latency_flag,
    )

    path, rate = options.pop("faults_path"), options.pop("fault_rate")
    error, latency, seed = options.pop("fault_error"), options.pop("latency"), \
        options.pop("fault_seed")
    if error not in ERROR_TYPES:  # named here: error_rule would blame --fault-rate
        raise ConfigError(f"--fault-error: unknown error type {error!r} "
                          f"(one of {', '.join(ERROR_TYPES)})")
    plan = load_plan(path) if path is not None else FaultPlan()
    flags = FaultPlan(
        errors=(error_rule(error, rate, sorted(DATA_PLANE_CLASSES), "--fault-rate"),)
        if rate else (),
        latency=(parse_latency_flag(latency),) if latency else (), seed=seed)
    plan = plan.merged(flags)
    return plan if plan else None


DATA_PLANE_CLASSES = ("read", "write", "transact")


def _given(name: str) -> bool:
    """Whether option `name` was given on the command line, rather than taken from the
    environment or its default: where two options conflict, the command line's wins."""
    source = click.get_current_context().get_parameter_source(name)
    return source == click.core.ParameterSource.COMMANDLINE


def _durability_config(state_dir: Path, options: dict[str, Any]) -> Any:
    """The DurabilityConfig the options choose; None with --in-memory. Pops them."""
    from ddbkit.emulator.durability.config import DurabilityConfig

    data_dir, in_memory = options.pop("data_dir"), options.pop("in_memory")
    reseed, fsync = options.pop("reseed"), options.pop("fsync")
    journal_max_bytes = int(options.pop("journal_max_mb") * 1024 * 1024)
    if in_memory and (data_dir is not None or reseed):
        on_disk_given = reseed or _given("data_dir")  # --reseed has no environment variable
        if _given("in_memory") == on_disk_given:
            raise ConfigError("--in-memory keeps nothing on disk: it does not go with "
                              "--data-dir or --reseed" if on_disk_given else
                              "DDBKIT_IN_MEMORY and DDBKIT_DATA_DIR are both set: unset one, "
                              "or choose with --in-memory or --data-dir")
        if on_disk_given:  # the command line beats the environment's default
            in_memory = False
        else:
            data_dir = None
    if in_memory:
        return None
    return DurabilityConfig(data_dir or state_dir / "data", fsync=fsync, discard=reseed,
                            journal_max_bytes=journal_max_bytes)


def _needs_seed(restored: Any) -> bool:
    """Seed a new data dir, or one whose first start stopped before any item was written;
    a data dir holding items is the user's and is restored, never seeded over (even when
    its "initialized" mark is missing: a first start cut short, or a journal that lost its
    end)."""
    return restored is None or restored.new or (not restored.initialized
                                                and restored.items == 0)


def _data_summary(emulator: Any, seeded: int, fresh: bool) -> str:
    """What the ready line says about the data: seeded, restored, or in memory."""
    restored, durability = emulator.restored, emulator.config.durability
    if durability is None:
        return f"{seeded} items seeded, in memory"
    if not fresh:
        unfinished = "" if restored.initialized else (
            "; its first seed never finished, so it was not seeded again: --reseed "
            "starts afresh")
        return f"{restored.items} items restored from {durability.data_dir}{unfinished}"
    if durability.discard:
        return f"{seeded} items re-seeded into {durability.data_dir}"
    if restored.new:
        return f"{seeded} items seeded into a new data dir {durability.data_dir}"
    return f"{seeded} items seeded into {durability.data_dir} (its first start was interrupted)"


def _table_name(table: str, stage: str) -> str:
    """TABLE as `export` and `tail` take it: a spec key (bookings) or a full table name."""
    from ddbkit.emulator.spec import TABLES_BY_KEY

    return TABLES_BY_KEY[table].name(stage) if table in TABLES_BY_KEY else table


@contextmanager
def _naming_missing_table(name: str, endpoint_url: str | None) -> Iterator[None]:
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


def _behaviours(throughput_model: str | None, faults: Any) -> str:
    """The ready line's note of what is done to requests besides answering them."""
    parts = [f"throttling: {throughput_model} model"] if throughput_model else []
    if faults:
        parts.append(f"faults: {faults.describe()}")
    return "".join(f"; {part}" for part in parts)


def _dataset_source(seed_value: int, scale: float, counts: tuple[str, ...], skew: float,
                    anchor: datetime | None, from_dir: Path | None) -> Any:
    """The DatasetSource the dataset options choose."""
    from ddbkit.fixtures.options import DatasetOptions, parse_counts
    from ddbkit.fixtures.source import DatasetSource

    extra = {"anchor": anchor.date()} if anchor else {}
    options = DatasetOptions(seed=seed_value, scale=scale, counts=parse_counts(counts),
                             skew=skew, **extra)
    return DatasetSource(options, from_dir)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ddbkit")
def cli() -> None:
    """ddbkit: a local DynamoDB emulator and load-testing kit for the marketplace tables.

    Client commands (status, seed, load, export, tail, state) talk to the local emulator:
    the endpoint a running `ddbkit up` in this directory announced, else 127.0.0.1:8000.
    --endpoint-url or AWS_ENDPOINT_URL_DYNAMODB choose another; --aws chooses real AWS,
    printing the account and region first and asking before it writes.

    \b
    Example:
      ddbkit up            # local endpoint on 127.0.0.1:8000 with the six tables
      ddbkit status        # compare live tables with the spec
    """


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="DDBKIT_HOST",
              help="Address to listen on (loopback unless you mean otherwise).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              envvar="DDBKIT_PORT", help="Port to listen on; 0 picks a free one.")
@click.option("--region", default="us-east-1", show_default=True, envvar="DDBKIT_REGION",
              help="Region the endpoint serves, whatever region clients sign with.")
@_stage_option
@click.option("--log-requests", is_flag=True, envvar="DDBKIT_LOG_REQUESTS",
              help="Log one line per request to stderr.")
@click.option("--no-seed", is_flag=True, help="Start with empty tables.")
@click.option("--ttl-interval", type=click.FloatRange(min=0), default=5.0, show_default=True,
              envvar="DDBKIT_TTL_INTERVAL", help="Seconds between TTL sweeps (0: never expire).")
@click.option("--trigger", "trigger_specs", multiple=True, metavar="TABLE=MODULE:FUNCTION",
              help="Run a Python handler on a table's stream (repeatable).")
@click.option("--trigger-config", type=click.Path(path_type=Path), default=None,
              envvar="DDBKIT_TRIGGER_CONFIG", help="TOML file of [[trigger]] settings.")
@click.option("--state-dir", type=click.Path(path_type=Path), default=Path(".ddbkit"),
              show_default=True, envvar="DDBKIT_STATE_DIR",
              help="Where trigger checkpoints (and by default the data) are kept "
                   "(with --in-memory, checkpoints stay in memory).")
@click.option("--auth", multiple=True, metavar="ACCESS_KEY_ID:SECRET_ACCESS_KEY",
              envvar="DDBKIT_AUTH", callback=_auth_option,
              help="Accept only requests signed with this key pair (repeatable; "
                   "DDBKIT_AUTH: comma-separated).")
@click.option("--s3-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              envvar="DDBKIT_S3_DIR",
              help="Folder standing in for S3: bucket NAME is S3_DIR/NAME, for "
                   "ExportTableToPointInTime and ImportTable [default: STATE_DIR/s3].")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME[:PORT]",
              envvar="DDBKIT_ALLOW_HOST",
              help="Also answer requests for this Host (repeatable); others are refused.")
@_durability_options
@_behaviour_options
@_dataset_options
# A test session's emulator (the pytest plugin's) is not this directory's: it stays quiet.
@click.option("--no-announce", is_flag=True, hidden=True,
              help="Do not write STATE_DIR/endpoint.json.")
def up(host: str, port: int, region: str, stage: str, log_requests: bool, no_seed: bool,
       ttl_interval: float, trigger_specs: tuple[str, ...], trigger_config: Path | None,
       state_dir: Path, auth: tuple[Any, ...], s3_dir: Path | None,
       allow_hosts: tuple[str, ...], throughput_model: str | None, no_announce: bool,
       **dataset: Any) -> None:
    """Run the local DynamoDB endpoint with the six tables, seeded, until Ctrl-C or SIGTERM.

    The data outlives the process, in --data-dir (default .ddbkit/data): a new data dir
    gets the tables and the default dataset (seed 42, the spec's item counts) unless
    --no-seed, and the seed options of `ddbkit seed` choose another; an existing one is
    restored as it was left and not seeded again (--reseed discards it and starts afresh).
    Every write is journaled before it is answered, so even kill -9 loses nothing
    acknowledged. --in-memory keeps nothing on disk.

    While it serves, STATE_DIR/endpoint.json names its URL, so `ddbkit status`, `seed`,
    `load` and the other client commands run in this directory find it by themselves.

    \b
    Requests must name the endpoint in their Host header (the bound address, localhost,
    127.0.0.1 or [::1], with the port; --allow-host adds names). With --auth, each request
    must carry a SigV4 signature made with one of the given key pairs, as on AWS.

    \b
    Expired items (TTL) are deleted every --ttl-interval seconds. Each --trigger runs a
    handler on the table's stream with Lambda's event shape and semantics; --trigger-config
    sets batch size, retries, bisecting, the on-failure file and more.

    \b
    --throughput-model on-demand throttles as on-demand DynamoDB would (hot partitions, hot
    GSI partitions); --faults, --fault-rate and --latency inject errors and latency into
    the data plane, to test retries and timeouts. Both begin once the seed is loaded.

    \b
    Example:
      ddbkit up --port 8000 --scale 10
      ddbkit up --data-dir ~/marketplace-data --fsync always
      ddbkit up --trigger bookings=ddbkit.examples.booking_summary:handler
      ddbkit up --host 0.0.0.0 --auth AKIDLOCAL:s3cret --allow-host db.internal
      ddbkit up --throughput-model on-demand --faults faults.toml --fault-seed 7
      ddbkit up --fault-rate 0.05 --fault-error InternalServerError --latency 5,20,80,200
      export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000
      aws dynamodb list-tables
    """
    _refuse_unused(click.get_current_context(), _DATASET_OPTIONS, "no_seed",
                   "nothing is seeded")
    from ddbkit.emulator import announce
    from ddbkit.emulator.clients import ignore_broken_aws_config
    from ddbkit.emulator.endpoint.guard import exposure_warning
    from ddbkit.emulator.endpoint.server import ServerConfig
    from ddbkit.emulator.runtime import Emulator, EmulatorConfig
    from ddbkit.emulator.streams.trigger_config import load_trigger_file, parse_trigger_option

    broken = ignore_broken_aws_config()
    if broken:
        click.echo(f"ddbkit: ignoring the AWS configuration, which the emulator does not need "
                   f"({broken})", err=True)

    triggers = [parse_trigger_option(spec) for spec in trigger_specs]
    if trigger_config is not None:
        triggers += load_trigger_file(trigger_config)
    durability = _durability_config(state_dir, dataset)
    faults = _fault_plan(dataset)
    config = EmulatorConfig(
        server=ServerConfig(host=host, port=port, region=region, log_requests=log_requests,
                            auth=auth, allow_hosts=tuple(_split_list(allow_hosts))),
        stage=stage, ttl_interval=ttl_interval, triggers=tuple(triggers), state_dir=state_dir,
        durability=durability, s3_dir=s3_dir, throughput_model=throughput_model,
        faults=faults)
    warning = exposure_warning(host, port, bool(auth))
    if warning:
        click.echo(warning, err=True)
    # Until ready, SIGTERM interrupts like Ctrl-C (a long seed stops cleanly, saying so);
    # once serving, both just ask the loop below to shut down.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    emulator = Emulator(config).start(hold_behaviours=True)
    announced = None
    try:
        seeded = 0
        fresh = _needs_seed(emulator.restored)
        if fresh and not no_seed:
            from ddbkit.fixtures.seed import seed_source

            source = _dataset_source(**dataset)
            counts = source.check()
            click.echo(f"ddbkit: seeding {sum(counts.values())} items into "
                       f"{emulator.endpoint_url}", err=True)
            seeded = seed_source(emulator.client(), source, stage,
                                 show_progress=sys.stderr.isatty()).total
        if emulator.durability is not None and emulator.restored is not None and (
                fresh or not emulator.restored.initialized):
            emulator.durability.mark_initialized()  # later starts restore, and say nothing
        emulator.arm()  # throttling and faults from here on, not while seeding
        # Handlers first: whoever waits for the ready line may signal the moment it appears.
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        env = " ".join(f"{k}={v}" for k, v in _shown(emulator.client_environment(), auth))
        if not no_announce:  # before the ready line: whoever waits for it finds the file
            announced = _announce(state_dir, emulator.endpoint_url, region)
        click.echo(f"ddbkit ready: {emulator.endpoint_url} ({stage} tables, "
                   f"{_data_summary(emulator, seeded, fresh)}"
                   f"{_behaviours(throughput_model, faults)}) -- {env}", nl=True)
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        if announced is not None:
            announce.withdraw(state_dir, announced)
        emulator.stop()
    click.echo("ddbkit stopped", err=True)


def _announce(state_dir: Path, url: str, region: str) -> Any:
    """Tell client commands run here where we serve (emulator/announce.py); a state dir we
    cannot write to only costs them that convenience."""
    from ddbkit.emulator import announce

    try:
        return announce.announce(state_dir, url, region)
    except OSError as exc:
        click.echo(f"ddbkit: warning: cannot write {state_dir / announce.FILE_NAME} "
                   f"({exc.strerror}): client commands here will not find this endpoint "
                   "by themselves", err=True)
        return None


def _shown(environment: dict[str, str], auth: tuple[Any, ...]) -> list[tuple[str, str]]:
    """The client environment for the ready line, without an --auth secret (logs keep it)."""
    return [(k, "<its --auth secret>" if auth and k == "AWS_SECRET_ACCESS_KEY" else v)
            for k, v in environment.items()]


@cli.command()
@_endpoint_options
@_stage_option
def status(endpoint_url: str | None, region: str | None, profile: str | None,
           stage: Stage) -> None:
    """Show the six tables live against the spec; exit 1 naming every difference.

    Against the local emulator by default; --aws checks the tables on real AWS.

    \b
    Example:
      ddbkit status                     # the local emulator `ddbkit up` runs
      ddbkit status --endpoint-url http://127.0.0.1:8000
      ddbkit status --aws --profile prod --stage prod     # real AWS
    """
    from rich.console import Console

    from ddbkit.emulator.clients import endpoint_of, make_client
    from ddbkit.emulator.tables.drift import check
    from ddbkit.emulator.tables.status_view import status_table

    client = make_client(endpoint_url=endpoint_url, region=region, profile=profile,
                         connect_timeout=3, max_attempts=2)
    live, found = check(client, stage)
    title = f"{stage.table_name('*')} at {endpoint_of(client)}"
    # Piped output would otherwise wrap at 80 columns, which folds every GSI name.
    Console(width=None if sys.stdout.isatty() else 160).print(status_table(live, title))
    if found:
        for difference in found:
            click.echo(f"drift: {difference}")
        raise SystemExit(EXIT_CHECK_FAILED)
    click.echo("all six tables match the spec")


@cli.command()
@_endpoint_options_for(lambda options: "none" if options["out_dir"] else "write",
                       writes=True)
@_stage_option
@_dataset_options
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Write the dataset to this directory instead of an endpoint.")
@click.option("--format", "out_format", type=click.Choice(["ddbkit", "aws-import"]),
              default="ddbkit", show_default=True,
              help="With --out: one file per table, or a folder per table for AWS "
                   "ImportTable (printing the aws commands that create the tables).")
@click.option("--s3-uri", default="s3://YOUR-BUCKET/ddbkit-seed", show_default=True,
              help="Where the printed aws-import commands upload to.")
@click.option("--workers", type=click.IntRange(0, 64), default=None,
              help="Processes generating and loading; 0 (or 1): all in this process "
                   "[default: the machine's cores].")
@click.option("--checkpoint", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Where an interrupted load records what it wrote, to resume from "
                   "[default: .ddbkit/seed-<hash of the load>.json].")
@click.option("--max-wcu", type=click.FloatRange(min=1), default=None,
              help="Cap the write rate (write capacity units per second).")
@click.option("--anonymize", is_flag=True,
              help="With --from: replace personal data (emails, names, phones, addresses, "
                   "free text) by consistent pseudonyms.")
@click.option("--anonymize-rules", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="TOML file of more attributes to anonymise.")
@click.option("--anonymize-salt", envvar="DDBKIT_ANONYMIZE_SALT", default=None,
              help="Secret that makes pseudonyms repeatable [default: random each run].")
@click.option("--remap-ids", is_flag=True,
              help="With --anonymize: replace ids too (consistently in every table).")
def seed(endpoint_url: str | None, region: str | None, profile: str | None, stage: str,
         out_dir: Path | None, out_format: str, s3_uri: str, workers: int | None,
         checkpoint: Path | None, max_wcu: float | None, anonymize: bool,
         anonymize_rules: Path | None, anonymize_salt: str | None, remap_ids: bool,
         **dataset: Any) -> None:
    """Generate a realistic marketplace and load it into an endpoint, or write it to files.

    Same seed and options, same data (ids included), at any scale: worker processes
    generate and load it chunk by chunk. An interrupted load resumes from its checkpoint.
    Into the local emulator by default; --aws loads real AWS tables, after naming the
    account and asking (--yes: without asking).

    \b
    Example:
      ddbkit seed                       # into the local emulator `ddbkit up` runs
      ddbkit seed --endpoint-url http://127.0.0.1:8000 --scale 100 --skew
      ddbkit seed --out demo-data --seed 7 --count bookings=5000
      ddbkit seed --out import --format aws-import --scale 60000 --s3-uri s3://bucket/demo
      ddbkit seed --aws --profile demo --stage demo --from demo-data --yes
      ddbkit seed --from prod-export --anonymize --anonymize-salt "$SALT" --out demo-data
    """
    from ddbkit.fixtures.parallel import default_workers

    workers = default_workers() if workers is None else max(1, workers)
    source = _dataset_source(**dataset)
    if out_format != "ddbkit" and out_dir is None:
        raise ConfigError("--format chooses the files --out writes: pass --out DIR")
    if out_format != "aws-import" and _on_command_line(click.get_current_context(), "s3_uri"):
        raise ConfigError("--s3-uri names where the commands --format aws-import prints "
                          "upload to: pass --out DIR --format aws-import, or drop --s3-uri")
    if anonymize_rules or (anonymize_salt and _given("anonymize_salt")) or remap_ids:
        if not anonymize:
            raise ConfigError("--anonymize-rules, --anonymize-salt and --remap-ids go with "
                              "--anonymize")
    if anonymize:
        source = _anonymized(source, dataset["from_dir"], anonymize_rules, anonymize_salt,
                             remap_ids)
    if out_dir is not None:
        try:
            _seed_files(source, out_dir, out_format, stage, s3_uri, workers)
        except KeyboardInterrupt:
            from ddbkit.emulator.errors import LoadInterrupted

            raise LoadInterrupted(f"interrupted; the files finished so far are in {out_dir} "
                                  "(run the same command again into an empty folder to write "
                                  "them all)") from None
    else:
        _seed_endpoint(source, endpoint_url, region, profile, stage, workers, checkpoint,
                       max_wcu)
    if anonymize:
        replaced = source.anonymizer.replaced
        click.echo("anonymised: " + (", ".join(f"{n} {kind}" for kind, n in
                                              sorted(replaced.items())) or "nothing"))


def _anonymized(source: Any, from_dir: Path | None, rules: Path | None, salt: str | None,
                remap_ids: bool) -> Any:
    import secrets

    from ddbkit.fixtures.anonymize import AnonymizedSource, Anonymizer, load_rules

    if from_dir is None:
        raise ConfigError("--anonymize replaces personal data of real data: pass --from "
                          "EXPORT (generated data holds none)")
    if salt is None:
        click.echo("ddbkit: no --anonymize-salt: pseudonyms are random this run", err=True)
    anonymizer = Anonymizer(load_rules(rules, remap_ids=remap_ids),
                            salt if salt is not None else secrets.token_hex(16))
    return AnonymizedSource(source, anonymizer)


def _seed_files(source: Any, out_dir: Path, out_format: str, stage: str, s3_uri: str,
                workers: int) -> None:
    from ddbkit.fixtures.files import write_dataset

    progress = sys.stderr.isatty()
    if out_format == "aws-import":
        from ddbkit.fixtures.aws_import import (
            follow_up_commands,
            import_commands,
            write_import,
        )

        import_commands(next(iter(source.tables())), out_dir, stage, s3_uri)  # checks --s3-uri
        source.check()
        counts = write_import(source, out_dir, workers=workers, show_progress=progress)
        for key, count in counts.items():
            click.echo(f"# {key}: {count} items in {out_dir / key}")
            for command in import_commands(key, out_dir, stage, s3_uri):
                click.echo(command)
        click.echo("# Then what ImportTable cannot set (stream, TTL, PITR), once each import "
                   "is done (a long one outlasts the wait: run it again):")
        for command in follow_up_commands(counts, stage):
            click.echo(command)
        click.echo(f"# Check: ddbkit status --stage {stage}  (no drift)")
        return
    options = source.generated_options()
    if options is not None:
        from ddbkit.fixtures.seed import write_generated

        paths = write_generated(options, out_dir, workers=workers, show_progress=progress)
    else:
        source.check()  # a bad line is reported before any file is written
        paths = write_dataset(out_dir, {key: source.iter_items(key) for key in source.tables()},
                              {"format": "ddbkit-seed/1", "source": source.describe()})
    for path in paths:
        click.echo(f"wrote {path}")


def _seed_endpoint(source: Any, endpoint_url: str | None, region: str | None,
                   profile: str | None, stage: str, workers: int, checkpoint: Path | None,
                   max_wcu: float | None) -> None:
    from ddbkit.fixtures.loader import ClientSpec
    from ddbkit.fixtures.seed import default_checkpoint, seed_source

    source.check()  # a bad file is refused before anything is written
    client = ClientSpec(endpoint_url, region, profile, connections=8)
    client.client()  # a bad endpoint or profile fails here, in this process, in one line
    path = checkpoint or default_checkpoint(source, stage, endpoint_url)
    report = seed_source(client, source, stage, workers=workers, checkpoint=path,
                         max_wcu=max_wcu, endpoint=endpoint_url,
                         show_progress=sys.stderr.isatty())
    seconds = sum(report.seconds.values())
    for key, written in report.written.items():
        click.echo(f"{key:<12} {written:>8} items  {report.seconds.get(key, 0):6.2f} s")
    click.echo(f"seeded {report.total} items in {seconds:.2f} s "
               f"({report.total / max(seconds, 1e-9):.0f} items/s, {report.retries} retries)")


@cli.command()
@click.argument("table")
@_endpoint_options
@_stage_option
@click.option("--time", "when", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S",
                                                      "%Y-%m-%d %H:%M:%S"]),
              default=None, help="Export the table as it was then (UTC unless an offset is "
                                 "given), via point-in-time recovery [default: now].")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path(".ddbkit") / "s3" / "exports", show_default=True,
              help="Folder standing in for the bucket: the export goes to "
                   "OUT/AWSDynamoDB/<export-id>/.")
def export(table: str, endpoint_url: str | None, region: str | None, profile: str | None,
           stage: str, when: datetime | None, out_dir: Path) -> None:
    """Export a table's items in AWS's export layout (manifests and DynamoDB JSON files).

    TABLE is a spec name (bookings) or a full table name. `ddbkit seed --from OUT` and
    ImportTable read the result back. The local emulator's tables by default; --aws
    exports from real AWS.

    \b
    Example:
      ddbkit export bookings --endpoint-url http://127.0.0.1:8000 --out backup
      ddbkit export bookings --time 2025-12-04T09:30:00 --out backup
      ddbkit export bookings --aws --profile prod --stage prod --out prod-backup
    """
    from datetime import UTC

    from ddbkit.emulator.clients import make_client
    from ddbkit.emulator.tables.export import export_table

    name = _table_name(table, stage)
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    client = make_client(endpoint_url=endpoint_url, region=region, profile=profile)

    def progress(count: int) -> None:
        click.echo(f"\rddbkit: {count} items read", nl=False, err=True)

    with _naming_missing_table(name, endpoint_url):
        info = export_table(client, name, out_dir, when,
                            progress if sys.stderr.isatty() else None)
    if sys.stderr.isatty():
        click.echo("", err=True)
    click.echo(f"exported {info.item_count} items of {name} to {info.export_dir}")


@cli.group()
def state() -> None:
    """Save the emulator's data under a name and restore it in milliseconds (for tests).

    Named states are the local emulator's own: they are refused with --aws.

    \b
    Example:
      ddbkit state save seeded --endpoint-url http://127.0.0.1:8000
      ddbkit state restore seeded --endpoint-url http://127.0.0.1:8000
    """


def _state_call(endpoint_url: str | None, region: str | None, profile: str | None,
                operation: str, **params: Any) -> dict[str, Any]:
    from ddbkit.emulator.admin_client import AdminClient

    assert endpoint_url is not None  # AWS was refused: access "states"
    return AdminClient(endpoint_url, region, profile).call(operation, **params)


def _states(_options: dict[str, Any]) -> str:
    return "states"


def _state_line(info: dict[str, Any]) -> str:
    return (f"{info['Name']}: {info['Tables']} tables, {info['Items']} items, "
            f"{info['SizeBytes']} bytes")


@state.command("save")
@click.argument("name")
@_endpoint_options_for(_states)
def state_save(name: str, endpoint_url: str | None, region: str | None,
               profile: str | None) -> None:
    """Save every table (settings, items, GSIs, streams) as the state NAME (replacing it).

    \b
    Example:
      ddbkit state save seeded --endpoint-url http://127.0.0.1:8000
    """
    answer = _state_call(endpoint_url, region, profile, "SaveState", Name=name)
    click.echo(f"saved {_state_line(answer['State'])}")


@state.command("restore")
@click.argument("name")
@_endpoint_options_for(_states)
def state_restore(name: str, endpoint_url: str | None, region: str | None,
                  profile: str | None) -> None:
    """Put the tables back as they were saved in NAME (tables created since are dropped).

    \b
    Example:
      ddbkit state restore seeded --endpoint-url http://127.0.0.1:8000
    """
    answer = _state_call(endpoint_url, region, profile, "RestoreState", Name=name)
    click.echo(f"restored {_state_line(answer['State'])}")


@state.command("list")
@_endpoint_options_for(_states)
def state_list(endpoint_url: str | None, region: str | None, profile: str | None) -> None:
    """List the saved states.

    \b
    Example:
      ddbkit state list --endpoint-url http://127.0.0.1:8000
    """
    states = _state_call(endpoint_url, region, profile, "ListStates")["States"]
    for info in states:
        click.echo(_state_line(info))
    if not states:
        click.echo("no saved states (ddbkit state save NAME saves one)")


@state.command("delete")
@click.argument("name")
@_endpoint_options_for(_states)
def state_delete(name: str, endpoint_url: str | None, region: str | None,
                 profile: str | None) -> None:
    """Forget the state NAME.

    \b
    Example:
      ddbkit state delete seeded --endpoint-url http://127.0.0.1:8000
    """
    _state_call(endpoint_url, region, profile, "DeleteState", Name=name)
    click.echo(f"deleted {name}")


def _traffic_options(fn: Any) -> Any:
    """What traffic to send and where: shared by `load` and `load-worker`."""
    options = [
        click.option("--mix", type=click.Choice(["personas", "patterns"]), default="personas",
                     show_default=True, help="Realistic traffic, or every pattern equally."),
        click.option("--pattern", "patterns", multiple=True, metavar="NAME",
                     help="Hammer only this access pattern (repeatable), "
                          "e.g. bookings/status-index."),
        click.option("--key-skew", type=float, default=0.0, show_default=True,
                     help="Zipf exponent for picking keys: >0 makes hot partitions."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return _endpoint_options(_stage_option(_dataset_options(fn)), access=_load_access,
                             writes=True)


def _load_access(options: dict[str, Any]) -> str:
    """A load writes when its mix holds a write flow (loadtests/patterns.py FLOWS)."""
    import locust  # noqa: F401 - before anything imports ssl: it monkey-patches this process

    from ddbkit.loadtests.config import writes

    return "write" if writes(options["patterns"]) else "read"


def _seconds(value: str, option: str) -> float:
    """'60', '60s', '5m', '1h' -> seconds; errors name `option`, the one the user gave."""
    units = {"s": 1, "m": 60, "h": 3600}
    text = value.strip().lower()
    number, unit = (text[:-1], text[-1]) if text and text[-1] in units else (text, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        raise ConfigError(f"{option} expects a duration like 60s, 5m or 1h, got {value!r}") \
            from None
    if not 0 < seconds < float("inf"):
        raise ConfigError(f"{option} must be positive, got {value!r}")
    return seconds


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


@cli.command()
@click.option("--users", type=click.IntRange(min=1), default=10, show_default=True,
              help="Simulated users (with --find-max: the first step).")
@click.option("--spawn-rate", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Users started per second.")
@click.option("--run-time", default="60s", show_default=True, help="How long: 30s, 5m, 1h.")
@_traffic_options
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
def load(users: int, spawn_rate: float, run_time: str, workers: int | None,
         remote_workers: int, master_bind: str, json_path: Path | None,
         html_path: Path | None, locust_html_path: Path | None, csv_prefix: str | None,
         slo_path: Path | None, price_path: Path | None, project_rps: float | None,
         find_max: bool, max_users: int, step_time: str, web: bool, web_port: int,
         restore_after: bool, **options: Any) -> None:
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
    run_seconds = _seconds(run_time, "--run-time")
    step_seconds = _seconds(step_time, "--step-time") if find_max else 0.0
    with _load_errors():
        from ddbkit.loadtests import main as load_main  # imports Locust: gevent patches us

        config = _load_config(
            options, users=users, spawn_rate=spawn_rate, run_time=run_seconds,
            workers=os.cpu_count() or 1 if workers is None else workers,
            remote_workers=remote_workers, master_bind=master_bind)
        outputs = load_main.Outputs(json_path, html_path, csv_prefix, slo_path, price_path,
                                    project_rps, locust_html_path)
        from rich.console import Console

        console = Console(width=None if sys.stdout.isatty() else 160)
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

    dataset = _dataset_source(**{name: options[name] for name in _DATASET_OPTIONS})
    return LoadConfig(
        endpoint_url=options["endpoint_url"], region=options["region"],
        profile=options["profile"], stage=options["stage"], mix=options["mix"],
        patterns=options["patterns"], key_skew=options["key_skew"], dataset=dataset,
        **settings)


@cli.command("load-worker")
@click.option("--master", required=True, metavar="HOST:PORT",
              callback=_host_port("--master", allow_port_0=False),
              help="The `ddbkit load` master to take orders from.")
@click.option("--connect-timeout", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, metavar="SECONDS",
              help="Give up when no master answers within this many seconds.")
@_traffic_options
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


@cli.command()
@click.argument("table")
@_endpoint_options
@_stage_option
@click.option("--json", "as_json", is_flag=True, help="Raw records, one JSON object per line.")
@click.option("--from", "start", type=click.Choice(["latest", "trim-horizon"]),
              default="latest", show_default=True, help="Start at new records, or the oldest.")
@click.option("--max-records", type=click.IntRange(min=1), default=None,
              help="Stop after this many records.")
@click.option("--idle-timeout", type=click.FloatRange(min=0), default=None,
              help="Stop after this many seconds without a record.")
def tail(table: str, endpoint_url: str | None, region: str | None, profile: str | None,
         stage: str, as_json: bool, start: str, max_records: int | None,
         idle_timeout: float | None) -> None:
    """Follow a table's stream live: one compact line per record, or --json lines.

    TABLE is a spec name (bookings) or a full table name. The local emulator's stream by
    default; --aws follows the table on real AWS.

    \b
    Example:
      ddbkit tail bookings --endpoint-url http://127.0.0.1:8000
      ddbkit tail bookings --aws --profile prod --stage prod
      ddbkit tail bookings --json --from trim-horizon --max-records 10 | jq .eventName
    """
    from ddbkit.emulator.clients import make_client
    from ddbkit.emulator.streams.reader import StartingPosition, latest_stream_arn
    from ddbkit.emulator.streams.tail import compact_line, follow, json_line

    name = _table_name(table, stage)
    client = make_client(endpoint_url=endpoint_url, region=region, profile=profile)
    target = click.get_current_context().meta[_TARGET]
    streams = make_client("dynamodbstreams", endpoint_url=target.endpoint_for(
        "dynamodbstreams"), region=region, profile=profile)
    with _naming_missing_table(name, endpoint_url):
        arn = latest_stream_arn(client, name)
    position: StartingPosition = "LATEST" if start == "latest" else "TRIM_HORIZON"
    try:
        for record in follow(streams, arn, position, max_records=max_records,
                             idle_timeout=idle_timeout):
            click.echo(json_line(record, arn) if as_json else compact_line(record))
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a live tail ends


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json", "cloudformation"]), default="json",
              show_default=True, help="CreateTable requests, or a CloudFormation template.")
@_stage_option
def schema(fmt: str, stage: str) -> None:
    """Print the spec as CreateTable JSON or as a CloudFormation template.

    \b
    Example:
      ddbkit schema --format cloudformation --stage prod > tables.json
      aws cloudformation deploy --template-file tables.json --stack-name marketplace-prod
    """
    from ddbkit.emulator.tables.schema import cloudformation_template, create_table_requests

    doc: object = (cloudformation_template(stage) if fmt == "cloudformation"
                   else create_table_requests(stage))
    click.echo(json.dumps(doc, indent=2))


def _show_envvars(command: click.Command) -> None:
    """Every option that reads an environment variable names it in --help (once, here,
    rather than `show_envvar=True` on each option)."""
    for param in command.params:
        if isinstance(param, click.Option) and param.envvar:
            param.show_envvar = True
    for sub in getattr(command, "commands", {}).values():
        _show_envvars(sub)


_show_envvars(cli)


def main() -> None:
    try:
        cli(prog_name="ddbkit")
    except ConfigError as exc:  # raised before click's own handling (e.g. during import)
        click.echo(f"ddbkit: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":
    main()
