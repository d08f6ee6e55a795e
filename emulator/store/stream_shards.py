"""A table's stream shard, held by ddbkit: its records for DynamoDB Streams' 24 hours.

A shard has an id, the sequence number it started at (`first_sequence`, kept in the table's
settings) and the records kept, numbered `start + index`: trimming k records from the front
advances `start` by k, so a sequence number names the same record for the shard's life and
a position is always a sequence number, never a list index. A closed shard (its stream was
disabled) takes no records and ends at its last one (`ending_sequence`).

Each record is one `bytes`: its GetRecords document encoded as the journal encodes it
(`durability.encoding`: blobs tagged, times in epoch seconds), about 1 KB for a 400-byte item
with both images. The newest records (up to `TAIL_BYTES`) are held in memory, so a trigger
or `tail` polling the end of the stream and the journal writing a request's records never
touch the disk; older ones are written, a batch at a time, to the shard's segment files
(`stream_spill`) and read back when asked for. In memory the shard keeps, for each record,
its creation time (which trimming reads), and for each one on disk its offset and length:
20 bytes a record, in `array`s. Records are reached only through `append`, `read`, `since`
and `snapshot`.

Trimming is lazy, as AWS allows ("subject to trimming at any moment" after 24 hours): it runs
when a record is added and before a read, once the oldest record is a minute past the limit,
and then removes every record past it at once.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html#Streams.DataRetention
"""

from __future__ import annotations

import logging
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, overload

from ddbkit.emulator.store import stream_spill
from ddbkit.emulator.store.stream_spill import Pinned, Segments

RETENTION_SECONDS = 24 * 3600  # AWS: stream records are kept 24 hours
TRIM_SLACK_SECONDS = 60.0  # how far past the limit the oldest record may get before a trim
MAX_READ_BYTES = 1 << 20  # AWS: GetRecords answers at most 1 MB
# Records held in memory at a shard's end: past this, the older half is written to disk.
TAIL_BYTES = 1 << 20
# moto 5.2.5's shard id and first sequence number, which every data dir so far holds.
SHARD_ID = "shardId-00000001541626099285-f35f62ef"
FIRST_SEQUENCE = 1100000000017454423009
log = logging.getLogger("ddbkit.streams")
_ATTRIBUTE = "stream_shard"  # where a table object holds its shard (`of`, `attach`)


