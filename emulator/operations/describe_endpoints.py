"""DescribeEndpoints: the regional endpoint DynamoDB names, and how long clients cache it.

SDKs that discover endpoints read this; they are configured with this emulator's URL already,
so the answer is DynamoDB's regional name, as AWS gives it.
"""

from __future__ import annotations

from ddbkit.emulator.operations.call import Answer, Call
from ddbkit.emulator.operations.output import shaped_answer

CACHE_MINUTES = 1440  # a day, as DynamoDB answers


def run(call: Call) -> Answer:
    return shaped_answer(call, {"Endpoints": [
        {"Address": f"dynamodb.{call.region}.amazonaws.com",
         "CachePeriodInMinutes": CACHE_MINUTES}]})
