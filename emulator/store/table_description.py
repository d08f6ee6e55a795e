"""Describing a table as DynamoDB does: `describe(table)`, DescribeTable's whole answer.

DynamoDB reports a table's TableSizeBytes, TableId, and for its indexes IndexArn,
IndexSizeBytes and ItemCount (it refreshes sizes and
counts about every six hours; here they are exact): the table's size is the sum of its items'
sizes (`capacity/sizes.py`), an index holds the items that have all its key attributes, sized as
projected into it. TableId is a UUID derived from the table's ARN and creation time, so it
survives restarts and changes when the table is re-created. A GSI that UpdateTable just
created is CREATING and backfilling (`store.backfills`), without figures until it is done.

ddbkit's operations call `describe` (DescribeTable, CreateTable, UpdateTable, DeleteTable,
and through `backup_calls` the restores and DescribeBackup).

Counting is a pass over every item (about 1 s at 130,000 bookings), so it happens once, at
the table's first describe; from then on every write (operations/writes.py, and an undone
one in atomic_writes) moves the figures by what it replaced and what it stored (`changed`),
so a DescribeTable during a load costs nothing more at a million items than at ten. A
restore replaces the item map, an UpdateTable the indexes: each makes the next describe
count again. A snapshot keeps each table's figures (`tally` as it
writes, `install` as it is read), and a replay moves them by each item it puts (`changed`),
so a restart from a snapshot counts nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ddbkit.emulator.capacity.sizes import item_size
from ddbkit.emulator.store.access import table_items
from ddbkit.emulator.store.buckets import release
from ddbkit.emulator.store.lsi_fetches import projected_names
from ddbkit.emulator.store.settings import table_id as settings_table_id
from ddbkit.emulator.store.tables import ACTIVE, CREATING, GlobalIndex, Table


@dataclass
class Figures:
    """A table's size and item count, and each index's, kept current by every write."""

    key: tuple[Any, ...]  # the item map and the indexes they were counted for
    plans: list[tuple[str, list[str], set[str] | None]]  # index, its keys, projected names
    size: int = 0
    count: int = 0
    indexes: dict[str, list[int]] = field(default_factory=dict)  # name: [size, count]

    def add(self, item: Any, sign: int) -> None:
        """Counts the item in (sign 1) or out (-1): in an index when it has all that
        index's key attributes, sized as projected into it."""
        if item is None:
            return
        whole = item.size()
        self.count += sign
        self.size += sign * whole
        attrs = item.attrs
        sizes: dict[str, int] = {}  # per attribute, shared by the indexes projecting it
        for name, keys, names in self.plans:
            if not all(key in attrs for key in keys):
                continue
            figure = self.indexes[name]
            figure[1] += sign
            if names is None:
                figure[0] += sign * whole
                continue
            projected = 0
            for attribute in names:  # a projection names few attributes: size only those
                value = attrs.get(attribute)
                if value is not None:
                    size = sizes.get(attribute)
                    if size is None:
                        size = sizes[attribute] = item_size({attribute: value})
                    projected += size
            figure[0] += sign * projected

    def record(self) -> dict[str, Any]:
        """The figures as a snapshot keeps them (`install` puts them back)."""
        return {"size": self.size, "count": self.count, "indexes": self.indexes}


def _counted(table: Table) -> list[Any]:
    """The indexes figures are kept for: not a GSI still CREATING (its backfill counts it
    when done, `index_counted`; DescribeTable shows no size for it until then)."""
    return [index for index in table.all_indexes()
            if getattr(index, "status", ACTIVE) != CREATING]


def _key(table: Table) -> tuple[Any, ...]:
    return id(table.items), tuple(index.name for index in _counted(table))


def _plan(table: Table, index: Any) -> tuple[str, list[str], set[str] | None]:
    return (index.name, [k["AttributeName"] for k in index.schema],
            projected_names(table, index))


def tally(table: Table) -> Figures:
    """Zero figures for the table's indexes, for a caller to `add` items to (a snapshot
    counts the items it writes)."""
    plans = [_plan(table, index) for index in _counted(table)]
    return Figures(_key(table), plans, indexes={name: [0, 0] for name, _, _ in plans})


