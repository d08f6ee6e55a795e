"""DescribeTimeToLive: the table's TTL status, and its attribute while TTL is on."""

from __future__ import annotations

from ddbkit.emulator.operations import pipeline
from ddbkit.emulator.operations.call import Answer, Call, answer
from ddbkit.emulator.operations.update_time_to_live import DISABLED


def run(call: Call) -> Answer:
    ttl = dict(pipeline.resolve_table(call, call.params["TableName"]).ttl)
    if ttl.get("TimeToLiveStatus", DISABLED) == DISABLED:
        ttl = {"TimeToLiveStatus": DISABLED}
    return answer({"TimeToLiveDescription": ttl})
