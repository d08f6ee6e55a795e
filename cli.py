"""`ddbkit`: the command line. A thin shell: parse options, call the library, print.

This module is the group, its error handling and the list of commands; the commands live
by area: emulator/commands/ (up, status, export, tail, state, schema; options.py holds the
options they share), fixtures/seed_command.py (seed), loadtests/commands.py (load,
load-worker). None imports moto or Locust before it runs, so `ddbkit --help` stays fast.

Library errors (`emulator.errors.DdbkitError`) become one line on stderr and exit code 2;
a check that runs and fails (drift) exits 1.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ddbkit.emulator.commands.options import EXIT_CHECK_FAILED, EXIT_ERROR, TARGET
from ddbkit.emulator.commands.state import state
from ddbkit.emulator.commands.tables import export, schema, status
from ddbkit.emulator.commands.tail import tail
from ddbkit.emulator.commands.up import up
from ddbkit.emulator.errors import ConfigError, DdbkitError
from ddbkit.fixtures.seed_command import seed
from ddbkit.loadtests.commands import load, load_worker

__all__ = ["EXIT_CHECK_FAILED", "EXIT_ERROR", "cli", "main"]


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
    from ddbkit.emulator.connect.target import FIX_HINT
    from ddbkit.emulator.errors import EndpointUnreachableError

    target = ctx.meta.get(TARGET)
    if not isinstance(exc, EndpointUnreachableError) or target is None or target.is_aws:
        return str(exc)
    from botocore.exceptions import ReadTimeoutError

    late = isinstance(exc.__cause__, ReadTimeoutError | TimeoutError)
    return (f"cannot reach {target.describe()}: "
            f"{'it did not answer in time' if late else 'nothing answers there'}; {FIX_HINT}")


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


# In this order: tests/options_doc.py lists them so in docs/configuration.md.
for _command in (up, status, seed, export, state, load, load_worker, tail, schema):
    cli.add_command(_command)


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
