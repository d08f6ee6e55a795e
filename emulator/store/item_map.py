"""A table's items: hash key -> item (or -> {range key -> item}), held in `PARTS` dicts chosen
by the key's hash.

One dict of a million entries doubles itself in one call that holds the interpreter: at its
last doubling it builds a 40 MB table, 25 ms in a warm process and 180 ms where the memory is
touched for the first time (a restore's replay in a grown server, on a VM that backs pages on
first touch), every request waiting. Parts of a few thousand entries double in well under a
millisecond, and the work that walks a whole table (a copy, a snapshot, a release) can stop
between parts to let requests in (`part_at`).

It answers the dict calls the store makes (`get`, `pop`, `in`, `[]`, iteration, `values`,
`items`, `update`) and `entry` for a table with a sort key: the inner dict, made when missing.
Iteration is part by part, so its order is not insertion order: nothing reads the store in
that order (a Scan sorts its keys).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

PARTS = 256  # 4k entries a part at 1M; 256 empty dicts are 16 KB for an empty table
_MASK = PARTS - 1


def part_index(hash_key: Any) -> int:
    """Which part holds `hash_key`."""
    return hash(hash_key) & _MASK


def copied_part(part: dict[Any, Any]) -> dict[Any, Any]:
    """A copy of one part; each entry copied too when it is an inner dict (range key ->
    item: a write changes it in place)."""
    found = part.copy()
    if type(next(iter(found.values()), None)) is dict:
        for hash_key, entry in found.items():
            found[hash_key] = dict(entry)
    return found


class ItemMap:
    """A dict-like map of hash key -> entry, in `PARTS` dicts (`parts`)."""

    __slots__ = ("parts",)

    def __init__(self, pairs: Iterable[tuple[Any, Any]] = ()) -> None:
        self.parts: list[dict[Any, Any]] = [{} for _ in range(PARTS)]
        self.update(pairs)

    def get(self, hash_key: Any, default: Any = None) -> Any:
        return self.parts[hash(hash_key) & _MASK].get(hash_key, default)

    def entry(self, hash_key: Any) -> dict[Any, Any]:
        """The inner dict (range key -> item) under `hash_key`, added empty when missing."""
        part = self.parts[hash(hash_key) & _MASK]
        found = part.get(hash_key)
        if found is None:
            found = part[hash_key] = {}
        return found

    def pop(self, hash_key: Any, *default: Any) -> Any:
        return self.parts[hash(hash_key) & _MASK].pop(hash_key, *default)

    def __getitem__(self, hash_key: Any) -> Any:
        return self.parts[hash(hash_key) & _MASK][hash_key]

    def __setitem__(self, hash_key: Any, entry: Any) -> None:
        self.parts[hash(hash_key) & _MASK][hash_key] = entry

    def __delitem__(self, hash_key: Any) -> None:
        del self.parts[hash(hash_key) & _MASK][hash_key]

    def __contains__(self, hash_key: object) -> bool:
        return hash_key in self.parts[hash(hash_key) & _MASK]

    def __len__(self) -> int:
        return sum(map(len, self.parts))

    def __bool__(self) -> bool:
        return any(self.parts)

    def __iter__(self) -> Iterator[Any]:
        return chain.from_iterable(self.parts)

    def keys(self) -> Iterator[Any]:
        return iter(self)

    def values(self) -> Iterator[Any]:
        return chain.from_iterable(part.values() for part in self.parts)

    def items(self) -> Iterator[tuple[Any, Any]]:
        return chain.from_iterable(part.items() for part in self.parts)

    def update(self, pairs: Iterable[tuple[Any, Any]]) -> None:
        parts = self.parts
        for hash_key, entry in pairs:
            parts[hash(hash_key) & _MASK][hash_key] = entry

    def copy(self) -> ItemMap:
        """A copy, each inner dict (a table with a sort key) copied too, a part per call."""
        made = ItemMap()
        made.parts = [copied_part(part) for part in self.parts]
        return made

    def clear(self) -> None:
        for part in self.parts:
            part.clear()

    def __repr__(self) -> str:
        return f"ItemMap({len(self)} entries)"
