"""Capacity units from sizes (AWS developer guide, "DynamoDB read and write operations").

Reads are rounded up to 4 KB: 1 unit strongly consistent, 0.5 eventually consistent, 2
transactional; a read that finds nothing still costs one 4 KB step. Query and Scan add up
the items they read (before any filter) and round once; GetItem and BatchGetItem round each
item. Writes are rounded up to 1 KB of the larger of the item before and after (a delete:
the deleted item; nothing there: 1 unit); transactional writes cost 2 per KB; a write whose
condition fails still costs 1 KB step per KB of the item already stored (1 when none).

Secondary indexes are charged on the entry each stores (its projection), by what changed,
as DynamoDB reports it (the table in `index_write_units`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024
EVENTUAL, STRONG, TRANSACTIONAL = 0.5, 1.0, 2.0  # read units per 4 KB step
STANDARD_WRITE, TRANSACTIONAL_WRITE = 1.0, 2.0  # write units per 1 KB step


def read_units(size: int, per_step: float) -> float:
    return max(1, math.ceil(size / READ_UNIT_BYTES)) * per_step


def write_units(size: int, per_step: float = STANDARD_WRITE) -> float:
    return max(1, math.ceil(size / WRITE_UNIT_BYTES)) * per_step


def read_step(consistent: bool) -> float:
    return STRONG if consistent else EVENTUAL


@dataclass(frozen=True)
class IndexEntry:
    """What one index stores for an item: its position (index key values), the projected
    attributes, their size and its partition (the partition key's value or values, as the
    throughput model hashes it)."""

    key: tuple[Any, ...]
    attributes: Any  # compared for equality only
    size: int
    partition: Any = None


def index_write_units(old: IndexEntry | None, new: IndexEntry | None) -> float | None:
    """Write units one index consumes for one write; None when its entry did not change.

    | before  | after                     | units                           |
    |---------|---------------------------|---------------------------------|
    | absent  | absent                    | none                            |
    | absent  | present (enters)          | units(new)                      |
    | present | absent (leaves, deleted)  | units(old)                      |
    | present | same key, same attributes | none                            |
    | present | same key, changed         | max(units(old), units(new))     |
    | present | other key (moves)         | units(old) + units(new)         |

    For entries under 1 KB that is DynamoDB's 1 write for a change, 2 for a moved key.
    """
    if old is None and new is None:
        return None
    if old is None:
        return write_units(new.size)  # type: ignore[union-attr]
    if new is None:
        return write_units(old.size)
    if old.key != new.key:
        return write_units(old.size) + write_units(new.size)
    if old.attributes == new.attributes:
        return None
    return max(write_units(old.size), write_units(new.size))
