"""DescribeBulkOperation: a StartBulkPutItems operation's status and counts as they are now
(`bulk_jobs`); ResourceNotFoundException for an ARN that names none.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeBulkOperation.html
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call, not_found


def run(call: Call) -> Answer:
    return pipeline.shaped_answer(call, {"BulkOperationDescription": described(call)})


def described(call: Call) -> dict[str, Any]:
    """The description of the operation `BulkOperationArn` names."""
    arn = call.params["BulkOperationArn"]
    found = pipeline.backend(call).bulk_operations.get(arn)
    if found is None:
        raise not_found(f"Requested resource not found: Bulk operation: {arn} not found")
    return dict(found)
