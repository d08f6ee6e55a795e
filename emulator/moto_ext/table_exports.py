"""ExportTableToPointInTime in AWS's layout, into a local folder standing in for the bucket.

Replaces moto's `DynamoHandler.export_table_to_point_in_time`, `describe_export` and
`list_exports`: moto writes one file without manifests into its own in-memory S3 from a
thread, ignores ExportTime, and lists exports without paging. Here an export is the table's
state at `ExportTime` (default: now), read from the data dir's history like a point-in-time
restore (`point_in_time`), written by `fixtures.aws_layout.write_export` under
`<s3-dir>/<bucket>/[<prefix>/]AWSDynamoDB/<export-id>/` (`s3_folders`; the bucket's folder is
made on first use). It completes before the answer (ExportStatus COMPLETED), so a client's
wait-for-completion loop ends at once. Errors as DynamoDB's: TableNotFoundException,
PointInTimeRecoveryUnavailableException, InvalidExportTimeException. Only DYNAMODB_JSON
full exports are made (ION and incremental exports are refused with a ValidationException).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.exceptions import (
    ERROR_TYPE_PREFIX,
    MockValidationException,
    PointInTimeRecoveryUnavailable,
    TableNotFoundException,
)
from moto.dynamodb.responses import DynamoHandler, DynamoResult

from ddbkit.emulator.durability.images import item_image
from ddbkit.emulator.moto_ext.clock import now
from ddbkit.emulator.moto_ext.point_in_time import enabled, table_at, window
from ddbkit.emulator.moto_ext.s3_folders import bucket_dir, prefix_path, table_id
from ddbkit.emulator.moto_ext.store import require, table_items
from ddbkit.emulator.shapes import to_wire
from ddbkit.fixtures import aws_layout

MAX_RESULTS = 25  # ListExports' page size limit


class InvalidExportTime(JsonRESTError):
    def __init__(self) -> None:
        super().__init__(ERROR_TYPE_PREFIX + "InvalidExportTimeException",
                         "The specified ExportTime is outside of the point in time recovery "
                         "window.")


class ExportNotFound(JsonRESTError):
    def __init__(self, arn: Any) -> None:
        super().__init__(ERROR_TYPE_PREFIX + "ExportNotFoundException",
                         f"Export not found: {arn}")


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return float(value)


def _table_at(table: Any, body: dict[str, Any]) -> tuple[Any, float]:
    """The table's state to export, and the moment it is of."""
    moment = now()
    if body.get("ExportTime") is None:
        return table, moment
    when = _epoch(body["ExportTime"])
    earliest, _ = window(table)
    if not earliest <= when <= moment:
        raise InvalidExportTime()
    past = table_at(table.name, when, InvalidExportTime)
    return (table if past is None else past), when


def export_table_to_point_in_time(self: DynamoHandler) -> DynamoResult:
    body: dict[str, Any] = self.body
    backend: Any = self.dynamodb_backend
    arn: Any = body.get("TableArn")
    table = next((t for t in backend.tables.values() if t.table_arn == arn), None)
    if table is None:
        raise TableNotFoundException(arn)
    for field, allowed in (("ExportFormat", "DYNAMODB_JSON"), ("ExportType", "FULL_EXPORT")):
        if body.get(field) not in (None, allowed):
            raise MockValidationException(f"{field} {body[field]} is not supported by this "
                                          f"emulator; use {allowed}")
    if not enabled(table):
        raise PointInTimeRecoveryUnavailable(table.name)
    bucket, prefix = body.get("S3Bucket"), prefix_path(body.get("S3Prefix"))
    folder = bucket_dir(bucket)
    source, moment = _table_at(table, body)
    started = _utc(now())
    images = [to_wire(item_image(item)) for item in table_items(source)]
    info = aws_layout.write_export(folder, table_arn=table.table_arn,
                                   table_id=table_id(table),
                                   export_time=_utc(moment), items=images, start_time=started,
                                   s3_prefix=prefix or None)
    base = f"{prefix.strip('/')}/" if prefix else ""
    description = {
        "ExportArn": info.export_arn, "ExportStatus": "COMPLETED", "StartTime": started,
        "EndTime": _utc(now()), "TableArn": table.table_arn,
        "TableId": table_id(table), "ExportTime": _utc(moment),
        "ExportManifest": f"{base}{aws_layout.EXPORTS_FOLDER}/{info.export_id}/"
                          f"{aws_layout.SUMMARY}",
        "S3Bucket": bucket, "S3SseAlgorithm": "AES256", "ExportFormat": "DYNAMODB_JSON",
        "ExportType": "FULL_EXPORT", "BilledSizeBytes": info.billed_size_bytes,
        "ItemCount": info.item_count,
    }
    for field in ("S3Prefix", "S3BucketOwner", "ClientToken"):
        if body.get(field) is not None:
            description[field] = body[field]
    backend.table_exports[info.export_arn] = description
    return DynamoResult({"ExportDescription": description})


def describe_export(self: DynamoHandler) -> DynamoResult:
    arn = self.body.get("ExportArn")
    backend: Any = self.dynamodb_backend
    description = backend.table_exports.get(arn)
    if not isinstance(description, dict):
        raise ExportNotFound(arn)
    return DynamoResult({"ExportDescription": description})


def list_exports(self: DynamoHandler) -> DynamoResult:
    body = self.body
    table_arn = body.get("TableArn")
    backend: Any = self.dynamodb_backend
    found = [d for d in backend.table_exports.values()
             if isinstance(d, dict) and table_arn in (None, d["TableArn"])]
    page, token = paged(found, "ExportArn", body.get("NextToken"),
                        int(body.get("MaxResults") or MAX_RESULTS))
    result: dict[str, Any] = {"ExportSummaries": [
        {k: d[k] for k in ("ExportArn", "ExportStatus", "ExportType")} for d in page]}
    if token:
        result["NextToken"] = token
    return DynamoResult(result)


def paged(found: list[dict[str, Any]], key: str, token: Any,
          size: int) -> tuple[list[dict[str, Any]], str | None]:
    """A page of `found` after the entry whose `key` is `token`, and the next token."""
    start = 0
    if token is not None:
        keys = [d[key] for d in found]
        if token not in keys:
            raise MockValidationException(f"Invalid NextToken: {token}")
        start = keys.index(token) + 1
    page = found[start:start + size]
    more = start + size < len(found)
    return page, (page[-1][key] if more and page else None)


def install() -> None:
    require(DynamoHandler, "export_table_to_point_in_time", "describe_export", "list_exports")
    handler: Any = DynamoHandler
    handler.export_table_to_point_in_time = export_table_to_point_in_time
    handler.describe_export = describe_export
    handler.list_exports = list_exports
