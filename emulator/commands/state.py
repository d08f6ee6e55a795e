"""`ddbkit state save|restore|list|delete`: the emulator's named states (admin operations)."""

from __future__ import annotations

from typing import Any

import click

from ddbkit.emulator.commands.options import endpoint_options_for


@click.group()
def state() -> None:
    """Save the emulator's data under a name and restore it, while requests go on (for tests).

    Named states are the local emulator's own: they are refused with --aws.

    \b
    Example:
      ddbkit state save seeded --endpoint-url http://127.0.0.1:8000
      ddbkit state restore seeded --endpoint-url http://127.0.0.1:8000
    """


# A save or restore answers when it is done: about 1.5-2 minutes for three 1M-item tables on
# two cores, past the admin client's default of 120 s without a byte (Ctrl-C stops waiting).
SAVE_RESTORE_TIMEOUT = 3600.0


def _state_call(endpoint_url: str | None, region: str | None, profile: str | None,
                operation: str, timeout: float | None = None, **params: Any) -> dict[str, Any]:
    """The admin call's answer; `timeout`: seconds without a byte (the client's default)."""
    from ddbkit.emulator.connect.admin_client import TIMEOUT, AdminClient

    assert endpoint_url is not None  # AWS was refused: access "states"
    return AdminClient(endpoint_url, region, profile,
                       timeout=timeout or TIMEOUT).call(operation, **params)


def _states(_options: dict[str, Any]) -> str:
    return "states"


def _state_line(info: dict[str, Any]) -> str:
    return (f"{info['Name']}: {info['Tables']} tables, {info['Items']} items, "
            f"{info['SizeBytes']} bytes")


@state.command("save")
@click.argument("name")
@endpoint_options_for(_states)
def state_save(name: str, endpoint_url: str | None, region: str | None,
               profile: str | None) -> None:
    """Save every table (settings, items, GSIs, streams) as the state NAME (replacing it).

    \b
    Example:
      ddbkit state save seeded --endpoint-url http://127.0.0.1:8000
    """
    answer = _state_call(endpoint_url, region, profile, "SaveState",
                         timeout=SAVE_RESTORE_TIMEOUT, Name=name)
    click.echo(f"saved {_state_line(answer['State'])}")


@state.command("restore")
@click.argument("name")
@endpoint_options_for(_states)
def state_restore(name: str, endpoint_url: str | None, region: str | None,
                  profile: str | None) -> None:
    """Put the tables back as they were saved in NAME (tables created since are dropped).

    \b
    Example:
      ddbkit state restore seeded --endpoint-url http://127.0.0.1:8000
    """
    answer = _state_call(endpoint_url, region, profile, "RestoreState",
                         timeout=SAVE_RESTORE_TIMEOUT, Name=name)
    click.echo(f"restored {_state_line(answer['State'])}")


@state.command("list")
@endpoint_options_for(_states)
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
@endpoint_options_for(_states)
def state_delete(name: str, endpoint_url: str | None, region: str | None,
                 profile: str | None) -> None:
    """Forget the state NAME.

    \b
    Example:
      ddbkit state delete seeded --endpoint-url http://127.0.0.1:8000
    """
    _state_call(endpoint_url, region, profile, "DeleteState", Name=name)
    click.echo(f"deleted {name}")
