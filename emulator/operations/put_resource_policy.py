"""PutResourcePolicy: attaches a resource-based policy to a table or its stream.

Idempotent: the same document again keeps its RevisionId; a new one replaces it with a new
RevisionId. ExpectedRevisionId (`NO_POLICY` for none) is checked first (resource_policy).
The document is kept as given: nothing here enforces it.
"""

from __future__ import annotations

from ddbkit.emulator.operations import resource_policy
from ddbkit.emulator.operations.call import Answer, Call, answer
from ddbkit.emulator.store import clock, policies


def run(call: Call) -> Answer:
    target = resource_policy.resolve(call)
    resource_policy.check_expected(target, call.params.get("ExpectedRevisionId"))
    policy = policies.put(target.table, target.arn, call.params["Policy"], clock.now())
    return answer({"RevisionId": policy.revision_id})
