"""CancelBulkOperation: an operation IN_PROGRESS turns CANCELLING, and CANCELLED once its
worker stops at its next chunk (`bulk_jobs`); what it wrote stays. One already over is
answered as it is (a ValidationException would make a retried cancel fail).
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CancelBulkOperation.html
"""

from __future__ import annotations

from ddbkit.emulator.operations import bulk_jobs, pipeline
from ddbkit.emulator.operations.call import Answer, Call
from ddbkit.emulator.operations.describe_bulk_operation import described


def run(call: Call) -> Answer:
    description = described(call)
    arn = description["BulkOperationArn"]
    if description["BulkOperationStatus"] == bulk_jobs.IN_PROGRESS:
        description["BulkOperationStatus"] = bulk_jobs.CANCELLING
        pipeline.backend(call).bulk_operations[arn] = description
    return pipeline.shaped_answer(call, {"BulkOperationArn": arn,
                                         "BulkOperationStatus":
                                             description["BulkOperationStatus"]})
