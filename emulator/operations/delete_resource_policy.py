"""DeleteResourcePolicy: detaches the policy of a table or its stream.

Idempotent, as AWS's API reference says: with no policy attached it succeeds and answers no
RevisionId, unless an ExpectedRevisionId was given (PolicyNotFoundException). moto answered
ResourceNotFoundException there.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import resource_policy
from ddbkit.emulator.operations.call import Answer, Call, answer
from ddbkit.emulator.store import policies


def run(call: Call) -> Answer:
    target = resource_policy.resolve(call)
    resource_policy.check_expected(target, call.params.get("ExpectedRevisionId"))
    removed = policies.delete(target.table, target.arn)
    result: dict[str, Any] = {} if removed is None else {"RevisionId": removed.revision_id}
    return answer(result)
