"""ExportTableToPointInTime: the table as of ExportTime (default: now), in AWS's export layout,
in a local folder standing in for the bucket.

moto wrote one file without manifests into its own in-memory S3 from a thread and ignored
ExportTime. Here, as DynamoDB does, the answer is IN_PROGRESS at once and the files are
written in the background (`export_jobs`) under
`<s3-dir>/<bucket>/[<prefix>/]AWSDynamoDB/<id>/` (`s3_folders`; the bucket's folder is made
on first use) by `fixtures.aws_layout.write_export`; DescribeExport shows COMPLETED (or
FAILED) when they are. What is exported is fixed now: the table's item map, copied a part
at a time from this instant on (`store.item_copies`), or for a past ExportTime the
table as the data dir's history holds it (`past_tables`, read by the worker; `--in-memory`
keeps no history, so the present serves, copied now). Only DYNAMODB_JSON full exports are
made: ION and incremental exports are refused (ValidationException). DynamoDB's errors:
TableNotFoundException, PointInTimeRecoveryUnavailableException, InvalidExportTimeException,
LimitExceededException (more than 300 exports in progress).
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.durability import hooks
from ddbkit.emulator.operations import export_jobs, pipeline
from ddbkit.emulator.operations.call import Answer, Call, OperationError, validation_error
from ddbkit.emulator.operations.pitr_window import enabled, window
from ddbkit.emulator.operations.restore_table_to_point_in_time import pitr_unavailable
from ddbkit.emulator.operations.s3_folders import bucket_dir, prefix_path, table_id
from ddbkit.emulator.operations.timestamps import aware_utc, epoch
from ddbkit.emulator.store import backup_calls
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
    moment = _moment(table, params)
    records = backup_calls.export_records(backend)
    if export_jobs.in_progress(records) >= export_jobs.MAX_IN_PROGRESS:
        raise OperationError("LimitExceededException", "There are too many concurrent exports "
                             f"in progress: the limit is {export_jobs.MAX_IN_PROGRESS}")
    started = aware_utc(now())
    export_id = aws_layout.new_export_id(started)
    export_arn = f"{table.table_arn}/export/{export_id}"
    past = params.get("ExportTime") is not None and hooks.history() is not None
    job = export_jobs.Export(
        records, export_arn, export_id, folder, prefix or None, table.table_arn,
        table_id(table), table.range_key_attr is not None,
        None if past else backup_calls.items_copy(table),
        export_jobs.past_reader(table.name, moment, invalid_export_time, window(table)[0])
        if past else None)
    description: dict[str, Any] = {
        "ExportArn": export_arn, "ExportStatus": export_jobs.IN_PROGRESS, "StartTime": started,
        "TableArn": table.table_arn, "TableId": table_id(table),
        "ExportTime": aware_utc(moment), "S3Bucket": bucket, "S3SseAlgorithm": "AES256",
        "ExportFormat": "DYNAMODB_JSON", "ExportType": "FULL_EXPORT",
        **{field: params[field] for field in ECHOED if params.get(field) is not None},
    }
    records[export_arn] = description  # journaled ("E"), then again when it is done
    export_jobs.submit(job)
    return pipeline.shaped_answer(call, {"ExportDescription": description})


def _moment(table: Any, params: dict[str, Any]) -> float:
    """The moment the export is of (InvalidExportTimeException outside the window)."""
    moment = now()
    if params.get("ExportTime") is None:
        return moment
    when = epoch(params["ExportTime"])
    earliest, _ = window(table)
    if not earliest <= when <= moment:
        raise invalid_export_time()
    return when
