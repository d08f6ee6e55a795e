"""DescribeImport: an import's description, as ImportTable answered it."""

from __future__ import annotations

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call, OperationError
from ddbkit.emulator.store import backup_calls


def run(call: Call) -> Answer:
    arn = call.params["ImportArn"]
    description = backup_calls.import_records(pipeline.backend(call)).get(arn)
    if not isinstance(description, dict):
        raise OperationError("ImportNotFoundException", f"Import not found: {arn}")
    return pipeline.shaped_answer(call, {"ImportTableDescription": description})