def current_key(table: Table) -> tuple[Any, ...] | None:
    """The key of the table's figures when they are current (None: not counted)."""
    known = table.figures
    return known.key if known is not None and known.key == _key(table) else None


def indexes_changed(table: Table, before: tuple[Any, ...] | None) -> None:
    """The table's GSIs changed (UpdateTable) and its figures were current (`before`, their
    key then): a deleted index's figure is dropped, rather than every item counted again
    (a new one is CREATING: counted when its backfill is done)."""
    known = table.figures
    if known is None or before is None or known.key != before:
        return
    names = {index.name for index in _counted(table)}
    known.plans = [plan for plan in known.plans if plan[0] in names]
    known.indexes = {name: figure for name, figure in known.indexes.items() if name in names}
    if set(known.indexes) == names:
        known.key = _key(table)


def index_figure(table: Table, index: Any, items: list[Any]) -> Figures:
    """Figures of only the GSI `index` (being backfilled), counted over `items` (the items
    it holds); `add` moves them by a write as the table's own move."""
    plan = _plan(table, index)
    names = plan[2]
    # summed as made: a list of a million new ints, freed in one call at the end, held
    # requests for 46 ms at the end of a 1M backfill
    size = sum(item.size() for item in items) if names is None else \
        sum(item_size({k: v}) for item in items for k, v in item.attrs.items() if k in names)
    return Figures(_key(table), [plan], indexes={index.name: [size, len(items)]})


def index_counted(table: Table, index: Any, figure: Figures,
                  before: tuple[Any, ...] | None) -> None:
    """A backfilled GSI is ACTIVE: its figure (`index_figure`, kept current since) joins the
    table's figures if they were current before (`before`: their key then)."""
    known = table.figures
    if known is None or before is None or known.key != before:
        return
    known.plans += figure.plans
    known.indexes[index.name] = figure.indexes[index.name]
    known.key = _key(table)


def current(table: Table) -> Figures | None:
    """A copy of the table's figures when they are counted and current (what an exact
    snapshot of its items at this instant would count), else None."""
    known = table.figures
    if known is None or current_key(table) is None:
        return None
    return replace(known, indexes={name: list(figure) for name, figure in known.indexes.items()})


def counted(table: Table) -> Figures:
    """The table's figures: counted in one pass the first time they are asked for (or after
    the items or indexes were replaced wholesale: a restore, an UpdateTable), kept current
    by `changed` from then on, so a DescribeTable never walks the items again. A restore
    calls it before its table is visible, off the request path."""
    known = table.figures
    if known is not None and current_key(table) is not None:
        return known
    found = _count(table)
    table.figures = found
    return found


def figures_current(table: Table) -> bool:
    """Whether the table's figures are counted (for its items and indexes as they are)."""
    return current_key(table) is not None


def count_figures(table: Table) -> bool:
    """The figures counted now unless current (True: they had to be)."""
    if figures_current(table):
        return False
    counted(table)
    return True


def _count(table: Table) -> Figures:
    """`add` of every item at once: one pass per index over sizes already known (a journal
    and a write keep them), in comprehensions rather than a call per item."""
    counted = tally(table)
    items = table_items(table)
    sizes = [item.size() for item in items]
    counted.count, counted.size = len(items), sum(sizes)
    for name, keys, names in counted.plans:
        needed = frozenset(keys)
        held = [n for n, item in enumerate(items) if item.attrs.keys() >= needed]
        if names is None:
            size = sum([sizes[n] for n in held])
        else:
            size = sum(item_size({k: v}) for n in held for k, v in items[n].attrs.items()
                       if k in names)
        counted.indexes[name] = [size, len(held)]
        release(held)  # a million new ints freed in one call at the return: 30 ms at 1M
    release(sizes)
    release(items)
    return counted


def install(table: Any, record: dict[str, Any]) -> None:
    """Figures a snapshot kept (`Figures.record`) for the items it restored, so no describe
    sizes every item after a restart; ignored when they name other indexes than the
    table's (counted at the next describe)."""
    figures = tally(table)
    indexes = record["indexes"]
    if sorted(indexes) != sorted(figures.indexes):
        return
    figures.size, figures.count = int(record["size"]), int(record["count"])
    figures.indexes = {name: [int(size), int(count)] for name, (size, count) in indexes.items()}
    table.figures = figures


