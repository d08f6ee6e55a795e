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
(`stream_spill`) and read back when asked for. Each batch written begins with its records'
lengths and creation times; in memory the shard keeps 28 bytes a batch (`Batches`) and, for
the records in memory, their creation times: so a stream's memory is bounded by its tail,
not by the records it keeps for 24 hours (it was 20 bytes a record, 36 MB an hour at 500
writes a second). Records are reached only through `append`, `read`, `since` and
`snapshot`.

Trimming is lazy, as AWS allows ("subject to trimming at any moment" after 24 hours): it runs
when a record is added and before a read, once the oldest record is a minute past the limit,
and then removes every record past it at once.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html#Streams.DataRetention
"""

from __future__ import annotations

import logging
from array import array
from bisect import bisect_left, bisect_right
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
READ_RUN = 1000  # records on disk read per run while a snapshot's records are iterated
# moto 5.2.5's shard id and first sequence number, which every data dir so far holds.
SHARD_ID = "shardId-00000001541626099285-f35f62ef"
FIRST_SEQUENCE = 1100000000017454423009
log = logging.getLogger("ddbkit.streams")
_ATTRIBUTE = "stream_shard"  # where a table object holds its shard (`of`, `attach`)


class Shard:
    __slots__ = ("_batches", "_disk", "_front", "_spill_at", "_tail", "_tail_bytes",
                 "_tail_start", "_tail_times", "closed", "created", "first_sequence",
                 "shard_id", "start")

    def __init__(self, shard_id: str = SHARD_ID, created: float = 0.0,
                 first_sequence: int = FIRST_SEQUENCE) -> None:
        self.shard_id = shard_id
        self.created = created  # epoch seconds
        self.first_sequence = first_sequence  # the sequence number it started at
        self.start = first_sequence  # of the oldest record kept
        self.closed = False
        # The records from `start` to `_tail_start` are on disk, in `_batches`; the rest,
        # to `next_sequence`, in `_tail`, with their creation times.
        self._batches = Batches(first_sequence)
        self._tail_start = first_sequence
        self._tail: list[bytes] = []
        self._tail_times = array("d")
        self._tail_bytes = 0
        self._front: float | None = None  # the oldest record's creation time (trim reads it)
        self._spill_at = TAIL_BYTES  # higher after a failed spill (a full disk)
        self._disk: Segments | None = None  # made at the first spill

    def __len__(self) -> int:
        return self.next_sequence - self.start

    def __deepcopy__(self, memo: dict[int, Any]) -> Shard:
        """The shard's identity without its records: a deep copy of a table (a backup's)
        and a backup holds no stream records (as on AWS), so none are kept alive by one."""
        copied = Shard(self.shard_id, self.created, self.first_sequence)
        copied.reset(self.next_sequence)
        copied.closed = self.closed
        return copied

    @property
    def next_sequence(self) -> int:
        """The sequence number the next record gets (LATEST): a trim does not move it."""
        return self._tail_start + len(self._tail)

    @property
    def last_sequence(self) -> int | None:
        return self.next_sequence - 1 if len(self) else None

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
        if not len(self):
            self._front = created
        self._tail.append(record)
        self._tail_times.append(created)
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
        lengths = array("I", map(len, tail[:count]))
        times = self._tail_times[:count]
        try:
            offset = self._disk.write(lengths.tobytes() + times.tobytes() +
                                      b"".join(tail[:count]))
        except OSError as exc:
            log.warning("ddbkit: stream records stay in memory: cannot write them to disk "
                        "(%s)", exc)
            self._spill_at = self._tail_bytes + TAIL_BYTES
            return
        self._batches.add(self._tail_start, offset, count, times[-1])
        del tail[:count]
        del self._tail_times[:count]
        self._tail_start += count
        self._tail_bytes, self._spill_at = kept, TAIL_BYTES

    def place(self, sequence: int, record: bytes, created: float) -> bool:
        """A record replayed from the journal at its own sequence number: False when the
        shard already has it (appended twice after a failed fsync); the first record of an
        empty shard sets its start (those before it were trimmed). ValueError on a gap."""
        if sequence < self.next_sequence:
            return False
        if sequence > self.next_sequence:
            if len(self):
                raise ValueError(f"sequence number {self.next_sequence - 1} is followed by "
                                 f"{sequence}")
            self.reset(sequence)
        self.append(record, created)
        return True

    def reset(self, start: int) -> None:
        """Empty, the next record numbered `start` (a snapshot's stream)."""
        self.start = self._tail_start = start
        self._batches = Batches(start)
        self._tail, self._tail_times, self._tail_bytes = [], array("d"), 0
        self._front, self._disk = None, None

    def truncate(self, sequence: int) -> None:
        """Withdraw the records numbered `sequence` and later (a rolled-back write's)."""
        sequence = max(sequence, self.start)
        if sequence >= self._tail_start:
            keep = sequence - self._tail_start
            self._tail_bytes -= sum(map(len, self._tail[keep:]))
            del self._tail[keep:]
            del self._tail_times[keep:]
        else:  # their bytes stay in the segment file, unread, until it is dropped
            self._batches.cut(sequence)
            self._tail, self._tail_times, self._tail_bytes = [], array("d"), 0
            self._tail_start = sequence
        if not len(self):
            self._front = None

    def trim(self, now: float, retention: float = RETENTION_SECONDS,
             slack: float = TRIM_SLACK_SECONDS) -> int:
        """Remove the records older than `retention` once the oldest is `slack` past it;
        returns how many."""
        if self._front is None or self._front >= now - retention - slack:
            return 0
        return self.trim_before(now - retention)

    def trim_before(self, horizon: float) -> int:
        """Remove every record created before `horizon` (epoch seconds); returns how many."""
        before = self.start
        if self._disk is not None:
            self.start = self._batches.first_at(self._disk, self.start, self._tail_start,
                                                horizon)
            if self.start >= self._tail_start:  # none left on disk: its files go
                self._batches, self._disk = Batches(self._tail_start), None
            else:  # whole segment files go
                self._batches.drop_before(self.start)
                self._disk.drop_before(self._batches.offset(0))
        if self.start >= self._tail_start:  # none left on disk: the tail's oldest may go
            count = bisect_left(self._tail_times, horizon)  # times only grow along a shard
            self._tail_bytes -= sum(map(len, self._tail[:count]))
            del self._tail[:count]
            del self._tail_times[:count]
            self.start = self._tail_start = self._tail_start + count
        self._front = self._oldest_time()
        return self.start - before

    def _oldest_time(self) -> float | None:
        if not len(self):
            return None
        if self.start < self._tail_start:
            assert self._disk is not None
            return self._batches.time_of(self._disk, self.start)
        return self._tail_times[self.start - self._tail_start]

    def read(self, sequence: int, limit: int, max_bytes: int = MAX_READ_BYTES) -> list[bytes]:
        """Up to `limit` records from `sequence` on (not before `start`), stopping before the
        one that would take them past `max_bytes` (at least one is read)."""
        first = max(sequence, self.start)
        end = min(self.next_sequence, first + max(limit, 0))
        offsets, lengths = self._places(first, min(end, self._tail_start))
        tail = self._tail[max(first - self._tail_start, 0):max(end - self._tail_start, 0)]
        count, size = 0, 0
        for length in [*lengths, *map(len, tail)]:  # the sizes, known without reading
            size += length
            if count and size > max_bytes:
                break
            count += 1
        on_disk = min(count, len(offsets))
        found = stream_spill.read_records(self._disk, offsets[:on_disk], lengths[:on_disk]) \
            if on_disk and self._disk is not None else []
        return found + tail[:count - on_disk]

    def since(self, sequence: int) -> list[bytes]:
        """The records numbered `sequence` and later (what the journal has not written yet)."""
        return self._records(max(sequence, self.start), self.next_sequence)

    def snapshot(self) -> tuple[int, Records]:
        """(start, records) as of now, safe to read unlocked: the records are read from disk
        as they are asked for (`Records`)."""
        return self.start, Records(self._disk.pinned() if self._disk else None,
                                   self._batches.copy(), self.start, self._tail_start,
                                   list(self._tail), self._tail_times[:])

    def _places(self, first: int, stop: int) -> tuple[array[int], array[int]]:
        """Offsets and lengths on disk of the records numbered [first, stop)."""
        if first >= stop or self._disk is None:
            return array("q"), array("I")
        return self._batches.places(self._disk, first, stop, self._tail_start)

    def _records(self, first: int, stop: int) -> list[bytes]:
        """The records numbered [first, stop): from disk, then from the tail."""
        found: list[bytes] = []
        offsets, lengths = self._places(first, min(stop, self._tail_start))
        if offsets:
            assert self._disk is not None
            found = stream_spill.read_records(self._disk, offsets, lengths)
        if stop > self._tail_start:
            found += self._tail[max(first - self._tail_start, 0):stop - self._tail_start]
        return found


class Batches:
    """Where a shard's records on disk are: per batch written (`Shard._spill`: half a MB,
    hundreds of records), its first record's sequence number, its file offset, its count
    and its newest record's time, 28 bytes in memory. A batch begins with its records'
    lengths (4 bytes each) and creation times (8 bytes each), read back when its records are
    (`header`); so memory does not grow with the records kept, only with their batches."""

    __slots__ = ("_base", "_counts", "_firsts", "_newest", "_offsets")

    def __init__(self, base: int) -> None:
        self._base = base  # sequence numbers outgrow 64 bits: kept as `_base` + an int64
        self._firsts, self._offsets = array("q"), array("q")
        self._counts, self._newest = array("I"), array("d")

    def copy(self) -> Batches:
        copied = Batches(self._base)
        copied._firsts, copied._offsets = self._firsts[:], self._offsets[:]
        copied._counts, copied._newest = self._counts[:], self._newest[:]
        return copied

    def add(self, first: int, offset: int, count: int, newest: float) -> None:
        self._firsts.append(first - self._base)
        self._offsets.append(offset)
        self._counts.append(count)
        self._newest.append(newest)

    def first(self, batch: int) -> int:
        return self._base + self._firsts[batch]

    def offset(self, batch: int) -> int:
        return self._offsets[batch]

    def of(self, sequence: int) -> int:
        """The batch holding the record numbered `sequence`."""
        return bisect_right(self._firsts, sequence - self._base) - 1

    def header(self, disk: Segments | Pinned, batch: int) -> tuple[array[int], array[float]]:
        """The batch's records' lengths and creation times, read from its file."""
        count = self._counts[batch]
        (raw,) = stream_spill.read_records(disk, [self._offsets[batch]], [12 * count])
        lengths, times = array("I"), array("d")
        lengths.frombytes(raw[:4 * count])
        times.frombytes(raw[4 * count:])
        return lengths, times

    def places(self, disk: Segments | Pinned, first: int, stop: int,
               end: int) -> tuple[array[int], array[int]]:
        """Offsets and lengths of the records numbered [first, stop) (all on disk, before
        `end`, where the records on disk end)."""
        offsets, lengths = array("q"), array("I")
        batch = self.of(first)
        while batch < len(self._firsts) and self.first(batch) < stop:
            sizes = self.header(disk, batch)[0]
            at = self._offsets[batch] + 12 * len(sizes)
            begin, limit = self.first(batch), min(stop, end, self._end_of(batch, end))
            for number, size in enumerate(sizes):
                if first <= begin + number < limit:
                    offsets.append(at)
                    lengths.append(size)
                at += size
            batch += 1
        return offsets, lengths

    def _end_of(self, batch: int, end: int) -> int:
        """Where the batch's records end: the next batch's first (a truncation may have cut
        it short, and records written after it follow on), or `end` for the last."""
        return self.first(batch + 1) if batch + 1 < len(self._firsts) else end

    def time_of(self, disk: Segments | Pinned, sequence: int) -> float:
        batch = self.of(sequence)
        return self.header(disk, batch)[1][sequence - self.first(batch)]

    def first_at(self, disk: Segments | Pinned, start: int, end: int, horizon: float) -> int:
        """The first record from `start` on (before `end`) created at or after `horizon`;
        `end` when none on disk is."""
        batch = max(self.of(start), bisect_left(self._newest, horizon))  # newest < horizon:
        while batch < len(self._firsts):                                  # all of it is older
            begin = max(self.first(batch), start)
            stop = min(self._end_of(batch, end), end)
            if begin >= stop:
                break
            times = self.header(disk, batch)[1]
            found = bisect_left(times, horizon, begin - self.first(batch),
                                stop - self.first(batch))
            if found < stop - self.first(batch):
                return self.first(batch) + found
            batch += 1
        return end

    def drop_before(self, sequence: int) -> None:
        """Forgets the batches whose records all come before `sequence`."""
        count = self.of(sequence)
        if count > 0:
            for kept in (self._firsts, self._offsets, self._counts, self._newest):
                del kept[:count]

    def cut(self, sequence: int) -> None:
        """Forgets the batches beginning at `sequence` or later (a truncation)."""
        keep = bisect_left(self._firsts, sequence - self._base)
        for kept in (self._firsts, self._offsets, self._counts, self._newest):
            del kept[keep:]


class Records(Sequence[bytes]):
    """A shard's records as of a `Shard.snapshot`, numbered from 0: the bytes of those on
    disk are read when iterated (a batch at a time), from segment files kept until this is
    dropped."""

    __slots__ = ("_batches", "_disk", "_end", "_start", "_tail", "_times")

    def __init__(self, disk: Pinned | None, batches: Batches, start: int, end: int,
                 tail: list[bytes], times: array[float]) -> None:
        """`end`: where the records on disk end and `tail` (created at `times`) begins."""
        self._disk, self._batches, self._start, self._end = disk, batches, start, end
        self._tail, self._times = tail, times

    def __len__(self) -> int:
        return self._end - self._start + len(self._tail)

    def first_at(self, horizon: float) -> int:
        """The index of the first record created at or after `horizon` (`len` if none)."""
        if self._disk is not None and self._start < self._end:
            found = self._batches.first_at(self._disk, self._start, self._end, horizon)
            if found < self._end:
                return found - self._start
        return self._end - self._start + bisect_left(self._times, horizon)

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> Records: ...

    def __getitem__(self, index: int | slice) -> bytes | Records:
        if isinstance(index, slice):
            first, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("records are sliced only in order")
            stop = max(first, stop)
            on_disk = self._end - self._start
            if stop <= on_disk:  # all on disk: its end moves in
                return Records(self._disk, self._batches, self._start + first,
                               self._start + stop, [], array("d"))
            return Records(self._disk, self._batches, self._start + min(first, on_disk),
                           self._end, self._tail[max(first - on_disk, 0):stop - on_disk],
                           self._times[max(first - on_disk, 0):stop - on_disk])
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError("record index out of range")
        return next(iter(self[position:position + 1]))

    def __iter__(self) -> Iterator[bytes]:
        first = self._start
        while first < self._end:
            assert self._disk is not None
            offsets, lengths = self._batches.places(self._disk, first,
                                                    min(first + READ_RUN, self._end), self._end)
            yield from stream_spill.read_records(self._disk, offsets, lengths)
            first += READ_RUN
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
