"""Which operations ddbkit runs itself: (service, operation) -> the module's `run`.

An operation listed here is never handed to moto's handler; one not listed still is, until
it moves (docs/emulator.md lists both).
"""

from __future__ import annotations

from collections.abc import Callable

from ddbkit.emulator.operations import (
    delete_item,
    describe_time_to_live,
    put_item,
    update_time_to_live,
)
from ddbkit.emulator.operations.call import Answer, Call

Run = Callable[[Call], Answer]

_DYNAMODB = {
    "DeleteItem": delete_item.run,
    "DescribeTimeToLive": describe_time_to_live.run,
    "PutItem": put_item.run,
    "UpdateTimeToLive": update_time_to_live.run,
}
_STREAMS: dict[str, Run] = {}

OPERATIONS: dict[tuple[str, str], Run] = {
    **{("dynamodb", name): run for name, run in _DYNAMODB.items()},
    **{("dynamodbstreams", name): run for name, run in _STREAMS.items()},
}


def lookup(service: str, operation: str) -> Run | None:
    return OPERATIONS.get((service, operation))
