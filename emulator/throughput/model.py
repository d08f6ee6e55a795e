"""DynamoDB's on-demand throughput, modelled per partition, so hot keys throttle offline.

AWS developer guide ("On-demand capacity mode", "Partitions", "Throttling"):
- a new on-demand table (and each GSI) serves its warm throughput at once: 12,000 read and
  4,000 write units a second here (spec.WARM_*), i.e. 4 partitions;
- each partition serves up to 3,000 read and 1,000 write units a second; unused capacity is
  kept for up to 300 s (burst); a partition starts with one second's worth;
- partition key values are hashed to partitions (a key's whole hash range maps to one, so one
  hot key value is limited to one partition whatever the table's size);
- on-demand grows to double the previous peak: once the busiest second a table or index has
  served asks for more partitions than it has, they split (each in two, the hash ranges
  halved) until two peaks fit; splits are immediate here (AWS: within 30 minutes);
- a GSI partition that cannot absorb a write's index update throttles the base-table write.

A request is admitted when every partition it charges (meter.charges: table and each index,
reads and writes separately) holds the units; otherwise nothing is taken, the request is
undone (capacity/consumed_capacity.py) and answered with `ThrottlingException`, as AWS
answers on-demand tables, listing a `ThrottlingReason` per refused table or index
(`TableWriteKeyRangeThroughputExceeded`, `IndexWriteKeyRangeThroughputExceeded`, ...) with
its ARN. BatchWriteItem and BatchGetItem are admitted item by item, as AWS does: refused
items come back in UnprocessedItems / UnprocessedKeys, and only a batch refused whole is
throttled. State is per partition, never per key: memory is bounded by the partitions.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable
from typing import Any

from ddbkit.emulator.capacity.meter import Charge, Refused
from ddbkit.emulator.spec import WARM_READ_UNITS, WARM_WRITE_UNITS
from ddbkit.emulator.store.clock import Clock
from ddbkit.emulator.throughput.buckets import TokenBucket

PARTITION_UNITS = (3000.0, 1000.0)  # read, write units a second per partition
BURST_SECONDS = 300.0
MAX_PARTITIONS = 4096
MAX_RESOURCES = 1024
MESSAGE = ("Throughput exceeds the current capacity of your table or index. DynamoDB is "
           "automatically scaling your table or index so please try again shortly. If "
           "exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/"
           "amazondynamodb/latest/developerguide/bp-partition-key-design.html")
MODELS = ("on-demand",)


class Throttled(Refused):
    """A request the model refused, answered as on-demand DynamoDB does."""

    error_type = "ThrottlingException"

    def __init__(self, reasons: list[dict[str, str]]) -> None:
        super().__init__(MESSAGE, reasons)

    def fields(self) -> dict[str, Any]:
        return {"throttlingReasons": self.reasons}


def _partitions_for(read_units: float, write_units: float) -> int:
    return max(1, math.ceil(read_units / PARTITION_UNITS[0]),
               math.ceil(write_units / PARTITION_UNITS[1]))


def key_hash(value: Any) -> int:
    """A stable 32-bit hash of a partition key value (a `Key`, its DynamoDB JSON, or
    plain): a key and its document hash alike."""
    if isinstance(value, dict) and len(value) == 1:
        ((kind, inner),) = value.items()
    else:
        kind, inner = (value.type, value.value) if hasattr(value, "type") else ("", value)
    raw = inner if isinstance(inner, bytes) else str(inner).encode()
    return zlib.crc32(kind.encode() + b":" + raw)


class Resource:
    """A table or one GSI: its partitions' buckets, its busiest second, its counters."""

    def __init__(self, arn: str, is_index: bool, now: float) -> None:
        self.arn = arn
        self.label = "Index" if is_index else "Table"
        self.count = _partitions_for(WARM_READ_UNITS, WARM_WRITE_UNITS)
        self.buckets = [self._pair(now) for _ in range(self.count)]
        self.second = math.floor(now)
        self.this_second = [0.0, 0.0]
        self.peak = [0.0, 0.0]
        self.consumed = [0.0, 0.0]
        self.throttled = 0

    @staticmethod
    def _pair(now: float) -> tuple[TokenBucket, TokenBucket]:
        return (TokenBucket(PARTITION_UNITS[0], BURST_SECONDS, now),
                TokenBucket(PARTITION_UNITS[1], BURST_SECONDS, now))

    def partition(self, value: Any) -> int:
        return (key_hash(value) * self.count) >> 32

    def bucket(self, partition: int, write: bool) -> TokenBucket:
        return self.buckets[partition][1 if write else 0]

    def record(self, units: float, write: bool, now: float) -> None:
        self._roll(now)
        self.this_second[write] += units
        self.consumed[write] += units

    def _roll(self, now: float) -> None:
        second = math.floor(now)
        if second <= self.second:
            return
        self.peak = [max(p, u) for p, u in zip(self.peak, self.this_second, strict=True)]
        self.this_second = [0.0, 0.0]
        self.second = second
        needed = min(MAX_PARTITIONS, _partitions_for(2 * self.peak[0], 2 * self.peak[1]))
        while self.count < needed:
            self.buckets = [half for pair in self.buckets for half in (pair, self._split(pair))]
            self.count *= 2

    @staticmethod
    def _split(pair: tuple[TokenBucket, TokenBucket]) -> tuple[TokenBucket, TokenBucket]:
        twins = []
        for bucket in pair:
            twin = TokenBucket(bucket.rate, BURST_SECONDS, bucket.stamp)
            twin.tokens = bucket.tokens
            twins.append(twin)
        return twins[0], twins[1]

    def stats(self) -> dict[str, Any]:
        return {"partitions": self.count, "consumed_read_units": self.consumed[0],
                "consumed_write_units": self.consumed[1], "peak_read_units": self.peak[0],
                "peak_write_units": self.peak[1], "throttled_requests": self.throttled}


