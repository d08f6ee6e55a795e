"""`ddbkit`: the command line. A thin shell: parse options, call the library, print.

Library errors (`emulator.errors.DdbkitError`) become one line on stderr and exit code 2;
a check that runs and fails (drift) exits 1.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from typing import Any

import click

from emulator.errors import ConfigError, DdbkitError

EXIT_CHECK_FAILED = 1
EXIT_ERROR = 2


class _Group(click.Group):
    """Turns ddbkit errors into `ddbkit: error: ...` and exit code 2 instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DdbkitError as exc:
            click.echo(f"ddbkit: error: {exc}", err=True)
            ctx.exit(EXIT_ERROR)


def _stage_option(fn: Any) -> Any:
    return click.option("--stage", default="dev", show_default=True, envvar="DDBKIT_STAGE",
                        help="Stage in the table names: marketplace-{stage}-{name}-table.")(fn)


def _endpoint_options(fn: Any) -> Any:
    fn = click.option("--profile", envvar="AWS_PROFILE", default=None,
                      help="AWS profile (standard AWS resolution when unset).")(fn)
    fn = click.option("--region", envvar="AWS_REGION", default=None,
                      help="AWS region (standard AWS resolution when unset).")(fn)
    fn = click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL_DYNAMODB", default=None,
                      help="DynamoDB endpoint; unset means real AWS.")(fn)
    return fn


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ddbkit")
def cli() -> None:
    """ddbkit: a local DynamoDB emulator and load-testing kit for the marketplace tables.

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
def up(host: str, port: int, region: str, stage: str, log_requests: bool) -> None:
    """Run the local DynamoDB endpoint with the six tables, until Ctrl-C or SIGTERM.

    \b
    Example:
      ddbkit up --port 8000
      export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000
      aws dynamodb list-tables
    """
    from emulator.runtime import Emulator, EmulatorConfig
    from emulator.server import ServerConfig

    config = EmulatorConfig(
        server=ServerConfig(host=host, port=port, region=region, log_requests=log_requests),
        stage=stage)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    emulator = Emulator(config).start()
    try:
        env = " ".join(f"{k}={v}" for k, v in emulator.client_environment().items())
        click.echo(f"ddbkit ready: {emulator.endpoint_url} ({len(emulator.provisioned)} changes "
                   f"to the {stage} tables) -- {env}", nl=True)
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    click.echo("ddbkit stopped", err=True)


@cli.command()
@_endpoint_options
@_stage_option
def status(endpoint_url: str | None, region: str | None, profile: str | None,
           stage: str) -> None:
    """Show the six tables live against the spec; exit 1 naming every difference.

    \b
    Example:
      ddbkit status --endpoint-url http://127.0.0.1:8000
      AWS_PROFILE=prod ddbkit status --stage prod     # real AWS
    """
    from rich.console import Console

    from emulator.clients import endpoint_of, make_client
    from emulator.drift import check
    from emulator.spec import validate_stage
    from emulator.status_view import status_table

    validate_stage(stage)
    client = make_client(endpoint_url=endpoint_url, region=region, profile=profile,
                         connect_timeout=3, max_attempts=2)
    live, found = check(client, stage)
    title = f"marketplace-{stage}-*-table at {endpoint_of(client)}"
    # Piped output would otherwise wrap at 80 columns, which folds every GSI name.
    Console(width=None if sys.stdout.isatty() else 160).print(status_table(live, title))
    if found:
        for difference in found:
            click.echo(f"drift: {difference}")
        raise SystemExit(EXIT_CHECK_FAILED)
    click.echo("all six tables match the spec")


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
    from emulator.schema import cloudformation_template, create_table_requests
    from emulator.spec import validate_stage

    validate_stage(stage)
    doc: object = (cloudformation_template(stage) if fmt == "cloudformation"
                   else create_table_requests(stage))
    click.echo(json.dumps(doc, indent=2))


def main() -> None:
    try:
        cli(prog_name="ddbkit")
    except ConfigError as exc:  # raised before click's own handling (e.g. during import)
        click.echo(f"ddbkit: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":
    main()
