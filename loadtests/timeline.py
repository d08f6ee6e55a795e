"""Per-pattern statistics over time, for the report's charts, in bounded memory.

Time is cut into slots of `width` seconds (wall clock, so workers' slots line up); each slot
holds one `Series` per pattern. Past MAX_SLOTS the width doubles and neighbouring slots
merge, so a run of any length (or the web UI left open for a day) keeps at most MAX_SLOTS.
"""

from __future__ import annotations

import time
from typing import Any

from ddbkit.loadtests.series import Series

MAX_SLOTS = 120


class Timeline:
    def __init__(self, width: float = 1.0) -> None:
        self.width = max(1.0, float(width))
        self.slots: dict[int, dict[str, Series]] = {}

    def series(self, pattern: str, now: float | None = None) -> Series:
        slot = int((time.time() if now is None else now) // self.width)
        patterns = self.slots.get(slot)
        if patterns is None:
            patterns = self.slots[slot] = {}
            if len(self.slots) > MAX_SLOTS:
                self._coarsen(self.width * 2)
                return self.series(pattern, now)
        found = patterns.get(pattern)
        if found is None:
            found = patterns[pattern] = Series()
        return found

    def _coarsen(self, width: float) -> None:
        old, self.slots, previous = self.slots, {}, self.width
        self.width = width
        for slot, patterns in old.items():
            self._merge_slot(int(slot * previous // width), patterns)

    def _merge_slot(self, slot: int, patterns: dict[str, Series]) -> None:
        target = self.slots.setdefault(slot, {})
        for name, series in patterns.items():
            target.setdefault(name, Series()).merge(series)

    def merge(self, other: Timeline) -> None:
        if other.width > self.width:
            self._coarsen(other.width)
        for slot, patterns in other.slots.items():
            self._merge_slot(int(slot * other.width // self.width), patterns)
        while len(self.slots) > MAX_SLOTS:
            self._coarsen(self.width * 2)

    def to_wire(self) -> dict[str, Any]:
        return {"width": self.width, "slots": [
            [slot, {n: s.to_wire() for n, s in patterns.items()}]
            for slot, patterns in self.slots.items()]}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Timeline:
        timeline = cls(data["width"])
        timeline.slots = {int(slot): {n: Series.from_wire(s) for n, s in patterns.items()}
                          for slot, patterns in data["slots"]}
        return timeline

    def span(self) -> float:
        """Seconds from the first slot that saw a request to the end of the last."""
        return (max(self.slots) - min(self.slots) + 1) * self.width if self.slots else 0.0

    def points(self) -> list[tuple[float, dict[str, Series]]]:
        """(seconds since the first slot, series per pattern), in time order."""
        if not self.slots:
            return []
        first = min(self.slots)
        return [((slot - first) * self.width, self.slots[slot]) for slot in sorted(self.slots)]
