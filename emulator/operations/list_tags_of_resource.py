"""ListTagsOfResource: a table's tags, in the order they were first given.

All of them in one page: a table holds at most 50 tags, and DynamoDB does not page this list
(the service team, https://github.com/aws/aws-sdk/issues/583), so NextToken is never
answered and one given is ignored. A stream holds no tags: its ARN is ResourceNotFound.
"""

from __future__ import annotations

from ddbkit.emulator.operations import resource_arn
from ddbkit.emulator.operations.call import Answer, Call, not_found
from ddbkit.emulator.operations.output import shaped_answer


def run(call: Call) -> Answer:
    resource = resource_arn.resolve(call)
    if resource.stream:
        raise not_found("Requested resource not found")
    return shaped_answer(call, {"Tags": list(resource.table.tags)})
