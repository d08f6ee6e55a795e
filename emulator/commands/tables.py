"""`ddbkit status`, `export` and `schema`: the tables, live against the spec, as files, or
as the spec's CreateTable requests."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click

from ddbkit.emulator.commands.options import (
    EXIT_CHECK_FAILED,
    endpoint_options,
    naming_missing_table,
    stage_option,
    table_name,
    terminal_console,
)
from ddbkit.emulator.spec import Stage


@click.command()
@endpoint_options
@stage_option
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
    from ddbkit.emulator.connect.clients import endpoint_of, make_client
    from ddbkit.emulator.tables.drift import check
    from ddbkit.emulator.tables.status_view import status_table

    client = make_client(endpoint_url=endpoint_url, region=region, profile=profile,
                         connect_timeout=3, max_attempts=2)
    live, found = check(client, stage)
    title = f"{stage.table_name('*')} at {endpoint_of(client)}"
    terminal_console().print(status_table(live, title))
    if found:
        for difference in found:
            click.echo(f"drift: {difference}")
        raise SystemExit(EXIT_CHECK_FAILED)
    click.echo("all six tables match the spec")


@click.command()
@click.argument("table")
@endpoint_options
@stage_option
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

    from ddbkit.emulator.connect.clients import make_client
    from ddbkit.emulator.tables.export import export_table

    name = table_name(table, stage)
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    client = make_client(endpoint_url=endpoint_url, region=region, profile=profile)

    def progress(count: int) -> None:
        click.echo(f"\rddbkit: {count} items read", nl=False, err=True)

    with naming_missing_table(name, endpoint_url):
        info = export_table(client, name, out_dir, when,
                            progress if sys.stderr.isatty() else None)
    if sys.stderr.isatty():
        click.echo("", err=True)
    click.echo(f"exported {info.item_count} items of {name} to {info.export_dir}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["json", "cloudformation"]), default="json",
              show_default=True, help="CreateTable requests, or a CloudFormation template.")
@stage_option
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