class OnDemandModel:
    """The admission check of every metered request (consumed_capacity.admission)."""

    def __init__(self, region: str, account_id: str, clock: Clock) -> None:
        self.prefix = f"arn:aws:dynamodb:{region}:{account_id}:table/"
        self.clock = clock
        self.resources: dict[tuple[str, str | None], Resource] = {}

    def _resource(self, table: str, index: str | None, now: float) -> Resource:
        found = self.resources.get((table, index))
        if found is None:
            if len(self.resources) >= MAX_RESOURCES:  # deleted tables' leftovers
                self.resources.pop(next(iter(self.resources)))
            arn = self.prefix + table + (f"/index/{index}" if index else "")
            found = self.resources[(table, index)] = Resource(arn, index is not None, now)
        return found

    def __call__(self, charges: Iterable[Charge]) -> None:
        self.admit(charges)

    def admit(self, charges: Iterable[Charge]) -> None:
        now = self.clock()
        wanted: dict[tuple[Resource, int, bool], float] = {}
        for charge in charges:
            if charge.units <= 0:
                continue
            resource = self._resource(charge.table, charge.index, now)
            resource.record(0.0, charge.write, now)  # splits due since the last request
            if charge.partition is None:  # a Scan reads every partition
                for partition in range(resource.count):
                    key = (resource, partition, charge.write)
                    wanted[key] = wanted.get(key, 0.0) + charge.units / resource.count
            else:
                key = (resource, resource.partition(charge.partition), charge.write)
                wanted[key] = wanted.get(key, 0.0) + charge.units
        refused = {(resource, write) for (resource, partition, write), units in wanted.items()
                   if not resource.bucket(partition, write).can_take(units, now)}
        if refused:
            for resource in {resource for resource, _ in refused}:
                resource.throttled += 1
            raise Throttled([{"reason": f"{r.label}{'Write' if w else 'Read'}"
                                        "KeyRangeThroughputExceeded", "resource": r.arn}
                             for r, w in sorted(refused, key=lambda rw: (rw[0].arn, rw[1]))])
        for (resource, partition, write), units in wanted.items():
            resource.bucket(partition, write).take(units)
            resource.record(units, write, now)

    def stats(self) -> dict[str, Any]:
        return {resource.arn: resource.stats() for resource in self.resources.values()}
