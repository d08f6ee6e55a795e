"""ListBulkOperations: the account's bulk operations in the order they started, MaxResults
a page (10 by default); NextToken is the next one's position, in hex as the model's pattern
wants it.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListBulkOperations.html
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call, validation_error

DEFAULT_LIMIT = 10


def run(call: Call) -> Answer:
    params = call.params
    descriptions = list(pipeline.backend(call).bulk_operations.values())
    first = _position(params.get("NextToken"))
    limit = params.get("MaxResults") or DEFAULT_LIMIT
    page = descriptions[first:first + limit]
    result: dict[str, Any] = {"BulkOperationsSummaryList": [
        {key: d[key] for key in ("BulkOperationArn", "BulkOperationStatus", "StartTime",
                                 "EndTime") if key in d} for d in page]}
    if first + limit < len(descriptions):
        result["NextToken"] = f"{first + limit:016x}"
    return pipeline.shaped_answer(call, result)


def _position(token: Any) -> int:
    if token is None:
        return 0
    try:
        return int(token, 16)
    except ValueError:
        raise validation_error("Invalid NextToken") from None