class Shard:
    __slots__ = ("_disk", "_lengths", "_offsets", "_spill_at", "_tail", "_tail_bytes",
                 "_times", "closed", "created", "first_sequence", "shard_id", "start")

    def __init__(self, shard_id: str = SHARD_ID, created: float = 0.0,
                 first_sequence: int = FIRST_SEQUENCE) -> None:
        self.shard_id = shard_id
        self.created = created  # epoch seconds
        self.first_sequence = first_sequence  # the sequence number it started at
        self.start = first_sequence  # of the oldest record kept
        self.closed = False
        self._times = array("d")  # each record's creation time, epoch seconds
        # The oldest len(_offsets) records are on disk (`_disk`), the rest in `_tail`.
        self._offsets = array("q")
        self._lengths = array("I")
        self._tail: list[bytes] = []
        self._tail_bytes = 0
        self._spill_at = TAIL_BYTES  # higher after a failed spill (a full disk)
        self._disk: Segments | None = None  # made at the first spill

    def __len__(self) -> int:
        return len(self._times)

    def __deepcopy__(self, memo: dict[int, Any]) -> Shard:
        """The shard's identity without its records: a deep copy of a table (a backup's)
        and a backup holds no stream records (as on AWS), so none are kept alive by one."""
        copied = Shard(self.shard_id, self.created, self.first_sequence)
        copied.start, copied.closed = self.next_sequence, self.closed
        return copied

    @property
    def next_sequence(self) -> int:
        """The sequence number the next record gets (LATEST): a trim does not move it."""
        return self.start + len(self._times)

    @property
    def last_sequence(self) -> int | None:
        return self.next_sequence - 1 if self._times else None

    @property
    def ending_sequence(self) -> int | None:
        """A closed shard's last record's sequence number (None while open, or if empty)."""
        return self.last_sequence if self.closed else None

    @property
    def held_bytes(self) -> int:
        """The bytes of records held in memory (the newest ones)."""
        return self._tail_bytes

    def files(self) -> list[Path]:
        """The segment files holding its records on disk."""
        return self._disk.paths() if self._disk else []

    def close(self) -> None:
        self.closed = True

    def append(self, record: bytes, created: float) -> None:
        """The record numbered `next_sequence` (the caller wrote that number into it)."""
        self._tail.append(record)
        self._times.append(created)
        self._tail_bytes += len(record)
        if self._tail_bytes > self._spill_at:
            self._spill()

    def _spill(self) -> None:
        """Writes the tail's older records to disk in one write, keeping the newest half of
        `TAIL_BYTES` in memory. If the write fails (a full disk) they stay in memory, and
        the next try comes after another `TAIL_BYTES` of records."""
        tail, kept, count = self._tail, 0, len(self._tail)
        while count and kept + len(tail[count - 1]) <= TAIL_BYTES // 2:
            count -= 1
            kept += len(tail[count])
        if not count:
            return
        if self._disk is None:
            self._disk = Segments()
        batch = tail[:count]
        try:
            offset = self._disk.write(b"".join(batch))
        except OSError as exc:
            log.warning("ddbkit: stream records stay in memory: cannot write them to disk "
                        "(%s)", exc)
            self._spill_at = self._tail_bytes + TAIL_BYTES
            return
        for record in batch:
            self._offsets.append(offset)
            self._lengths.append(len(record))
            offset += len(record)
        del tail[:count]
        self._tail_bytes, self._spill_at = kept, TAIL_BYTES

    def place(self, sequence: int, record: bytes, created: float) -> bool:
        """A record replayed from the journal at its own sequence number: False when the
        shard already has it (appended twice after a failed fsync); the first record of an
        empty shard sets its start (those before it were trimmed). ValueError on a gap."""
        if sequence < self.next_sequence:
            return False
        if sequence > self.next_sequence:
            if self._times:
                raise ValueError(f"sequence number {self.next_sequence - 1} is followed by "
                                 f"{sequence}")
            self.start = sequence
        self.append(record, created)
        return True

    def reset(self, start: int) -> None:
        """Empty, the next record numbered `start` (a snapshot's stream)."""
        self.start = start
        self._times = array("d")
        self._offsets, self._lengths = array("q"), array("I")
        self._tail, self._tail_bytes, self._disk = [], 0, None

    def truncate(self, sequence: int) -> None:
        """Withdraw the records numbered `sequence` and later (a rolled-back write's)."""
        keep = max(0, sequence - self.start)
        spilled = len(self._offsets)
        if keep >= spilled:
            self._tail_bytes -= sum(map(len, self._tail[keep - spilled:]))
            del self._tail[keep - spilled:]
        else:  # their bytes stay in the segment file, unread, until it is dropped
            del self._offsets[keep:]
            del self._lengths[keep:]
            self._tail, self._tail_bytes = [], 0
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
        if not count:
            return 0
        spilled = len(self._offsets)
        del self._offsets[:count]
        del self._lengths[:count]
        if count > spilled:
            self._tail_bytes -= sum(map(len, self._tail[:count - spilled]))
            del self._tail[:count - spilled]
        del self._times[:count]
        self.start += count
        if self._disk is not None:  # whole segment files go
            if self._offsets:
                self._disk.drop_before(self._offsets[0])
            else:
                self._disk = None
        return count

    def read(self, sequence: int, limit: int, max_bytes: int = MAX_READ_BYTES) -> list[bytes]:
        """Up to `limit` records from `sequence` on (not before `start`), stopping before the
        one that would take them past `max_bytes` (at least one is read)."""
        first = max(0, sequence - self.start)
        end = min(len(self._times), first + limit)
        spilled, stop, size = len(self._offsets), first, 0
        while stop < end:  # the sizes are known without reading a record
            size += self._lengths[stop] if stop < spilled else len(self._tail[stop - spilled])
            if stop > first and size > max_bytes:
                break
            stop += 1
        return self._records(first, stop)

    def since(self, sequence: int) -> list[bytes]:
        """The records numbered `sequence` and later (what the journal has not written yet)."""
        return self._records(max(0, sequence - self.start), len(self._times))

    def snapshot(self) -> tuple[int, Records, Sequence[float]]:
        """(start, records, their creation times) as of now, safe to read unlocked: the
        records are read from disk as they are asked for (`Records`)."""
        return self.start, Records(self._disk.pinned() if self._disk else None,
                                   self._offsets[:], self._lengths[:],
                                   list(self._tail)), self._times[:]

    def _records(self, first: int, stop: int) -> list[bytes]:
        """The records at indexes [first, stop): from disk, then from the tail."""
        spilled = len(self._offsets)
        found: list[bytes] = []
        if first < min(stop, spilled):
            assert self._disk is not None
            found = stream_spill.read_records(self._disk, self._offsets[first:stop],
                                              self._lengths[first:stop])
        if stop > spilled:
            found += self._tail[max(first - spilled, 0):stop - spilled]
        return found


class Records(Sequence[bytes]):
    """A shard's records as of a `Shard.snapshot`: the bytes of those on disk are read when
    iterated (a batch at a time) or indexed, from segment files kept until this is dropped."""

    __slots__ = ("_disk", "_lengths", "_offsets", "_tail")

    def __init__(self, disk: Pinned | None, offsets: array[int], lengths: array[int],
                 tail: list[bytes]) -> None:
        self._disk, self._offsets, self._lengths, self._tail = disk, offsets, lengths, tail

    def __len__(self) -> int:
        return len(self._offsets) + len(self._tail)

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> Records: ...

    def __getitem__(self, index: int | slice) -> bytes | Records:
        if isinstance(index, slice):
            first, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("records are sliced only in order")
            stop, spilled = max(first, stop), len(self._offsets)
            return Records(self._disk, self._offsets[min(first, spilled):min(stop, spilled)],
                           self._lengths[min(first, spilled):min(stop, spilled)],
                           self._tail[max(first - spilled, 0):max(stop - spilled, 0)])
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError("record index out of range")
        return next(iter(self[position:position + 1]))

    def __iter__(self) -> Iterator[bytes]:
        offsets, lengths, first = self._offsets, self._lengths, 0
        while first < len(offsets):
            assert self._disk is not None
            stop, size = first, 0
            while stop < len(offsets) and (stop == first or size < MAX_READ_BYTES):
                size += lengths[stop]
                stop += 1
            yield from stream_spill.read_records(self._disk, offsets[first:stop],
                                                 lengths[first:stop])
            first = stop
        yield from self._tail


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
