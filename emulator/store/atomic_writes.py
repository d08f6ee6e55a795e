"""Writes happen completely or not at all: an undo journal around multi-step writes.

A request can write several items (a batch, a transaction, a PartiQL transaction) and fail
after some of them, or be refused by the throughput model or the journal after its writes;
DynamoDB applies each request completely or not at all: items, indexes, stream records.

Here each runs inside a journal: each write ddbkit's operations note (`note`) keeps the item
it replaces, and the length of
each stream it may append to. On failure the items are put back (indexes follow) and the
stream records withdrawn, then the error is raised as it was.
`UndoLog` notes a whole request's writes for durability, which undoes them only if it
cannot journal them.

ddbkit's own writes (operations/writes.py, BatchWriteItem's and TransactWriteItems' whole
request, ExecuteTransaction's statements) open a journal with
`atomic` and note each item they replace with `note`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ddbkit.emulator.store import stream_shards
from ddbkit.emulator.store.access import stored_item
from ddbkit.emulator.store.indexes import maintained
from ddbkit.emulator.store.table_description import changed
from ddbkit.emulator.store.tables import before_write


def restore(table: Any, hash_key: Any, range_key: Any, old: Any) -> None:
    """Puts `old` back under these keys (None: no item), in the table and its indexes."""
    current = stored_item(table, hash_key, range_key)
    before_write(table, hash_key)
    if range_key is None:
        if old is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = old
    elif old is None:
        table.items.get(hash_key, {}).pop(range_key, None)
    else:
        table.items.entry(hash_key)[range_key] = old
    indexes = maintained(table)
    if indexes is not None:
        indexes.replace(current, old)
    changed(table, current, old)


@dataclass
class Journal:
    """What a write replaced, in order, and where each stream it touched ended before it."""

    items: list[tuple[Any, Any, Any, Any]] = field(default_factory=list)  # table, keys, old
    streams: dict[int, tuple[stream_shards.Shard, int]] = field(default_factory=dict)

    def save(self, table: Any, hash_key: Any, range_key: Any, old: Any) -> None:
        shard = stream_shards.of(table)
        if shard is not None and id(shard) not in self.streams:
            self.streams[id(shard)] = (shard, shard.next_sequence)
        self.items.append((table, hash_key, range_key, old))

    def absorb(self, inner: Journal) -> None:
        """An inner write that succeeded is undone with this one."""
        self.items.extend(inner.items)
        for key, start in inner.streams.items():
            self.streams.setdefault(key, start)

    def roll_back(self) -> None:
        for table, hash_key, range_key, old in reversed(self.items):
            restore(table, hash_key, range_key, old)
        for shard, sequence_number in self.streams.values():
            shard.truncate(sequence_number)


_journal: contextvars.ContextVar[Journal | None] = contextvars.ContextVar(
    "ddbkit_journal", default=None)


@contextmanager
def atomic() -> Iterator[Journal]:
    """Everything written in this block is undone if the block raises."""
    journal = Journal()
    parent = _journal.get()
    token = _journal.set(journal)
    try:
        yield journal
    except BaseException:
        journal.roll_back()
        raise
    finally:
        _journal.reset(token)
    if parent is not None:
        parent.absorb(journal)


def note(table: Any, hash_key: Any, range_key: Any) -> None:
    """A write ddbkit's own operations make (operations/writes.py): the item it replaces,
    for the innermost open journal to put back."""
    journal = _journal.get()
    if journal is not None:
        journal.save(table, hash_key, range_key, stored_item(table, hash_key, range_key))


class UndoLog:
    """Notes every write from here to `close()` in `journal`, for the caller to roll back if
    it decides to (durability: a write the journal cannot take); an exception alone does not."""

    def __init__(self) -> None:
        self.journal = Journal()
        self._parent = _journal.get()
        self._token = _journal.set(self.journal)

    def close(self) -> None:
        _journal.reset(self._token)
        if self._parent is not None:
            self._parent.absorb(self.journal)
