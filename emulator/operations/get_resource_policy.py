"""GetResourcePolicy: the policy attached to a table or its stream, with its RevisionId;
PolicyNotFoundException when none is."""

from __future__ import annotations

from ddbkit.emulator.operations import resource_policy
from ddbkit.emulator.operations.call import Answer, Call, answer
from ddbkit.emulator.store import policies


def run(call: Call) -> Answer:
    target = resource_policy.resolve(call)
    policy = policies.get(target.table, target.arn)
    if policy is None:
        raise resource_policy.policy_not_found(target.arn)
    return answer({"Policy": policy.document, "RevisionId": policy.revision_id})