def changed(table: Any, old: Any, new: Any) -> None:
    """A write stored `new` (None: a delete) where `old` was (None: nothing): the figures,
    once counted, follow it."""
    known: Figures | None = table.figures if table is not None else None
    if known is None:
        return
    if known.key != _key(table):
        forget(table)
        return
    known.add(old, -1)
    known.add(new, 1)


def forget(table: Any) -> None:
    """Items were put in place without `changed`: count again when asked."""
    table.figures = None


def describe(table: Any, base_key: str = "TableDescription") -> dict[str, Any]:
    """`{base_key: TableDescription}`, as DynamoDB describes the table now: DescribeTable
    (base_key "Table"), and "TableDescription" for the others."""
    known = counted(table)
    size, count = known.size, known.count
    figures = {name: (figure[0], figure[1]) for name, figure in known.indexes.items()}
    body: dict[str, Any] = {
        "AttributeDefinitions": table.attr, "ProvisionedThroughput": table.throughput,
        "BillingModeSummary": billing_summary(table),
        "TableSizeBytes": size, "TableName": table.name, "TableStatus": table.status,
        "TableArn": table.table_arn, "TableId": table_id(table), "KeySchema": table.schema,
        "ItemCount": count, "CreationDateTime": table.created_at,
        "DeletionProtectionEnabled": table.deletion_protection_enabled,
        "WarmThroughput": table.warm_throughput}
    # DynamoDB leaves out an index list the table has none of.
    if table.global_indexes:
        body["GlobalSecondaryIndexes"] = [_index(table, i, figures)
                                          for i in table.global_indexes]
    if table.indexes:
        body["LocalSecondaryIndexes"] = [_index(table, i, figures) for i in table.indexes]
    if table.latest_stream_label:
        body["LatestStreamLabel"] = table.latest_stream_label
        body["LatestStreamArn"] = f"{table.table_arn}/stream/{table.latest_stream_label}"
    if table.stream_specification and table.stream_specification["StreamEnabled"]:
        body["StreamSpecification"] = table.stream_specification
    sse = table.sse_specification
    if sse and sse.get("Enabled") is True:
        body["SSEDescription"] = {"Status": "ENABLED", "SSEType": "KMS",
                                  "KMSMasterKeyArn": sse.get("KMSMasterKeyId")}
    restored = table.restore_date_time
    if restored is not None:  # a table made by a restore
        body["RestoreSummary"] = {
            "SourceBackupArn": table.source_backup_arn,
            "SourceTableArn": table.source_table_arn, "RestoreDateTime": restored,
            "RestoreInProgress": False}
    return {base_key: body}


def billing_summary(table: Any) -> dict[str, Any]:
    """BillingModeSummary: an on-demand table says since when (its creation, or the
    UpdateTable that turned it on-demand)."""
    summary: dict[str, Any] = {"BillingMode": table.billing_mode}
    if table.billing_mode == "PAY_PER_REQUEST":
        summary["LastUpdateToPayPerRequestDateTime"] = (table.pay_per_request_since
                                                        or table.created_at)
    return summary


def table_id(table: Any) -> str:
    """A UUID derived from the table's ARN and creation time: it survives restarts and
    changes when the table is re-created (one rule, `store.settings.table_id`)."""
    return settings_table_id(table.table_arn, table.created_at)


def _index(table: Any, index: Any, figures: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """A GSI's or LSI's description; a GSI still CREATING is backfilling (`table_calls`)."""
    described: dict[str, Any] = {"IndexName": index.name, "KeySchema": index.schema,
                                 "Projection": index.projection}
    if isinstance(index, GlobalIndex):
        described.update({"IndexStatus": index.status,
                          "ProvisionedThroughput": index.throughput,
                          "WarmThroughput": index.warm_throughput})
        if index.status == CREATING:
            described["Backfilling"] = True
    if index.name in figures:
        described["IndexArn"] = f"{table.table_arn}/index/{index.name}"
        described["IndexSizeBytes"], described["ItemCount"] = figures[index.name]
    return described
