"""UntagResource: removes tags from a table by key; a key it does not have is no error.

The ARN is checked as for TagResource (`resource_arn`); the endpoint's rules refused an
empty TagKeys. A stream's ARN is accepted and changes nothing. Journaled by the endpoint's
bracket.
"""

from __future__ import annotations

from ddbkit.emulator.operations import resource_arn
from ddbkit.emulator.operations.call import Answer, Call, answer


def run(call: Call) -> Answer:
    resource = resource_arn.resolve(call)
    removed = set(call.params["TagKeys"])
    if not resource.stream:
        resource.table.tags = [tag for tag in resource.table.tags if tag["Key"] not in removed]
    return answer({})
