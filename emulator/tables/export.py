"""`ddbkit export`: a table's items in AWS's export layout, through the public API.

It works on any endpoint, real AWS included: the items come from a Scan (a past moment's
from a Scan of a table restored to that moment with RestoreTableToPointInTime, deleted after),
and `fixtures.aws_layout.write_export` writes them under `<out>/AWSDynamoDB/<export-id>/`,
manifests included, which `ddbkit seed --from` and ImportTable read back.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from ddbkit.emulator.connect.clients import endpoint_of, translate_errors
from ddbkit.emulator.errors import ConfigError
from ddbkit.emulator.shapes import WireItem, to_wire
from ddbkit.fixtures import aws_layout


def export_table(client: Any, table_name: str, out_dir: Path, when: datetime | None = None,
                 progress: Callable[[int], None] | None = None) -> aws_layout.ExportInfo:
    """Writes one FULL_EXPORT of `table_name` (as of `when`, default now) into `out_dir`."""
    with translate_errors(endpoint_of(client)):
        table = client.describe_table(TableName=table_name)["Table"]
        table_id = table.get("TableId") or str(uuid.uuid5(uuid.NAMESPACE_URL, table["TableArn"]))
        started = datetime.now(UTC)
        source = table_name
        if when is not None:
            source = f"{table_name[:200]}-export-{secrets.token_hex(4)}"
            _restore(client, table_name, source, when)
        try:
            if when is not None:
                client.get_waiter("table_exists").wait(TableName=source)
            return aws_layout.write_export(
                out_dir, table_arn=table["TableArn"], table_id=table_id,
                export_time=when or started, start_time=started,
                items=_scanned(client, source, progress))
        finally:
            if when is not None:
                client.delete_table(TableName=source)


def _restore(client: Any, table_name: str, target: str, when: datetime) -> None:
    try:
        client.restore_table_to_point_in_time(SourceTableName=table_name,
                                              TargetTableName=target, RestoreDateTime=when)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "InvalidRestoreTimeException":
            raise
        raise ConfigError(f"--time {_iso(when)} is outside {table_name}'s restorable window: "
                          f"{_restorable_window(client, table_name)}") from exc


def _restorable_window(client: Any, table_name: str) -> str:
    """'from EARLIEST to LATEST (UTC)', as DescribeContinuousBackups gives them."""
    found = client.describe_continuous_backups(TableName=table_name)
    pitr = found["ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription", {})
    earliest, latest = (pitr.get(key) for key in ("EarliestRestorableDateTime",
                                                  "LatestRestorableDateTime"))
    if earliest is None or latest is None:
        return "none (point-in-time recovery is not enabled)"
    shown = f"from {_iso(earliest)} to {_iso(latest)}"
    if latest <= earliest:
        shown += (" (no history yet: it starts when point-in-time recovery is turned on; "
                  "`ddbkit up --in-memory` keeps none)")
    return shown


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _scanned(client: Any, table_name: str,
             progress: Callable[[int], None] | None) -> Iterator[WireItem]:
    count = 0
    for page in client.get_paginator("scan").paginate(TableName=table_name):
        for item in page["Items"]:
            yield to_wire(item)
        count += len(page["Items"])
        if progress is not None:
            progress(count)
