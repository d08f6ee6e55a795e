"""A table's stream shard, held by ddbkit: its records for DynamoDB Streams' 24 hours.

A shard has an id, the sequence number it started at (`first_sequence`, kept in the table's
settings) and the records kept, numbered `start + index`: trimming k records from the front
advances `start` by k, so a sequence number names the same record for the shard's life and
a position is always a sequence number, never a list index. A closed shard (its stream was
disabled) takes no records and ends at its last one (`ending_sequence`).

Each record is held as one `bytes`: its GetRecords document encoded as the journal encodes it
(`durability.encoding`: blobs tagged, times in epoch seconds), about 1 KB for a 400-byte item
with both images, where moto's record objects held ~6 KB. Besides the records the shard keeps
only their creation times (an `array` of doubles), which is all trimming reads. Records are
reached only through `append`, `read`, `since` and `snapshot`, so they can later move to disk
(the journal already holds each one) with only the times and offsets kept in memory.

Trimming is lazy, as AWS allows ("subject to trimming at any moment" after 24 hours): it runs
when a record is added and before a read, once the oldest record is a minute past the limit,
and then removes every record past it at once.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html#Streams.DataRetention
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from typing import Any

RETENTION_SECONDS = 24 * 3600  # AWS: stream records are kept 24 hours
TRIM_SLACK_SECONDS = 60.0  # how far past the limit the oldest record may get before a trim
MAX_READ_BYTES = 1 << 20  # AWS: GetRecords answers at most 1 MB
# moto 5.2.5's shard id and first sequence number, which every data dir so far holds.
SHARD_ID = "shardId-00000001541626099285-f35f62ef"
FIRST_SEQUENCE = 1100000000017454423009
_ATTRIBUTE = "stream_shard"  # where a table object holds its shard (`of`, `attach`)


class Shard:
    __slots__ = ("_records", "_times", "closed", "created", "first_sequence", "shard_id",
                 "start")

    def __init__(self, shard_id: str = SHARD_ID, created: float = 0.0,
                 first_sequence: int = FIRST_SEQUENCE) -> None:
        self.shard_id = shard_id
        self.created = created  # epoch seconds
        self.first_sequence = first_sequence  # the sequence number it started at
        self.start = first_sequence  # of the oldest record kept
        self.closed = False
        self._records: list[bytes] = []
        self._times = array("d")  # each record's creation time, epoch seconds

    def __len__(self) -> int:
        return len(self._records)

    def __deepcopy__(self, memo: dict[int, Any]) -> Shard:
        """The shard's identity without its records: a deep copy of a table (a backup's)
        and a backup holds no stream records (as on AWS), so none are kept alive by one."""
        copied = Shard(self.shard_id, self.created, self.first_sequence)
        copied.start, copied.closed = self.next_sequence, self.closed
        return copied

    @property
    def next_sequence(self) -> int:
        """The sequence number the next record gets (LATEST): a trim does not move it."""
        return self.start + len(self._records)

    @property
    def last_sequence(self) -> int | None:
        return self.next_sequence - 1 if self._records else None

    @property
    def ending_sequence(self) -> int | None:
        """A closed shard's last record's sequence number (None while open, or if empty)."""
        return self.last_sequence if self.closed else None

    def close(self) -> None:
        self.closed = True

    def append(self, record: bytes, created: float) -> None:
        """The record numbered `next_sequence` (the caller wrote that number into it)."""
        self._records.append(record)
        self._times.append(created)

    def place(self, sequence: int, record: bytes, created: float) -> bool:
        """A record replayed from the journal at its own sequence number: False when the
        shard already has it (appended twice after a failed fsync); the first record of an
        empty shard sets its start (those before it were trimmed). ValueError on a gap."""
        if sequence < self.next_sequence:
            return False
        if sequence > self.next_sequence:
            if self._records:
                raise ValueError(f"sequence number {self.next_sequence - 1} is followed by "
                                 f"{sequence}")
            self.start = sequence
        self.append(record, created)
        return True

    def reset(self, start: int) -> None:
        """Empty, the next record numbered `start` (a snapshot's stream)."""
        self.start = start
        self._records = []
        self._times = array("d")

    def truncate(self, sequence: int) -> None:
        """Withdraw the records numbered `sequence` and later (a rolled-back write's)."""
        keep = max(0, sequence - self.start)
        del self._records[keep:]
        del self._times[keep:]

    def trim(self, now: float, retention: float = RETENTION_SECONDS,
             slack: float = TRIM_SLACK_SECONDS) -> int:
        """Remove the records older than `retention` once the oldest is `slack` past it;
        returns how many."""
        times = self._times
        if not times or times[0] >= now - retention - slack:
            return 0
        return self.trim_before(now - retention)

    def trim_before(self, horizon: float) -> int:
        """Remove every record created before `horizon` (epoch seconds); returns how many."""
        count = bisect_left(self._times, horizon)  # times only grow along the shard
        if count:
            del self._records[:count]
            del self._times[:count]
            self.start += count
        return count

    def read(self, sequence: int, limit: int, max_bytes: int = MAX_READ_BYTES) -> list[bytes]:
        """Up to `limit` records from `sequence` on (not before `start`), stopping before the
        one that would take them past `max_bytes` (at least one is read)."""
        first = max(0, sequence - self.start)
        found: list[bytes] = []
        size = 0
        for record in self._records[first:first + limit]:
            size += len(record)
            if found and size > max_bytes:
                break
            found.append(record)
        return found

    def since(self, sequence: int) -> list[bytes]:
        """The records numbered `sequence` and later (what the journal has not written yet)."""
        return self._records[max(0, sequence - self.start):]

    def snapshot(self) -> tuple[int, list[bytes], list[float]]:
        """(start, records, their creation times) as of now: copies, safe to read unlocked."""
        return self.start, list(self._records), self._times.tolist()


def of(table: Any) -> Shard | None:
    """The table's current stream shard (an old, closed one while its stream is disabled)."""
    shard: Shard | None = getattr(table, _ATTRIBUTE, None)
    return shard


def attach(table: Any, shard: Shard | None) -> None:
    """Make `shard` the table's stream shard (None: the table has none)."""
    setattr(table, _ATTRIBUTE, shard)


def kept_attribute() -> str:
    """The attribute a table's settings update must leave in place (`store.settings`)."""
    return _ATTRIBUTE
