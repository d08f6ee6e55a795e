"""Keys for the load: drawn from the same seeded dataset that was loaded, so queries hit items.

For each table: its primary keys; for each GSI: every partition value with the sorted sort-key
values under it (so a range condition can span real items). With skew, partitions that hold
the most items are drawn most often (Zipf), which is what makes a hot partition.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass, field
from typing import Any

from ddbkit.emulator.shapes import WireItem
from ddbkit.emulator.spec import TABLES, TableSpec
from ddbkit.fixtures.generate import zipf_weights

Value = dict[str, Any]  # a DynamoDB wire value, e.g. {"S": "..."}


def _sort_key(value: Value) -> Any:
    (kind, inner), = value.items()
    return float(inner) if kind == "N" else inner


@dataclass
class Partitions:
    """Partition values, most items first, each with its sorted sort-key values."""

    values: list[Value] = field(default_factory=list)
    sorts: list[list[Value]] = field(default_factory=list)
    cum_weights: list[float] | None = None  # None: uniform

    def pick(self, rng: random.Random) -> tuple[Value, list[Value]]:
        index = rng.choices(range(len(self.values)), cum_weights=self.cum_weights)[0]
        return self.values[index], self.sorts[index]


class KeyPool:
    def __init__(self, items: dict[str, list[WireItem]], skew: float = 0.0) -> None:
        self.items = items
        self.skew = skew
        self._keys = {t.key: [_key(t, i) for i in items.get(t.key, [])] for t in TABLES}
        self._candidates: dict[tuple[str, Any], list[WireItem]] = {}
        self._cum_weights = {key: _cumulative(len(keys), skew) for key, keys in self._keys.items()}
        self._partitions = {(t.key, g.name): self._index(t, g.key.partition, g.key.sort)
                            for t in TABLES for g in t.gsis}

    def _index(self, table: TableSpec, partition: str, sort: str | None) -> Partitions:
        grouped: dict[str, tuple[Value, list[Value]]] = {}
        for item in self.items.get(table.key, []):
            if partition not in item:
                continue
            slot = grouped.setdefault(json.dumps(item[partition], sort_keys=True),
                                      (item[partition], []))
            if sort and sort in item:
                slot[1].append(item[sort])
        ordered = sorted(grouped.values(), key=lambda pair: -len(pair[1]) if sort else 0)
        return Partitions([v for v, _ in ordered],
                          [sorted(s, key=_sort_key) for _, s in ordered],
                          _cumulative(len(ordered), self.skew))

    def has(self, table: str) -> bool:
        return bool(self._keys.get(table))

    def primary_key(self, table: str, rng: random.Random) -> dict[str, Value]:
        return self._keys[table][self._pick(table, rng)]

    def primary_item(self, table: str, rng: random.Random) -> WireItem:
        """A whole item, drawn as primary_key draws keys."""
        return self.items[table][self._pick(table, rng)]

    def _pick(self, table: str, rng: random.Random) -> int:
        count = len(self._keys[table])
        return rng.choices(range(count), cum_weights=self._cum_weights[table])[0]

    def partition(self, table: str, index: str, rng: random.Random) -> tuple[Value, list[Value]]:
        return self._partitions[(table, index)].pick(rng)

    def samples(self, table: str, count: int) -> list[WireItem]:
        """Up to `count` of the table's items spread evenly over the dataset, first to last."""
        items = self.items.get(table, [])
        last = len(items) - 1
        indexes = sorted({i * last // max(count - 1, 1) for i in range(count)}) if items else []
        return [items[i] for i in indexes]

    def item(self, table: str, rng: random.Random, where: Any = None) -> WireItem:
        """A uniformly drawn item, of those `where` accepts. The candidates of each (table,
        where) are filtered once: give a function defined once, not a new lambda a call."""
        candidates = self._candidates.get((table, where))
        if candidates is None:
            candidates = [i for i in self.items[table] if where is None or where(i)]
            self._candidates[(table, where)] = candidates
        if not candidates:
            raise LookupError(f"the dataset has no {table} item this pattern can use")
        return rng.choice(candidates)


def _cumulative(count: int, skew: float) -> list[float] | None:
    """Zipf weights summed once, not on every draw: random.choices would otherwise rebuild
    them per call (O(items) a request); the draws are the same."""
    weights = zipf_weights(count, skew)
    return None if weights is None else list(itertools.accumulate(weights))


def _key(table: TableSpec, item: WireItem) -> dict[str, Value]:
    return {name: item[name] for name in table.primary.attributes}
