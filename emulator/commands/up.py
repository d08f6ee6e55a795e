"""`ddbkit up`: its options, turned into an `EmulatorConfig`; `emulator/serve.py` runs it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ddbkit.emulator.commands.options import (
    DATASET_OPTIONS,
    dataset_options,
    dataset_source,
    on_command_line,
    refuse_unused,
    split_list,
    stacked,
    stage_option,
)
from ddbkit.emulator.errors import ConfigError

DATA_PLANE_CLASSES = ("read", "write", "transact")


def _auth_option(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> Any:
    from ddbkit.emulator.endpoint.auth import Credentials

    try:
        return tuple(Credentials.parse(value) for value in split_list(values))
    except ValueError as exc:  # never quotes the secret
        raise ConfigError(f"--auth {exc}") from None


# Where `up` keeps its data, and what a crash or power loss may cost (durability/).
durability_options = stacked(
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
    click.option("--history-max-mb", type=click.FloatRange(min=0), default=None,
                 envvar="DDBKIT_HISTORY_MAX_MB",
                 help="Cap point-in-time history (snapshots and journal) at this size: the "
                      "oldest goes first and EarliestRestorableDateTime moves forward "
                      "[default: keep the whole recovery period]."),
)

# What `up` does to requests besides answering them: throttling and injected faults.
behaviour_options = stacked(
    click.option("--throughput-model", type=click.Choice(["on-demand"]), default=None,
                 envvar="DDBKIT_THROUGHPUT_MODEL",
                 help="Throttle as on-demand DynamoDB does: per-partition limits, "
                      "burst, growth, GSI back-pressure."),
    click.option("--faults", "faults_path", type=click.Path(path_type=Path, dir_okay=False),
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
)


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


def _durability_config(state_dir: Path, options: dict[str, Any]) -> Any:
    """The DurabilityConfig the options choose; None with --in-memory. Pops them."""
    from ddbkit.emulator.durability.config import DurabilityConfig

    data_dir, in_memory = options.pop("data_dir"), options.pop("in_memory")
    reseed, fsync = options.pop("reseed"), options.pop("fsync")
    journal_max_bytes = int(options.pop("journal_max_mb") * 1024 * 1024)
    history_max_mb = options.pop("history_max_mb")
    history_max_bytes = None if history_max_mb is None else int(history_max_mb * 1024 * 1024)
    if in_memory and (data_dir is not None or reseed):
        # --reseed has no environment variable
        on_disk_given = reseed or on_command_line("data_dir")
        if on_command_line("in_memory") == on_disk_given:
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
                            journal_max_bytes=journal_max_bytes,
                            history_max_bytes=history_max_bytes)


def _emulator_config(host: str, port: int, region: str, stage: str, log_requests: bool,
                     ttl_interval: float, trigger_specs: tuple[str, ...],
                     trigger_config: Path | None, state_dir: Path, auth: tuple[Any, ...],
                     s3_dir: Path | None, allow_hosts: tuple[str, ...],
                     throughput_model: str | None, options: dict[str, Any]) -> Any:
    """The EmulatorConfig `up`'s options give; pops the durability and fault options."""
    from ddbkit.emulator.endpoint.server import ServerConfig
    from ddbkit.emulator.runtime import EmulatorConfig
    from ddbkit.emulator.streams.trigger_config import load_trigger_file, parse_trigger_option

    triggers = [parse_trigger_option(spec) for spec in trigger_specs]
    if trigger_config is not None:
        triggers += load_trigger_file(trigger_config)
    durability = _durability_config(state_dir, options)
    faults = _fault_plan(options)
    return EmulatorConfig(
        server=ServerConfig(host=host, port=port, region=region, log_requests=log_requests,
                            auth=auth, allow_hosts=tuple(split_list(allow_hosts))),
        stage=stage, ttl_interval=ttl_interval, triggers=tuple(triggers), state_dir=state_dir,
        durability=durability, s3_dir=s3_dir, throughput_model=throughput_model,
        faults=faults)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="DDBKIT_HOST",
              help="Address to listen on (loopback unless you mean otherwise).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              envvar="DDBKIT_PORT", help="Port to listen on; 0 picks a free one.")
@click.option("--region", default="us-east-1", show_default=True, envvar="DDBKIT_REGION",
              help="Region the endpoint serves, whatever region clients sign with.")
@stage_option
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
                   "ExportTableToPointInTime, ImportTable and StartBulkPutItems "
                   "[default: STATE_DIR/s3].")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME[:PORT]",
              envvar="DDBKIT_ALLOW_HOST",
              help="Also answer requests for this Host (repeatable); others are refused.")
@durability_options
@behaviour_options
@dataset_options
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
    refuse_unused(click.get_current_context(), DATASET_OPTIONS, "no_seed", "nothing is seeded")
    from ddbkit.emulator.connect.clients import ignore_broken_aws_config
    from ddbkit.emulator.endpoint.guard import exposure_warning
    from ddbkit.emulator.serve import serve

    broken = ignore_broken_aws_config()
    if broken:
        click.echo(f"ddbkit: ignoring the AWS configuration, which the emulator does not need "
                   f"({broken})", err=True)
    config = _emulator_config(host, port, region, stage, log_requests, ttl_interval,
                              trigger_specs, trigger_config, state_dir, auth, s3_dir,
                              allow_hosts, throughput_model, dataset)
    warning = exposure_warning(host, port, bool(auth))
    if warning:
        click.echo(warning, err=True)

    def ready(line: str) -> None:
        click.echo(line)
        sys.stdout.flush()

    serve(config, None if no_seed else lambda: dataset_source(**dataset),
          announced=not no_announce, show_progress=sys.stderr.isatty(),
          note=lambda line: click.echo(line, err=True), ready=ready)
    click.echo("ddbkit stopped", err=True)
