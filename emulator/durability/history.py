"""Point-in-time history: a table's state as of a past moment, read back from the data dir.

The data dir is already a history: each snapshot holds every table from the moment its
journal segment began, and each journal record carries the time it was written. A table's
state at time T is a base (a snapshot complete by T, or nothing before the first segment)
with the segments after it replayed up to T, for that table alone, into a scratch store.

A snapshot is fuzzy until it completes: an item may be captured after T. So it serves as a
base only for times after its end record's `completed_at`; for earlier times the snapshot
before it does. Compaction serialises snapshots, so snapshot g is complete before segment
g+1 begins: its segment's successor's creation time bounds it from above.

Restores ask for whole seconds (AWS restores to "day:hour:minute:second"; the caller resolves
a moment to its second, `operations.past_tables`): the state at S is every record with
t <= S, which lets `history_merge` keep only the last change to an item within a second
(the window's very first second may resolve to its fractional start: docs/durability.md).
Segments older than the newest snapshot may be merged (`history_files`); a replay from a
snapshot inside a merged file skips the records the snapshot holds by their sequence numbers.

What is kept is `history_compaction`'s: the files any restore inside the window [now -
period, now] needs (the newest kept base complete before the window opens, and everything
after it), fewer when `--history-max-mb` caps the history.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ddbkit.emulator.durability import encoding, index_sections, item_chunks
from ddbkit.emulator.durability.files import DataDir
from ddbkit.emulator.durability.framing import FrameError, last_frame, read_frames
from ddbkit.emulator.durability.history_files import Timeline
from ddbkit.emulator.durability.images import ImageDecoder
from ddbkit.emulator.durability.replay import Replayer, ReplayError
from ddbkit.emulator.durability.tablemeta import SettingsError

_DAMAGE = (FrameError, ValueError, KeyError, TypeError, IndexError, ReplayError, SettingsError)


# A snapshot's records no table's history needs: decoding a backup's (its items, in one call
# that holds the interpreter) stalled every request for seconds.
_OTHERS = (b'{"backup":', b'{"stream":', b'{"record":', b'{"figures":')
WINDOW = 1 << 20  # bytes of a record searched in one call
RETRIES = 5  # reads of the history that a compaction's merge or drop may cut short


class HistoryUnavailable(Exception):
    """The history needed for that moment is not in the data dir (or cannot be read)."""


@dataclass(frozen=True)
class Base:
    generation: int  # segments from this one on are replayed
    snapshot: Path | None  # None: the empty store before segment 1


class History:
    def __init__(self, data_dir: DataDir) -> None:
        self.data_dir = data_dir

    # -- bounds -------------------------------------------------------------------------
    def starts_at(self) -> float | None:
        """The earliest moment any table can be restored to; None when nothing is kept."""
        for _ in range(RETRIES):
            try:
                return self._starts_at()
            except FileNotFoundError:  # a compaction merged or dropped a file meanwhile
                continue
        return None

    def _starts_at(self) -> float | None:
        listing = self.data_dir.listing()
        timeline = Timeline.of(listing)
        try:
            for base in reversed(list(bases(listing.snapshots, timeline))):
                start = timeline.created(1 if base.snapshot is None else base.generation + 1)
                if start is not None:
                    return start
        except FileNotFoundError:
            raise
        except (OSError, *_DAMAGE):
            return None
        return None

    # -- reading ------------------------------------------------------------------------
    def table_as_of(self, name: str, when: float) -> Any:
        """The table named `name` as it was at `when` (epoch seconds), or None when no
        table of that name existed then. Raises HistoryUnavailable. Every acknowledged write
        is in the journal already: a request's record is written before its answer."""
        for _ in range(RETRIES):
            try:
                return self._table_as_of(name, when)
            except FileNotFoundError:  # a compaction merged or dropped a file meanwhile
                continue
        raise HistoryUnavailable("the history kept changing while it was read")

    def _table_as_of(self, name: str, when: float) -> Any:
        listing = self.data_dir.listing()
        timeline = Timeline.of(listing)
        for base in bases(listing.snapshots, timeline):
            tables: dict[str, Any] = {}
            try:
                after = 0
                if base.snapshot is not None:
                    complete, after = self._snapshot(base.snapshot, name, when, tables)
                    if not complete:
                        continue  # completed after `when`: an older base serves
                self._replay(timeline, base.generation, after, name, when, tables)
            except FileNotFoundError:
                raise
            except (OSError, *_DAMAGE) as exc:
                raise HistoryUnavailable(f"cannot read the history in {self.data_dir.path}: "
                                         f"{exc}") from exc
            return tables.get(name)
        raise HistoryUnavailable("no history is kept from that moment")

    def _snapshot(self, path: Path, name: str, when: float,
                  tables: dict[str, Any]) -> tuple[bool, int]:
        """(whether it was complete by `when`, the sequence number of its last record)."""
        replayer, decoder, sequence = Replayer(tables), ImageDecoder(), 0
        with open(path, "rb") as stream:
            size = path.stat().st_size
            end = encoding.loads(last_frame(stream, size)).get("end")
            if not isinstance(end, dict):
                raise ValueError(f"{path.name} has no end record")
            if float(end.get("completed_at", when + 1)) > when:
                return False, 0  # known before a million items are decoded for nothing
            stream.seek(0)
            for payload in read_frames(stream, size):
                if item_chunks.is_chunk(payload):
                    if item_chunks.of_table(payload, name):
                        table = replayer.table(name)
                        for values in item_chunks.decode(payload, decoder)[1]:
                            replayer.put_values(table, values)
                    continue
                if index_sections.is_section(payload) or payload.startswith(_OTHERS):
                    continue  # history rebuilds no indexes; a backup's record is megabytes
                record = encoding.loads(payload)
                if record.get("table") == name:
                    replayer.apply([["C", name, record["settings"]]])
                elif "generation" in record and "sequence" in record:
                    sequence = int(record["sequence"])
                elif "end" in record:
                    return True, sequence  # complete by `when`: checked first
        raise ValueError(f"{path.name} has no end record")

    @staticmethod
    def _replay(timeline: Timeline, first: int, after: int, name: str, when: float,
                tables: dict[str, Any]) -> None:
        """Records of generation `first` on, past sequence number `after`, up to `when`."""
        replayer, named = Replayer(tables), encoding.dumps(name)
        for source in timeline.from_generation(first):
            path = source.path
            with open(path, "rb") as stream:
                payloads = read_frames(stream, path.stat().st_size)
                next(payloads, None)  # the header
                for payload in payloads:
                    if not _mentions(payload, named):
                        continue  # the table is named in every op that touches it
                    record = encoding.loads(payload)
                    if float(record["t"]) > when:
                        return
                    if int(record.get("n", after + 1)) <= after:
                        continue  # the base snapshot holds it
                    ops = [op for op in record.get("ops", ()) if op[1] == name and op[0] != "S"]
                    replayer.apply(ops)


def _mentions(payload: bytes, named: bytes) -> bool:
    """`named in payload`, a window at a time: one search through a record of hundreds of MB
    (a large restore's) held the interpreter, every request waiting, for half a second."""
    for start in range(0, len(payload), WINDOW):
        if payload.find(named, start, start + WINDOW + len(named) - 1) >= 0:
            return True
    return False


def bases(snapshots: dict[int, Path], timeline: Timeline) -> Iterator[Base]:
    """Bases newest first, each with every segment after it (a gap would lose changes)."""
    last = timeline.last
    for generation in sorted(snapshots, reverse=True):
        if timeline.covers(generation, last):
            yield Base(generation, snapshots[generation])
    if timeline.covers(1, last) and last:
        yield Base(1, None)
