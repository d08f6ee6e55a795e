"""Which operations ddbkit runs itself: (service, operation) -> the module's `run`.

An operation listed here is never handed to moto's handler; one not listed still is, until
it moves (docs/emulator.md lists both).
"""

from __future__ import annotations

from collections.abc import Callable

from ddbkit.emulator.operations import (
    describe_stream,
    describe_time_to_live,
    get_records,
    get_shard_iterator,
    list_streams,
    update_time_to_live,
)
from ddbkit.emulator.operations.call import Answer, Call

Run = Callable[[Call], Answer]

_DYNAMODB = {
    "DescribeTimeToLive": describe_time_to_live.run,
    "UpdateTimeToLive": update_time_to_live.run,
}
_STREAMS = {
    "DescribeStream": describe_stream.run,
    "GetRecords": get_records.run,
    "GetShardIterator": get_shard_iterator.run,
    "ListStreams": list_streams.run,
}

OPERATIONS: dict[tuple[str, str], Run] = {
    **{("dynamodb", name): run for name, run in _DYNAMODB.items()},
    **{("dynamodbstreams", name): run for name, run in _STREAMS.items()},
}


def lookup(service: str, operation: str) -> Run | None:
    return OPERATIONS.get((service, operation))
