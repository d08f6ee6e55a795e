"""TagResource: adds tags to a table; a key it already has takes the new value.

The endpoint's rules checked the tags themselves first (at least one, keys 1-128 and values
0-256 characters by the API model, AWS's character set, no `aws:` prefix, no key twice:
`endpoint/rules/tags.py`). Here: the ARN (`resource_arn`), then DynamoDB's limit of 50 tags
per table, counting the keys it already has. A stream's ARN is accepted and tags nothing
(tags belong to tables), as before this operation moved. Journaled by the endpoint's bracket.
"""

from __future__ import annotations

from ddbkit.emulator.operations import resource_arn
from ddbkit.emulator.operations.call import Answer, Call, answer, validation_error

MAX_TAGS = 50  # per table: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
TOO_MANY = "Number of Tags exceed the current limit for the provided ResourceArn"


def run(call: Call) -> Answer:
    resource = resource_arn.resolve(call)
    tags = {tag["Key"]: tag["Value"] for tag in resource.table.tags}
    tags.update((tag["Key"], tag["Value"]) for tag in call.params["Tags"])
    if len(tags) > MAX_TAGS:
        raise validation_error(TOO_MANY)
    if not resource.stream:
        resource.table.tags = [{"Key": key, "Value": value} for key, value in tags.items()]
    return answer({})
