"""ExecuteStatement: one PartiQL statement, run as the item operation it stands for
(operations/statements.py); a SELECT answers a page of Limit evaluated items (or 1 MB) and a
NextToken that continues it, valid for the same statement and parameters only."""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import statements
from ddbkit.emulator.operations.call import Answer, Call, answer

OPTIONS = ("ReturnConsumedCapacity", "Limit", "ConsistentRead",
           "ReturnValuesOnConditionCheckFailure")


def run(call: Call) -> Answer:
    params = call.params
    statement = statements.prepare(params.get("Statement"), params.get("Parameters"))
    options = {name: params[name] for name in OPTIONS if name in params}
    options["ExclusiveStartKey"] = statements.start_key(params)
    outcome = statements.run(call, statement, options)
    result: dict[str, Any] = {"Items": outcome.items}
    if outcome.next_key is not None:
        result["NextToken"] = statements.next_token(params, outcome.next_key)
    if outcome.consumed is not None:
        result["ConsumedCapacity"] = outcome.consumed
    return answer(result)
