"""Which file holds each journal generation: raw segments, or merged history files.

A merged file (`history_merge`) holds generations first..last and says in its header when
each of them began. A crash between writing a merged file and removing what it replaces
leaves both: the widest merged file wins, and what it covers is redundant (removed by the
next compaction). Records carry their sequence number `n`, so a replay can start at any
snapshot inside a merged file by skipping the records the snapshot already holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ddbkit.emulator.durability import encoding
from ddbkit.emulator.durability.files import Listing
from ddbkit.emulator.durability.framing import read_frames


@dataclass(frozen=True)
class Source:
    first: int
    last: int
    path: Path
    merged: bool


def read_header(path: Path) -> dict[str, Any]:
    """A journal segment's or merged file's first record."""
    with open(path, "rb") as stream:
        header = encoding.loads(next(read_frames(stream, path.stat().st_size)))
    if not isinstance(header, dict):
        raise ValueError(f"{path.name} has no header")
    return header


@dataclass
class Timeline:
    """The files holding the journal, in generation order, none overlapping."""

    sources: list[Source]
    redundant: list[Path] = field(default_factory=list)
    _starts: dict[int, float] = field(default_factory=dict)

    @classmethod
    def of(cls, listing: Listing) -> Timeline:
        chosen: list[Source] = []
        redundant: list[Path] = []
        reach = 0
        for (first, last), path in sorted(listing.merged.items(), key=lambda m: (m[0][0],
                                                                                  -m[0][1])):
            if last <= reach or first <= reach:  # inside (or overlapping) a wider one
                redundant.append(path)
                continue
            chosen.append(Source(first, last, path, True))
            reach = last
        covered = {g for s in chosen for g in range(s.first, s.last + 1)}
        for generation, path in listing.journals.items():
            if generation in covered:
                redundant.append(path)
            else:
                chosen.append(Source(generation, generation, path, False))
        return cls(sorted(chosen, key=lambda s: s.first), redundant)

    def covers(self, first: int, last: int) -> bool:
        held = {g for s in self.sources for g in range(s.first, s.last + 1)}
        return all(g in held for g in range(first, last + 1))

    def holding(self, generation: int) -> Source | None:
        for source in self.sources:
            if source.first <= generation <= source.last:
                return source
        return None

    def from_generation(self, generation: int) -> list[Source]:
        """The sources holding `generation` and every later one."""
        return [s for s in self.sources if s.last >= generation]

    def created(self, generation: int) -> float | None:
        """When segment `generation` began (the emulator's clock); None when not held."""
        if generation in self._starts:
            return self._starts[generation]
        source = self.holding(generation)
        if source is None:
            return None
        header = read_header(source.path)
        if source.merged:
            for key, value in header["starts"].items():
                self._starts[int(key)] = float(value)
        else:
            self._starts[generation] = float(header["created"])
        return self._starts.get(generation)

    @property
    def last(self) -> int:
        return max((s.last for s in self.sources), default=0)
