"""A table's derived structures built at once, before it serves: query indexes, a Scan's key
order (a table without a sort key) and figures.

Items put in place without them (a journal replayed alone, a snapshot older than the
table's GSIs, or one without index sections) would leave both to the first request that
needs them, under the store lock: the first Query builds the indexes (about 0.2 s at 100k
items, seconds at a million), the first DescribeTable counts the figures. A restart
(`durability.recovery`) calls `prepare` for every table before the server accepts a
request, so its first requests cost what any other does.
"""

from __future__ import annotations

from dataclasses import dataclass

from ddbkit.emulator.store.indexes import indexes_for, maintained
from ddbkit.emulator.store.table_description import count_figures, figures_current
from ddbkit.emulator.store.tables import Table


@dataclass(frozen=True)
class Prepared:
    """What `prepare` had to build (nothing: a snapshot had installed both)."""

    indexes: bool
    figures: bool


def prepare(table: Table) -> Prepared:
    """The table's query indexes and figures, each built now unless current already."""
    built_indexes = maintained(table) is None
    indexes_for(table).ready_to_scan()  # the first Scan at 1M spent 1.3 s making its order
    return Prepared(built_indexes, count_figures(table))


def is_ready(table: Table) -> bool:
    """Whether a request to the table would find its indexes and figures built."""
    return maintained(table) is not None and figures_current(table)
