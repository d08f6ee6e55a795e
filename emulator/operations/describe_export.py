"""DescribeExport: an export's description, as ExportTableToPointInTime answered it."""

from __future__ import annotations

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call, OperationError
from ddbkit.emulator.store import backup_calls


def run(call: Call) -> Answer:
    arn = call.params["ExportArn"]
    description = backup_calls.export_records(pipeline.backend(call)).get(arn)
    if not isinstance(description, dict):
        raise OperationError("ExportNotFoundException", f"Export not found: {arn}")
    return pipeline.shaped_answer(call, {"ExportDescription": description})
