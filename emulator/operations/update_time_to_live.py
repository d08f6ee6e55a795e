"""UpdateTimeToLive: turns TTL on (naming the attribute) or off for a table.

DynamoDB refuses enabling TTL that is already on, and disabling it when it is off
(ValidationException, nothing changes); moto accepted both.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call, answer, validation_error

ENABLED, DISABLED = "ENABLED", "DISABLED"


def run(call: Call) -> Answer:
    spec: dict[str, Any] = call.params["TimeToLiveSpecification"]
    table = pipeline.resolve_table(call, call.params["TableName"])
    if "Enabled" not in spec or "AttributeName" not in spec:  # the model makes both required
        raise validation_error(
            "TimeToLiveSpecification does not contain Enabled and AttributeName")
    enabled = table.ttl.get("TimeToLiveStatus") == ENABLED
    if spec["Enabled"] == enabled:
        raise validation_error(f"TimeToLive is already {'enabled' if enabled else 'disabled'}")
    # Disabled TTL keeps no attribute name: DescribeTimeToLive then shows only the status.
    table.ttl = ({"TimeToLiveStatus": ENABLED, "AttributeName": spec["AttributeName"]}
                 if spec["Enabled"] else {"TimeToLiveStatus": DISABLED})
    return answer({"TimeToLiveSpecification": spec})
