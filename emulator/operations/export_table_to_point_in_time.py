"""ExportTableToPointInTime: the table as of ExportTime (default: now), in AWS's export layout,
in a local folder standing in for the bucket.

moto wrote one file without manifests into its own in-memory S3 from a thread and ignored
ExportTime. Here the table's state at that moment (from the data dir's history, as a
point-in-time restore reads it: `past_tables`) is written by
`fixtures.aws_layout.write_export` under `<s3-dir>/<bucket>/[<prefix>/]AWSDynamoDB/<id>/`
(`s3_folders`; the bucket's folder is made on first use). It completes before the answer
(ExportStatus COMPLETED), so a client's wait loop ends at once. Only DYNAMODB_JSON full
exports are made: ION and incremental exports are refused (ValidationException). DynamoDB's
errors: TableNotFoundException, PointInTimeRecoveryUnavailableException,
InvalidExportTimeException.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.durability.images import item_image
from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call, OperationError, validation_error
from ddbkit.emulator.operations.past_tables import table_at
from ddbkit.emulator.operations.pitr_window import enabled, window
from ddbkit.emulator.operations.restore_table_to_point_in_time import pitr_unavailable
from ddbkit.emulator.operations.s3_folders import bucket_dir, prefix_path, table_id
from ddbkit.emulator.operations.timestamps import aware_utc, epoch
from ddbkit.emulator.shapes import to_wire
from ddbkit.emulator.store import backup_calls
from ddbkit.emulator.store.access import table_items
from ddbkit.emulator.store.clock import now
from ddbkit.fixtures import aws_layout

SUPPORTED = (("ExportFormat", "DYNAMODB_JSON"), ("ExportType", "FULL_EXPORT"))
ECHOED = ("S3Prefix", "S3BucketOwner", "ClientToken")  # kept in the description as given


def invalid_export_time() -> OperationError:
    return OperationError("InvalidExportTimeException", "The specified ExportTime is outside "
                          "of the point in time recovery window.")


def run(call: Call) -> Answer:
    params, backend = call.params, pipeline.backend(call)
    arn = params.get("TableArn")
    table = backup_calls.table_with_arn(backend, arn)
    if table is None:
        raise OperationError("TableNotFoundException", f"Table not found: {arn}")
    for field, allowed in SUPPORTED:
        if params.get(field) not in (None, allowed):
            raise validation_error(f"{field} {params[field]} is not supported by this "
                                   f"emulator; use {allowed}")
    if not enabled(table):
        raise pitr_unavailable(table.name)
    bucket, prefix = params.get("S3Bucket"), prefix_path(params.get("S3Prefix"))
    folder = bucket_dir(bucket)
    source, moment = _table_at(table, params)
    started = aware_utc(now())
    info = aws_layout.write_export(
        folder, table_arn=table.table_arn, table_id=table_id(table),
        export_time=aware_utc(moment), start_time=started, s3_prefix=prefix or None,
        items=[to_wire(item_image(item)) for item in table_items(source)])
    base = f"{prefix.strip('/')}/" if prefix else ""
    description: dict[str, Any] = {
        "ExportArn": info.export_arn, "ExportStatus": "COMPLETED", "StartTime": started,
        "EndTime": aware_utc(now()), "TableArn": table.table_arn, "TableId": table_id(table),
        "ExportTime": aware_utc(moment),
        "ExportManifest": f"{base}{aws_layout.EXPORTS_FOLDER}/{info.export_id}/"
                          f"{aws_layout.SUMMARY}",
        "S3Bucket": bucket, "S3SseAlgorithm": "AES256", "ExportFormat": "DYNAMODB_JSON",
        "ExportType": "FULL_EXPORT", "BilledSizeBytes": info.billed_size_bytes,
        "ItemCount": info.item_count,
        **{field: params[field] for field in ECHOED if params.get(field) is not None},
    }
    backup_calls.export_records(backend)[info.export_arn] = description  # journaled ("E")
    return pipeline.shaped_answer(call, {"ExportDescription": description})


def _table_at(table: Any, params: dict[str, Any]) -> tuple[Any, float]:
    """The table's state to export, and the moment it is of."""
    moment = now()
    if params.get("ExportTime") is None:
        return table, moment
    when = epoch(params["ExportTime"])
    earliest, _ = window(table)
    if not earliest <= when <= moment:
        raise invalid_export_time()
    past = table_at(table.name, when, invalid_export_time, earliest)
    return (table if past is None else past), when
