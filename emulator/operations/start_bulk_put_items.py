"""StartBulkPutItems: the items of DYNAMODB_JSON files in a local bucket folder put into an
existing table, in the background (`bulk_jobs`); the answer is IN_PROGRESS.

The table is found by name or ARN (ResourceNotFoundException). The input is read as
ImportTable reads it (`import_table.check_format`: DYNAMODB_JSON, GZIP or NONE; ION and ZSTD
are refused); the output bucket defaults to the input's. A ClientToken repeated with the same
parameters answers the same operation; with others, IdempotentParameterMismatchException.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_StartBulkPutItems.html
"""

from __future__ import annotations

import secrets
from typing import Any

from ddbkit.emulator.operations import bulk_jobs, pipeline
from ddbkit.emulator.operations.call import Answer, Call, OperationError
from ddbkit.emulator.operations.import_table import check_format
from ddbkit.emulator.operations.s3_folders import bucket_dir, prefix_path, table_id
from ddbkit.emulator.operations.timestamps import aware_utc
from ddbkit.emulator.store.clock import now


def run(call: Call) -> Answer:
    params, backend = call.params, pipeline.backend(call)
    given = params.get("InputS3Configuration") or {}
    check_format(given)
    table = pipeline.resolve_table(call, params["TableName"])
    token = params.get("ClientToken")
    if token is not None and token in backend.bulk_requests:
        earlier, arn = backend.bulk_requests[token]
        if earlier != params:
            raise OperationError("IdempotentParameterMismatchException",
                                 "ClientToken was used with different parameters")
        return _answer(call, backend.bulk_operations[arn])
    output = params.get("OutputS3Configuration") or {}
    input_folder, input_prefix = bucket_dir(given.get("S3Bucket")), \
        prefix_path(given.get("S3KeyPrefix"))
    output_folder = bucket_dir(output.get("S3Bucket") or given.get("S3Bucket"))
    output_prefix = prefix_path(output.get("S3KeyPrefix"))
    started = aware_utc(now())
    operation_id = f"{int(started.timestamp() * 1000):014d}-{secrets.token_hex(4)}"
    arn = f"{table.table_arn}/bulk-operation/{operation_id}"
    description: dict[str, Any] = {
        "BulkOperationArn": arn, "BulkOperationStatus": bulk_jobs.IN_PROGRESS,
        "TableDetails": [{"TableName": table.table_arn, "TableId": table_id(table)}],
        "InputS3Configuration": given, "OutputS3Configuration": output, "StartTime": started,
        "ProcessedItemCount": 0, "FailedItemCount": 0, "ProcessedInputBytes": 0,
        "PerformanceTier": params.get("PerformanceTier") or "STANDARD"}
    if token is not None:
        description["ClientToken"] = token
        backend.bulk_requests[token] = (params, arn)
    if params.get("MaxWriteRequestUnits") is not None:
        description["MaxWriteRequestUnits"] = params["MaxWriteRequestUnits"]
    backend.bulk_operations[arn] = description
    bulk_jobs.submit(bulk_jobs.BulkPut(
        records=backend.bulk_operations, arn=arn, operation_id=operation_id,
        tables=backend.tables, table=table, input_folder=input_folder,
        input_prefix=input_prefix,
        errors_to=(bulk_jobs.errors_path(output_folder, output_prefix, operation_id)
                   if "ERROR" in (output.get("OutputType") or []) else None),
        max_units=params.get("MaxWriteRequestUnits")))
    return _answer(call, description)


def _answer(call: Call, description: dict[str, Any]) -> Answer:
    return pipeline.shaped_answer(call, {"BulkOperationDescription": description})
