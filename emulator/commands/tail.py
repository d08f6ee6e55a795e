"""`ddbkit tail`: a table's stream, live."""

from __future__ import annotations

import click

from ddbkit.emulator.commands.options import (
    TARGET,
    endpoint_options,
    naming_missing_table,
    stage_option,
    table_name,
)


@click.command()
@click.argument("table")
@endpoint_options
@stage_option
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
    from ddbkit.emulator.connect.clients import make_client
    from ddbkit.emulator.streams.reader import StartingPosition, latest_stream_arn
    from ddbkit.emulator.streams.tail import compact_line, follow, json_line

    name = table_name(table, stage)
    client = make_client(endpoint_url=endpoint_url, region=region, profile=profile)
    target = click.get_current_context().meta[TARGET]
    streams = make_client("dynamodbstreams", endpoint_url=target.endpoint_for(
        "dynamodbstreams"), region=region, profile=profile)
    with naming_missing_table(name, endpoint_url):
        arn = latest_stream_arn(client, name)
    position: StartingPosition = "LATEST" if start == "latest" else "TRIM_HORIZON"
    try:
        for record in follow(streams, arn, position, max_records=max_records,
                             idle_timeout=idle_timeout):
            click.echo(json_line(record, arn) if as_json else compact_line(record))
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a live tail ends
