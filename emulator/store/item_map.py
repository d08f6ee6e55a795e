"""A table's items: hash key -> item (or -> {range key -> item}), held in parts of at most
`PART` entries in the order their keys were first stored, and found through a directory.

Why parts: one dict of a million entries doubles itself in one call that holds the interpreter
(at its last doubling it builds a 60 MB table: 25 ms in a fresh process, 100-300 ms in a grown
server on this VM), every request waiting. A part of `PART` entries doubles in well under a
millisecond, and work that walks a whole table can stop between parts.

Why in the order stored: the work that walks a whole table (index builds, snapshots, exports,
counts) reads every item, and items lie in memory in the order they were stored. On this VM a
walk of a million objects in random memory order costs 3-10x one in that order; parts chosen
by the key's hash were tried and reverted for it (docs/durability.md). So a new key goes into
the newest part, and a walk goes part by part, oldest first: one dict's order.

The directory finds a key's part: `DIRECTORY` dicts chosen by the hash of the key's value
(a table's hash keys share one type, so the value alone tells them apart), value -> the
part's number. It is built when first needed (`_where`): a copy that is only walked (a backup,
an export) never needs one. A part that deletes leave sparse (`SPARSE`) is merged into the
newest, so the parts follow the table's size, not its history; never while `pinned` (a copy
or a snapshot walking the parts), and on the last `unpin`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

PART = 16_384  # entries a part takes before the next is begun (doubles in about 0.2 ms)
SPARSE = PART // 8  # a part down to this many entries is merged into the newest
DIRECTORY = 256  # 4k keys a directory dict at 1M
_MASK = DIRECTORY - 1
_MISSING = object()


def copied_part(part: dict[Any, Any]) -> dict[Any, Any]:
    """A copy of one part; each entry copied too when it is an inner dict (range key ->
    item: a write changes it in place)."""
    found = part.copy()
    if type(next(iter(found.values()), None)) is dict:
        for hash_key, entry in found.items():
            found[hash_key] = dict(entry)
    return found


class ItemMap:
    """A dict-like map of hash key -> entry, in parts (`parts`: number -> dict, oldest
    first)."""

    __slots__ = ("_directory", "_newest", "parts", "pinned")

    def __init__(self, pairs: Iterable[tuple[Any, Any]] = ()) -> None:
        self.parts: dict[int, dict[Any, Any]] = {0: {}}
        self._newest = 0
        self._directory: list[dict[Any, int]] | None = [{} for _ in range(DIRECTORY)]
        self.pinned = 0
        self.update(pairs)

    def _where(self) -> list[dict[Any, int]]:
        """The directory, built from the parts if it was not kept (`adopt`)."""
        if self._directory is None:
            directory: list[dict[Any, int]] = [{} for _ in range(DIRECTORY)]
            for number, part in self.parts.items():
                for hash_key in part:
                    value = hash_key.value
                    directory[hash(value) & _MASK][value] = number
            self._directory = directory
        return self._directory

    def number_of(self, hash_key: Any) -> int | None:
        """The number of the part holding `hash_key`, or None."""
        value = hash_key.value
        return (self._directory or self._where())[hash(value) & _MASK].get(value)

    def home_of(self, hash_key: Any) -> int:
        """The number of the part that holds `hash_key`, or that would take it if stored now
        (one past the newest when that is full: a part not made yet)."""
        found = self.number_of(hash_key)
        if found is not None:
            return found
        return self._newest if len(self.parts[self._newest]) < PART else self._newest + 1

    def get(self, hash_key: Any, default: Any = None) -> Any:
        value = hash_key.value
        number = (self._directory or self._where())[hash(value) & _MASK].get(value)
        return default if number is None else self.parts[number].get(hash_key, default)

    def entry(self, hash_key: Any) -> dict[Any, Any]:
        """The inner dict (range key -> item) under `hash_key`, added empty when missing."""
        found: dict[Any, Any] | None = self.get(hash_key)
        if found is None:
            found = self[hash_key] = {}
        return found

    def __setitem__(self, hash_key: Any, entry: Any) -> None:
        value = hash_key.value
        directory = (self._directory or self._where())[hash(value) & _MASK]
        number = directory.get(value)
        if number is None:
            number = directory[value] = self._take()
        self.parts[number][hash_key] = entry

    def _take(self) -> int:
        """The number of the part a new key goes into: the newest, or a new one."""
        if len(self.parts[self._newest]) >= PART:
            self._newest += 1
            self.parts[self._newest] = {}
        return self._newest

    def pop(self, hash_key: Any, *default: Any) -> Any:
        value = hash_key.value
        number = (self._directory or self._where())[hash(value) & _MASK].pop(value, None)
        if number is None:
            if default:
                return default[0]
            raise KeyError(hash_key)
        part = self.parts[number]
        entry = part.pop(hash_key)
        if len(part) <= SPARSE and number != self._newest and not self.pinned:
            self._merge(number)
        return entry

    def _merge(self, number: int) -> None:
        """Moves a sparse part's entries into the newest part and drops it (a few thousand
        entries: about a millisecond)."""
        directory, parts = self._where(), self.parts
        for hash_key, entry in parts.pop(number).items():
            home = self._take()
            parts[home][hash_key] = entry
            value = hash_key.value
            directory[hash(value) & _MASK][value] = home

    def pin(self) -> None:
        """Keeps every entry in its part until `unpin`: a copy or a walk is reading them."""
        self.pinned += 1

    def unpin(self) -> None:
        self.pinned -= 1
        if not self.pinned:
            for number in [n for n, part in self.parts.items()
                           if len(part) <= SPARSE and n != self._newest]:
                self._merge(number)

    def adopt(self, number: int, part: dict[Any, Any]) -> None:
        """Takes `part` as part `number`, after those it has (a copy made part by part); the
        directory is built again when next needed."""
        if not self.parts[self._newest] and self._newest != number:
            del self.parts[self._newest]  # the empty part a new map starts with
        self.parts[number] = part
        self._newest = max(self.parts)
        self._directory = None

    def index(self) -> ItemMap:
        """Builds the directory now if it is not (a restore's map, before its table serves
        requests)."""
        self._where()
        return self

    def part_list(self) -> list[dict[Any, Any]]:
        """The parts, oldest first."""
        return list(self.parts.values())

    def held_dicts(self) -> list[dict[Any, Any]]:
        """Every dict the map holds, its parts and its directory's, for freeing a slice at a
        time: the directory keeps each key's value alive, so freeing it in one go freed a
        million strings in one call (315 ms after a 1M state restore)."""
        return [*self.parts.values(), *(self._directory or ())]

    def __getitem__(self, hash_key: Any) -> Any:
        found = self.get(hash_key, _MISSING)
        if found is _MISSING:
            raise KeyError(hash_key)
        return found

    def __delitem__(self, hash_key: Any) -> None:
        self.pop(hash_key)

    def __contains__(self, hash_key: object) -> bool:
        return self.get(hash_key, _MISSING) is not _MISSING

    def __len__(self) -> int:
        return sum(map(len, self.parts.values()))

    def __bool__(self) -> bool:
        return any(self.parts.values())

    def __iter__(self) -> Iterator[Any]:
        return chain.from_iterable(self.part_list())

    def keys(self) -> Iterator[Any]:
        return iter(self)

    def values(self) -> Iterator[Any]:
        return chain.from_iterable(part.values() for part in self.part_list())

    def items(self) -> Iterator[tuple[Any, Any]]:
        return chain.from_iterable(part.items() for part in self.part_list())

    def update(self, pairs: Iterable[tuple[Any, Any]]) -> None:
        for hash_key, entry in pairs:
            self[hash_key] = entry

    def copy(self) -> ItemMap:
        """A copy, each inner dict (a table with a sort key) copied too, a part per call; its
        directory too, if this map has one."""
        made = ItemMap()
        made.parts = {number: copied_part(part) for number, part in self.parts.items()}
        made._newest = self._newest
        made._directory = None if self._directory is None else \
            [found.copy() for found in self._directory]
        return made

    def clear(self) -> None:
        self.parts = {0: {}}
        self._newest = 0
        self._directory = [{} for _ in range(DIRECTORY)]

    def __repr__(self) -> str:
        return f"ItemMap({len(self)} entries in {len(self.parts)} parts)"
