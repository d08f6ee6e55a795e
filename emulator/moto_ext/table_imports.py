"""ImportTable from a local folder standing in for the bucket, in AWS's DYNAMODB_JSON format.

Replaces moto's `DynamoHandler.import_table` and `describe_import` (moto reads its own
in-memory S3 from a thread) and adds `list_imports`, which moto lacks. The data files are every
object under `S3BucketSource.S3KeyPrefix` in the bucket's folder (`s3_folders`) that is not a
manifest or checksum: point it at an export's `AWSDynamoDB/<id>/data/`, or at any folder of
`.json.gz` / `.json` DynamoDB JSON lines. The new table gets `TableCreationParameters`; each
item is written through moto's own put (its validation, and the journal: an import is
durable like any new table). As on AWS, an item that does not fit the table (no key, a key
of another type) is counted in ErrorCount and skipped; a file that cannot be read, or a
missing bucket or prefix, fails the import (ImportStatus FAILED, FailureCode and
FailureMessage) and creates no table. It completes before the answer.

Only InputFormat DYNAMODB_JSON with InputCompressionType GZIP or NONE is read (CSV, ION and
ZSTD are refused with a ValidationException).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.exceptions import (
    ERROR_TYPE_PREFIX,
    MockValidationException,
    ResourceInUseException,
)
from moto.dynamodb.responses import DynamoHandler, DynamoResult

from ddbkit.emulator.moto_ext.clock import now
from ddbkit.emulator.moto_ext.s3_folders import bucket_dir, prefix_path, table_id
from ddbkit.emulator.moto_ext.store import require
from ddbkit.emulator.moto_ext.table_exports import paged
from ddbkit.fixtures import aws_layout

PAGE_SIZE = 25  # ListImports' PageSize limit
NOT_DATA = ("manifest-", "_started")


class ImportNotFound(JsonRESTError):
    def __init__(self, arn: Any) -> None:
        super().__init__(ERROR_TYPE_PREFIX + "ImportNotFoundException", f"Import not found: {arn}")


class ImportFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


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


def _check_format(body: dict[str, Any]) -> None:
    if body.get("InputFormat") != "DYNAMODB_JSON":
        raise MockValidationException(f"InputFormat {body.get('InputFormat')} is not supported "
                                      "by this emulator; use DYNAMODB_JSON")
    if body.get("InputCompressionType") not in (None, "GZIP", "NONE"):
        raise MockValidationException(f"InputCompressionType {body['InputCompressionType']} "
                                      "is not supported by this emulator; use GZIP or NONE")


def _create(backend: Any, params: dict[str, Any]) -> Any:
    return backend.create_table(
        params["TableName"], schema=params["KeySchema"],
        throughput=params.get("ProvisionedThroughput"), attr=params["AttributeDefinitions"],
        global_indexes=params.get("GlobalSecondaryIndexes"), indexes=None, streams=None,
        billing_mode=params.get("BillingMode") or "PROVISIONED",
        sse_specification=params.get("SSESpecification"), tags=[],
        deletion_protection_enabled=False, warm_throughput=None)


def _load(table: Any, files: list[Path]) -> tuple[int, int, int]:
    """(processed, imported, errors) after putting every item of the files."""
    processed = imported = errors = 0
    for path in files:
        for _, item in aws_layout.iter_data_records(path):
            processed += 1
            try:
                table.put_item(item)
                imported += 1
            except (JsonRESTError, ValueError, TypeError, KeyError, AttributeError):
                errors += 1  # AWS logs the item to CloudWatch and goes on
    return processed, imported, errors


def import_table(self: DynamoHandler) -> DynamoResult:
    body: dict[str, Any] = self.body
    backend: Any = self.dynamodb_backend
    _check_format(body)
    params: dict[str, Any] = body.get("TableCreationParameters") or {}
    name: Any = params.get("TableName")
    if name in backend.tables:
        raise ResourceInUseException(f"Table already exists: {name}")
    source = body.get("S3BucketSource") or {}
    folder = bucket_dir(source.get("S3Bucket"))
    prefix = prefix_path(source.get("S3KeyPrefix"))
    started = datetime.fromtimestamp(now(), UTC)
    table_arn = f"arn:aws:dynamodb:{backend.region_name}:{backend.account_id}:table/{name}"
    description: dict[str, Any] = {
        "ImportArn": f"{table_arn}/import/{int(started.timestamp() * 1000):014d}-"
                     f"{secrets.token_hex(4)}",
        "TableArn": table_arn, "S3BucketSource": source, "InputFormat": "DYNAMODB_JSON",
        "InputCompressionType": body.get("InputCompressionType") or "NONE",
        "TableCreationParameters": params, "StartTime": started,
        "ProcessedItemCount": 0, "ImportedItemCount": 0, "ErrorCount": 0,
    }
    if body.get("ClientToken") is not None:
        description["ClientToken"] = body["ClientToken"]
    validate: Any = self._validate_table_creation  # moto's CreateTable checks
    validate(billing_mode=params.get("BillingMode"),
             throughput=params.get("ProvisionedThroughput"), key_schema=params.get("KeySchema"),
             global_indexes=params.get("GlobalSecondaryIndexes"), local_secondary_indexes=None,
             attr=params.get("AttributeDefinitions"), warm_throughput=None)
    try:
        files = data_files(folder, prefix)
        table = _create(backend, params)
        try:
            processed, imported, errors = _load(table, files)
        except aws_layout.LayoutError as exc:
            del backend.tables[name]  # nothing of a failed import stays
            raise ImportFailed("InvalidDataFile", str(exc).replace(str(folder), "")) from exc
        description.update(ImportStatus="COMPLETED", ProcessedItemCount=processed,
                           ImportedItemCount=imported, ErrorCount=errors,
                           TableId=table_id(table),
                           ProcessedSizeBytes=sum(p.stat().st_size for p in files))
    except ImportFailed as exc:
        description.update(ImportStatus="FAILED", FailureCode=exc.code,
                           FailureMessage=str(exc))
    description["EndTime"] = datetime.fromtimestamp(now(), UTC)
    backend.table_imports[description["ImportArn"]] = description
    return DynamoResult({"ImportTableDescription": description})


def describe_import(self: DynamoHandler) -> DynamoResult:
    arn = self.body.get("ImportArn")
    backend: Any = self.dynamodb_backend
    description = backend.table_imports.get(arn)
    if not isinstance(description, dict):
        raise ImportNotFound(arn)
    return DynamoResult({"ImportTableDescription": description})


SUMMARY_FIELDS = ("ImportArn", "ImportStatus", "TableArn", "S3BucketSource", "InputFormat",
                  "StartTime", "EndTime")


def list_imports(self: DynamoHandler) -> DynamoResult:
    body = self.body
    table_arn = body.get("TableArn")
    backend: Any = self.dynamodb_backend
    found = [d for d in backend.table_imports.values()
             if isinstance(d, dict) and table_arn in (None, d["TableArn"])]
    page, token = paged(found, "ImportArn", body.get("NextToken"),
                        int(body.get("PageSize") or PAGE_SIZE))
    result: dict[str, Any] = {"ImportSummaryList": [
        {k: d[k] for k in SUMMARY_FIELDS if k in d} for d in page]}
    if token:
        result["NextToken"] = token
    return DynamoResult(result)


def install() -> None:
    require(DynamoHandler, "import_table", "describe_import")
    handler: Any = DynamoHandler
    handler.import_table = import_table
    handler.describe_import = describe_import
    handler.list_imports = list_imports
