"""One request's consumed capacity: what each table and index was charged, and where.

A `Meter` collects the charges of one request as capacity/consumed_capacity.py observes them
(reads by size, writes by before/after images) and answers `ConsumedCapacity` in DynamoDB's
shape: TOTAL gives `TableName` and `CapacityUnits`; INDEXES adds `Table` and, when an index
was charged, `GlobalSecondaryIndexes` / `LocalSecondaryIndexes` (each under its own key).
Transactions also give `ReadCapacityUnits` / `WriteCapacityUnits`, as DynamoDB does.
Each charge also keeps its partition key value, for the throughput model (`throughput/`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ddbkit.emulator.capacity.rules import (
    STANDARD_WRITE,
    IndexEntry,
    index_write_units,
    read_units,
    write_units,
)

TOTAL, INDEXES = "TOTAL", "INDEXES"


@dataclass(frozen=True)
class Charge:
    """Units one partition of a table (index None) or index paid for this request."""

    table: str
    index: str | None
    partition: Any  # the partition key value; None: spread over the table (Scan)
    units: float
    write: bool
    is_global: bool = False


class Refused(Exception):
    """An admission check (the throughput model) refused a request or one batch item;
    `reasons` are DynamoDB's ThrottlingReason objects."""

    def __init__(self, message: str, reasons: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.reasons = reasons


@dataclass(frozen=True)
class Image:
    """What a write needs of an item before or after it: its billed size, partition key
    value and the entry each secondary index stores for it (absent: not in that index)."""

    size: int
    partition: Any
    entries: dict[str, IndexEntry]


@dataclass
class Usage:
    table: float = 0.0
    global_indexes: dict[str, float] = field(default_factory=dict)
    local_indexes: dict[str, float] = field(default_factory=dict)

    def total(self) -> float:
        return self.table + sum(self.global_indexes.values()) + sum(self.local_indexes.values())


@dataclass
class Meter:
    operation: str
    mode: str | None  # TOTAL, INDEXES or None (measured for the throughput model only)
    transactional: bool = False
    write_step: float = STANDARD_WRITE
    usage: dict[str, Usage] = field(default_factory=dict)
    charges: list[Charge] = field(default_factory=list)
    writes: bool = False
    # Batch items the throughput model refused, answered as UnprocessedItems/Keys.
    unprocessed: dict[str, list[Any]] = field(default_factory=dict)
    refusals: list[Refused] = field(default_factory=list)

    def _usage(self, table: str) -> Usage:
        found = self.usage.get(table)
        if found is None:
            found = self.usage[table] = Usage()
        return found

    def charge(self, table: str, index: str | None, is_global: bool, units: float,
               partition: Any, write: bool) -> None:
        usage = self._usage(table)
        if index is None:
            usage.table += units
        else:
            indexes = usage.global_indexes if is_global else usage.local_indexes
            indexes[index] = indexes.get(index, 0.0) + units
        self.charges.append(Charge(table, index, partition, units, write, is_global))
        self.writes = self.writes or write

    def retract(self, start: int) -> None:
        """Takes back the charges from `start` on (a batch item that was not processed)."""
        for charge in self.charges[start:]:
            usage = self._usage(charge.table)
            if charge.index is None:
                usage.table -= charge.units
            else:
                indexes = usage.global_indexes if charge.is_global else usage.local_indexes
                indexes[charge.index] -= charge.units
                if not indexes[charge.index]:
                    del indexes[charge.index]
        del self.charges[start:]

    def refuse(self, table: str, request: Any, refusal: Refused) -> None:
        self.unprocessed.setdefault(table, []).append(request)
        self.refusals.append(refusal)

    def read(self, table: str, index: str | None, is_global: bool, size: int, step: float,
             partition: Any) -> None:
        self._usage(table)  # a read of a GSI still names its table, at 0 for the table
        self.charge(table, index, is_global, read_units(size, step), partition, False)

    def write(self, table: str, before: Image | None, after: Image | None,
              global_names: frozenset[str]) -> None:
        """A write that happened: the table by the larger image, each index by its entry."""
        size = max(before.size if before else 0, after.size if after else 0)
        either = after or before
        partition = either.partition if either is not None else None
        self.charge(table, None, False, write_units(size, self.write_step), partition, True)
        names = set(before.entries if before else ()) | set(after.entries if after else ())
        for name in sorted(names):
            old = before.entries.get(name) if before else None
            new = after.entries.get(name) if after else None
            if index_write_units(old, new) is None:
                continue
            is_global = name in global_names
            # A moved entry is a delete on one partition and a put on another.
            halves = ([(old, None), (None, new)] if old and new and old.key != new.key
                      else [(old, new)])
            for one_old, one_new in halves:
                units = index_write_units(one_old, one_new)
                where = (one_new or one_old).partition  # type: ignore[union-attr]
                self.charge(table, name, is_global, units or 0.0, where, True)

    def failed_write(self, table: str, before: Image | None, partition: Any) -> None:
        """A write whose condition failed (or a transaction's ConditionCheck): charged by
        the item already there, 1 KB step when there is none."""
        units = write_units(before.size if before else 0, self.write_step)
        self.charge(table, None, False, units, partition, True)

    def consumed(self, table: str) -> dict[str, Any]:
        """`ConsumedCapacity` for one table, in the requested mode's shape."""
        usage = self.usage.get(table) or Usage()
        answer: dict[str, Any] = {"TableName": table, "CapacityUnits": usage.total()}
        split = "WriteCapacityUnits" if self.writes else "ReadCapacityUnits"
        if self.transactional:
            answer[split] = usage.total()
        if self.mode == INDEXES:
            answer["Table"] = self._capacity(usage.table, split)
            for key, indexes in (("GlobalSecondaryIndexes", usage.global_indexes),
                                 ("LocalSecondaryIndexes", usage.local_indexes)):
                if indexes:
                    answer[key] = {name: self._capacity(units, split)
                                   for name, units in indexes.items()}
        return answer

    def _capacity(self, units: float, split: str) -> dict[str, float]:
        return {"CapacityUnits": units, split: units} if self.transactional else {
            "CapacityUnits": units}

    def consumed_list(self) -> list[dict[str, Any]]:
        return [self.consumed(table) for table in self.usage]
