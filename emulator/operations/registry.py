"""Which operations ddbkit runs itself: (service, operation) -> the module's `run`.

An operation listed here is never handed to moto's handler; one not listed still is, until
it moves (docs/emulator.md lists both).
"""

from __future__ import annotations

from collections.abc import Callable

from ddbkit.emulator.operations import (
    batch_get_item,
    describe_time_to_live,
    get_item,
    transact_get_items,
    update_time_to_live,
)
from ddbkit.emulator.operations.call import Answer, Call

Run = Callable[[Call], Answer]

_DYNAMODB = {
    "BatchGetItem": batch_get_item.run,
    "DescribeTimeToLive": describe_time_to_live.run,
    "GetItem": get_item.run,
    "TransactGetItems": transact_get_items.run,
    "UpdateTimeToLive": update_time_to_live.run,
}
_STREAMS: dict[str, Run] = {}

OPERATIONS: dict[tuple[str, str], Run] = {
    **{("dynamodb", name): run for name, run in _DYNAMODB.items()},
    **{("dynamodbstreams", name): run for name, run in _STREAMS.items()},
}


def lookup(service: str, operation: str) -> Run | None:
    return OPERATIONS.get((service, operation))
