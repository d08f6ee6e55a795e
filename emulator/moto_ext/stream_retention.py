"""Stream records are kept for 24 hours, as DynamoDB Streams keeps them, then trimmed.

moto's `StreamShard` (`moto.dynamodb.models.table`) keeps every record it is given for the
life of the process, stamped with the wall clock. Here each record is stamped with the store's
clock (`moto_ext.clock`, so tests can move time) and, once older than 24 hours, removed from
the front of the shard. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html#Streams.DataRetention

Sequence numbers stay stable: moto numbers a record `starting_sequence_number + index`, so
trimming k records also advances `starting_sequence_number` by k. It then names the oldest
record kept, which is what TRIM_HORIZON reads from and what DescribeStream reports. Positions
in a shard are therefore sequence numbers, never list indexes (`next_sequence_number`):
code that remembers where a shard ended and comes back to it (stream_records' update fold,
transactions' undo log) stays right when a trim ran in between. A position older than the oldest
record kept has been trimmed: GetShardIterator and GetRecords (`emulator/operations/`) answer
TrimmedDataAccessException for it.

Trimming runs lazily, where the store is touched anyway and under the store lock: when a
record is added to a shard and before each read of it (`stream_shards.stream`). No thread
is needed, and no shard is ever walked unless it is used: a shard written to trims as it goes,
one only read trims before it is read, and one left alone keeps what it had, which does not
grow. AWS says records older than 24 hours "are subject to trimming at any moment", so a trim
waits until the oldest record is a minute past the limit and then removes every record past
it at once: one list move a minute per busy shard, not one per write.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from moto.dynamodb.models.table import StreamShard

from ddbkit.emulator.moto_ext.clock import now as store_now
from ddbkit.emulator.moto_ext.store import require

RETENTION_SECONDS = 24 * 3600  # AWS: stream records are kept 24 hours
TRIM_SLACK_SECONDS = 60.0  # how far past the limit the oldest record may get before a trim
_CREATED = "ddbkit_created_at"  # a record's creation time on the store's clock


def created_at(record: Any) -> float | None:
    return getattr(record, _CREATED, None)


def next_sequence_number(shard: Any) -> int:
    """The sequence number the shard's next record will get: a position that a trim leaves
    where it is (a list length would move)."""
    return int(shard.starting_sequence_number) + len(shard.items)


def truncate(shard: Any, sequence_number: int) -> None:
    """Withdraw the records numbered `sequence_number` and later (a rolled-back write's)."""
    del shard.items[max(0, sequence_number - shard.starting_sequence_number):]


def trim(shard: Any, now: float) -> int:
    """Remove the records older than the retention period; returns how many."""
    items = shard.items
    if not items or not _past(items[0], now - RETENTION_SECONDS - TRIM_SLACK_SECONDS):
        return 0
    limit = now - RETENTION_SECONDS
    count = 0
    while count < len(items) and _past(items[count], limit):
        count += 1
    del items[:count]
    shard.starting_sequence_number += count
    return count


def _past(record: Any, limit: float) -> bool:
    created = created_at(record)
    return created is not None and created < limit


def _wrap_add(original: Any) -> Any:
    def add(self: StreamShard, old: Any, new: Any) -> None:
        before = len(self.items)
        original(self, old, new)
        now = store_now()
        stamp = datetime.fromtimestamp(now, UTC).replace(tzinfo=None)  # naive UTC, as moto's
        for record in self.items[before:]:
            setattr(record, _CREATED, now)
            record.record["dynamodb"]["ApproximateCreationDateTime"] = stamp
        trim(self, now)

    add.__wrapped__ = original  # type: ignore[attr-defined]
    return add


def install() -> None:
    require(StreamShard, "add", "get", "to_json")
    StreamShard.add = _wrap_add(StreamShard.add)  # type: ignore[method-assign]
