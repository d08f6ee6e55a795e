"""Point-in-time history: a table's state as of a past moment, read back from the data dir.

The data dir is already a history: each snapshot holds every table from the moment its
journal segment began, and each journal record carries the time it was written. A table's
state at time T is a base (a snapshot complete by T, or nothing before the first segment)
with the segments after it replayed up to T, for that table alone, into a scratch store.

A snapshot is fuzzy until it completes: an item may be captured after T. So it serves as a
base only for times after its end record's `completed_at`; for earlier times the snapshot
before it does. Compaction serialises snapshots, so snapshot g is complete before segment
g+1 begins: its segment's successor's creation time bounds it from above.

What is kept: `keep()` names the files any restore inside the window [now - period, now]
needs (the newest base complete before the window opens, and everything after it), and
compaction and start-up delete only the others, so history is bounded by the longest
recovery period of a table with point-in-time recovery on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ddbkit.emulator.durability import encoding, index_sections, item_chunks
from ddbkit.emulator.durability.files import DataDir, Listing
from ddbkit.emulator.durability.framing import FrameError, read_frames
from ddbkit.emulator.durability.images import ImageDecoder
from ddbkit.emulator.durability.replay import Replayer, ReplayError
from ddbkit.emulator.durability.tablemeta import SettingsError

_DAMAGE = (FrameError, ValueError, KeyError, TypeError, IndexError, ReplayError, SettingsError)


class HistoryUnavailable(Exception):
    """The history needed for that moment is not in the data dir (or cannot be read)."""


@dataclass(frozen=True)
class Base:
    generation: int  # segments from this one on are replayed
    snapshot: Path | None  # None: the empty store before segment 1


def segment_created(path: Path) -> float:
    """When a journal segment began (its header's `created`, the emulator's clock)."""
    with open(path, "rb") as stream:
        header = encoding.loads(next(read_frames(stream, path.stat().st_size)))
    return float(header["created"])


class History:
    def __init__(self, data_dir: DataDir) -> None:
        self.data_dir = data_dir

    # -- bounds -------------------------------------------------------------------------
    def starts_at(self) -> float | None:
        """The earliest moment any table can be restored to; None when nothing is kept."""
        listing = self.data_dir.listing()
        try:
            if 1 in listing.journals:
                return segment_created(listing.journals[1])
            for generation in sorted(listing.snapshots):
                successor = listing.journals.get(generation + 1)
                if successor is not None:
                    return segment_created(successor)
        except (OSError, *_DAMAGE):
            return None
        return None

    def keep(self, listing: Listing, window_start: float | None) -> set[Path]:
        """The files a restore to any moment after `window_start` needs, besides the
        current state's. None: no table keeps history; only the current state is kept."""
        current = max(listing.snapshots, default=1)
        keep_from = current
        if window_start is not None:
            keep_from = 1 if 1 in listing.journals else min(
                [*listing.snapshots, *listing.journals], default=current)
            for generation in sorted(listing.snapshots, reverse=True):
                successor = listing.journals.get(generation + 1)
                try:
                    if successor is not None and segment_created(successor) <= window_start:
                        keep_from = generation
                        break
                except (OSError, *_DAMAGE):
                    continue
        kept = {p for g, p in listing.snapshots.items() if g >= keep_from}
        kept |= {p for g, p in listing.journals.items() if g >= keep_from}
        return kept

    # -- reading ------------------------------------------------------------------------
    def table_as_of(self, name: str, when: float) -> Any:
        """The table named `name` as it was at `when` (epoch seconds), or None when no
        table of that name existed then. Raises HistoryUnavailable. Every acknowledged write
        is in the journal already: a request's record is written before its answer."""
        listing = self.data_dir.listing()
        for base in self._bases(listing):
            tables: dict[str, Any] = {}
            try:
                if base.snapshot is not None and not self._snapshot(base.snapshot, name,
                                                                    when, tables):
                    continue  # completed after `when`: an older base serves
                self._replay(listing, base.generation, name, when, tables)
            except (OSError, *_DAMAGE) as exc:
                raise HistoryUnavailable(f"cannot read the history in {self.data_dir.path}: "
                                         f"{exc}") from exc
            return tables.get(name)
        raise HistoryUnavailable("no history is kept from that moment")

    @staticmethod
    def _bases(listing: Listing) -> Iterator[Base]:
        """Bases newest first, each with every segment after it (a gap would lose changes)."""
        last = max(listing.journals, default=0)
        for generation in sorted(listing.snapshots, reverse=True):
            if all(g in listing.journals for g in range(generation, last + 1)):
                yield Base(generation, listing.snapshots[generation])
        if all(g in listing.journals for g in range(1, last + 1)):
            yield Base(1, None)

    def _snapshot(self, path: Path, name: str, when: float, tables: dict[str, Any]) -> bool:
        replayer, decoder = Replayer(tables), ImageDecoder()
        with open(path, "rb") as stream:
            for payload in read_frames(stream, path.stat().st_size):
                if item_chunks.is_chunk(payload):
                    if item_chunks.of_table(payload, name):
                        table = replayer.table(name)
                        for values in item_chunks.decode(payload, decoder)[1]:
                            replayer.put_values(table, values)
                    continue
                if index_sections.is_section(payload):
                    continue  # history rebuilds no indexes
                record = encoding.loads(payload)
                if record.get("table") == name:
                    replayer.apply([["C", name, record["settings"]]])
                elif "end" in record:
                    return float(record["end"].get("completed_at", when + 1)) <= when
        raise ValueError(f"{path.name} has no end record")

    @staticmethod
    def _replay(listing: Listing, first: int, name: str, when: float,
                tables: dict[str, Any]) -> None:
        replayer, named = Replayer(tables), encoding.dumps(name)
        for generation in sorted(g for g in listing.journals if g >= first):
            path = listing.journals[generation]
            with open(path, "rb") as stream:
                payloads = read_frames(stream, path.stat().st_size)
                next(payloads, None)  # the header
                for payload in payloads:
                    if named not in payload:
                        continue  # the table is named in every op that touches it
                    record = encoding.loads(payload)
                    if float(record["t"]) > when:
                        return
                    ops = [op for op in record.get("ops", ()) if op[1] == name and op[0] != "S"]
                    replayer.apply(ops)
