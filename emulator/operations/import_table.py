"""ImportTable: a new table filled from DYNAMODB_JSON files in a local folder standing in for
the bucket (`s3_folders`).

The data files are every object under `S3BucketSource.S3KeyPrefix` in the bucket's folder
that is not a manifest or checksum: an export's `AWSDynamoDB/<id>/data/`, or any folder of
`.json.gz` / `.json` DynamoDB JSON lines. The table gets `TableCreationParameters` (checked as
CreateTable checks them); each item goes through moto's put (its checks, and the journal: an
import is durable like any new table). As on AWS, an item that does not fit the table (no
key, a key of another type) is counted in ErrorCount and skipped; a missing bucket or prefix,
or a file that cannot be read, fails the import (ImportStatus FAILED, FailureCode,
FailureMessage) and leaves no table. It completes before the answer. Only InputFormat
DYNAMODB_JSON, InputCompressionType GZIP or NONE are read (CSV, ION and ZSTD are refused with
a ValidationException). moto read its own in-memory S3 from a thread.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from ddbkit.emulator.endpoint.rules import schema
from ddbkit.emulator.endpoint.wire import WireError
from ddbkit.emulator.operations import pipeline, warm_throughput
from ddbkit.emulator.operations.call import Answer, Call, OperationError, validation_error
from ddbkit.emulator.operations.record_puts import put_record
from ddbkit.emulator.operations.s3_folders import bucket_dir, prefix_path, table_id
from ddbkit.emulator.operations.timestamps import aware_utc
from ddbkit.emulator.store import backup_calls
from ddbkit.emulator.store.clock import now
from ddbkit.fixtures import aws_layout

NOT_DATA = ("manifest-", "_started")  # names of an export's files that hold no items


class ImportFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def run(call: Call) -> Answer:
    params, backend = call.params, pipeline.backend(call)
    check_format(params)
    creation: dict[str, Any] = params.get("TableCreationParameters") or {}
    name = creation.get("TableName")
    if backup_calls.table_named(backend, name) is not None:
        raise OperationError("ResourceInUseException", f"Table already exists: {name}")
    source = params.get("S3BucketSource") or {}
    folder, prefix = bucket_dir(source.get("S3Bucket")), prefix_path(source.get("S3KeyPrefix"))
    started = aware_utc(now())
    table_arn = f"arn:aws:dynamodb:{call.region}:{call.account_id}:table/{name}"
    description: dict[str, Any] = {
        "ImportArn": f"{table_arn}/import/{int(started.timestamp() * 1000):014d}-"
                     f"{secrets.token_hex(4)}",
        "TableArn": table_arn, "S3BucketSource": source, "InputFormat": "DYNAMODB_JSON",
        "InputCompressionType": params.get("InputCompressionType") or "NONE",
        "TableCreationParameters": creation, "StartTime": started,
        "ProcessedItemCount": 0, "ImportedItemCount": 0, "ErrorCount": 0,
    }
    if params.get("ClientToken") is not None:
        description["ClientToken"] = params["ClientToken"]
    _check_creation(creation)
    try:
        description.update(_import(backend, creation, folder, prefix), ImportStatus="COMPLETED")
    except ImportFailed as exc:
        description.update(ImportStatus="FAILED", FailureCode=exc.code, FailureMessage=str(exc))
    description["EndTime"] = aware_utc(now())
    backup_calls.import_records(backend)[description["ImportArn"]] = description  # ("I")
    return pipeline.shaped_answer(call, {"ImportTableDescription": description})


def _check_creation(creation: dict[str, Any]) -> None:
    """The new table's parameters, by CreateTable's rules (the endpoint checks a CreateTable
    before it runs; these arrive inside ImportTable's request)."""
    try:
        schema.create_table(creation)
    except WireError as exc:
        raise OperationError(exc.error_type, exc.message) from None
    warm_throughput.check(creation)


def check_format(params: dict[str, Any]) -> None:
    """The InputFormat and InputCompressionType the emulator reads (ImportTable's request,
    StartBulkPutItems' InputS3Configuration)."""
    if params.get("InputFormat") != "DYNAMODB_JSON":
        raise validation_error(f"InputFormat {params.get('InputFormat')} is not supported by "
                               "this emulator; use DYNAMODB_JSON")
    if params.get("InputCompressionType") not in (None, "GZIP", "NONE"):
        raise validation_error(f"InputCompressionType {params['InputCompressionType']} is not "
                               "supported by this emulator; use GZIP or NONE")


def _import(backend: Any, creation: dict[str, Any], folder: Path,
            prefix: str) -> dict[str, Any]:
    """The new table made and filled; its counts for the description. ImportFailed leaves
    no table behind."""
    files = data_files(folder, prefix)
    table = backup_calls.create_table(backend, creation)
    processed = imported = 0
    try:
        for path in files:
            for _, item in aws_layout.iter_data_records(path):
                processed += 1
                imported += put_record(table, item) is None  # AWS logs a misfit, goes on
    except aws_layout.LayoutError as exc:
        backup_calls.drop_table(backend, creation["TableName"])
        raise ImportFailed("InvalidDataFile", str(exc).replace(str(folder), "")) from exc
    return {"ProcessedItemCount": processed, "ImportedItemCount": imported,
            "ErrorCount": processed - imported, "TableId": table_id(table),
            "ProcessedSizeBytes": sum(p.stat().st_size for p in files)}


def data_files(folder: Path, prefix: str) -> list[Path]:
    """The objects under `prefix` in the bucket folder that hold items, in key order."""
    if not folder.is_dir():
        raise ImportFailed("S3NoSuchBucket", "The specified bucket does not exist")
    found = sorted(p for p in folder.rglob("*") if p.is_file()
                   and p.relative_to(folder).as_posix().startswith(prefix)
                   and not p.name.startswith(NOT_DATA) and not p.name.endswith((".md5", ".tmp")))
    if not found:
        raise ImportFailed("S3NoSuchKey", f"No objects found under the prefix {prefix!r}")
    return found
