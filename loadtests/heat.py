"""Request units per partition-key value, per table and GSI, in bounded memory.

Each target (`bookings`, `bookings/status-index`) keeps, separately for read and write units:
- `TopKeys`: exact units per key value while at most CAPACITY values were seen (every GSI of
  few values, the ones that throttle, stays exact), then a weighted Space-Saving summary
  (Metwally, Agrawal, El Abbadi 2005): a new value evicts the least-loaded one and inherits
  its units as an over-count bound (`error`), so every value holding more than 1/CAPACITY of
  the units is kept and none is under-counted;
- `Distinct`: how many values were seen, exact up to CAPACITY, then a k-minimum-values
  estimate (Bar-Yossef et al. 2002; ~6% relative error at k = 256).
Both merge: workers ship their summaries with each stats report, the master adds them up.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

CAPACITY = 256
_HASH_SPACE = float(2**64)


@dataclass
class KeyCount:
    units: float = 0.0
    requests: int = 0
    error: float = 0.0  # units possibly inherited from evicted values (0: exact)
    patterns: dict[str, list[float]] = field(default_factory=dict)  # name -> [units, requests]


class TopKeys:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self.entries: dict[str, KeyCount] = {}
        self.total = 0.0
        self.evicted = False
        # (units when pushed, value), one per entry: a lazy min-heap, since units only grow
        # an entry whose units moved on is pushed again when it surfaces.
        self._heap: list[tuple[float, str]] = []

    def add(self, value: str, units: float, pattern: str, requests: int = 1,
            error: float = 0.0) -> None:
        self.total += units
        entry = self.entries.get(value)
        if entry is None:
            floor = 0.0
            if len(self.entries) >= self.capacity:
                floor = self._evict()
                self.evicted = True
            entry = self.entries[value] = KeyCount(floor, 0, floor + error)
            heapq.heappush(self._heap, (entry.units, value))
        entry.units += units
        entry.requests += requests
        tally = entry.patterns.setdefault(pattern, [0.0, 0])
        tally[0] += units
        tally[1] += requests

    def _evict(self) -> float:
        """Drop the least-loaded entry; returns its units."""
        while True:
            units, value = heapq.heappop(self._heap)
            current = self.entries[value].units
            if current > units:
                heapq.heappush(self._heap, (current, value))
                continue
            del self.entries[value]
            return current

    def hottest(self, count: int) -> list[tuple[str, KeyCount]]:
        return sorted(self.entries.items(), key=lambda kv: (-kv[1].units, kv[0]))[:count]

    def merge(self, other: TopKeys) -> None:
        for value, entry in other.entries.items():
            for pattern, (units, requests) in entry.patterns.items():
                self.add(value, units, pattern, int(requests))
            inherited = entry.units - sum(u for u, _ in entry.patterns.values())
            if inherited > 0:  # units the worker's summary inherited on an eviction
                mine = self.entries.get(value)
                if mine is not None:
                    mine.units += inherited
                    mine.error += inherited
        self.evicted = self.evicted or other.evicted

    def to_wire(self) -> dict[str, Any]:
        return {"evicted": self.evicted, "entries": [
            [v, e.units, e.requests, e.error, e.patterns] for v, e in self.entries.items()]}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> TopKeys:
        keys = cls()
        keys.evicted = bool(data["evicted"])
        for value, units, requests, error, patterns in data["entries"]:
            keys.entries[value] = KeyCount(units, requests, error, patterns)
            keys.total += sum(u for u, _ in patterns.values())
            keys._heap.append((units, value))
        heapq.heapify(keys._heap)
        return keys


class Distinct:
    """Distinct values: the CAPACITY smallest 64-bit hashes seen."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self.hashes: set[int] = set()
        self._largest: list[int] = []  # the same hashes, negated: a max-heap

    def add_hash(self, digest: int) -> None:
        if digest in self.hashes:
            return
        if len(self.hashes) < self.capacity:
            self.hashes.add(digest)
            heapq.heappush(self._largest, -digest)
        elif digest < -self._largest[0]:
            self.hashes.remove(-heapq.heapreplace(self._largest, -digest))
            self.hashes.add(digest)

    def add(self, value: str) -> None:
        self.add_hash(int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest()))

    @property
    def exact(self) -> bool:
        return len(self.hashes) < self.capacity

    def estimate(self) -> int:
        if self.exact:
            return len(self.hashes)
        return round((self.capacity - 1) * _HASH_SPACE / (max(self.hashes) + 1))

    def merge(self, other: Distinct) -> None:
        for digest in other.hashes:
            self.add_hash(digest)


@dataclass
class TargetHeat:
    read: TopKeys = field(default_factory=TopKeys)
    write: TopKeys = field(default_factory=TopKeys)
    values: Distinct = field(default_factory=Distinct)

    def add(self, value: str, read: float, write: float, pattern: str) -> None:
        self.values.add(value)
        if read:
            self.read.add(value, read, pattern)
        if write:
            self.write.add(value, write, pattern)

    def merge(self, other: TargetHeat) -> None:
        self.read.merge(other.read)
        self.write.merge(other.write)
        self.values.merge(other.values)

    def to_wire(self) -> dict[str, Any]:
        return {"read": self.read.to_wire(), "write": self.write.to_wire(),
                "values": sorted(self.values.hashes)}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> TargetHeat:
        heat = cls(TopKeys.from_wire(data["read"]), TopKeys.from_wire(data["write"]))
        for digest in data["values"]:
            heat.values.add_hash(digest)
        return heat


def heated(capacity: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str, dict[str, Any]]]:
    """(target, "read"/"write", its heat) for each side of a report's heat that saw a key,
    in report order: what the terminal table and the HTML heat map show."""
    for target in capacity["heat"]:
        for kind in ("read", "write"):
            heat = target.get(kind)
            if heat and heat["hottest"]:
                yield target, kind, heat
