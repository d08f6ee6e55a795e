"""Describing a table as DynamoDB does: `describe(table)`, DescribeTable's whole answer.

moto's `Table.describe` reports TableSizeBytes 0, no TableId, and for its indexes no
IndexArn, IndexSizeBytes or ItemCount. DynamoDB reports them all (it refreshes sizes and
counts about every six hours; here they are exact): the table's size is the sum of its items'
sizes (`capacity/sizes.py`), an index holds the items that have all its key attributes, sized as
projected into it. TableId is a UUID derived from the table's ARN and creation time, so it
survives restarts and changes when the table is re-created. A GSI that UpdateTable just
created is CREATING and backfilling (`table_calls`).

ddbkit's operations call `describe` (DescribeTable, CreateTable, UpdateTable, DeleteTable,
and through `backup_calls` the restores and DescribeBackup); moto's own `Table.describe` is
never used.

Counting is a pass over every item (about 0.15 s at 20,000 bookings), so the figures are
remembered per table until it changes: every write is ddbkit's own (operations/writes.py),
which bumps a counter (`changed`); loads that fill `table.items` directly (recovery, restores)
replace the dict or grow it, which the remembered key also covers.
"""
from __future__ import annotations

from typing import Any

from moto.dynamodb.models.table import GlobalSecondaryIndex, Table

from ddbkit.emulator.capacity.sizes import item_size
from ddbkit.emulator.moto_ext.lsi_fetches import projected_names
from ddbkit.emulator.moto_ext.store import table_items
from ddbkit.emulator.moto_ext.table_calls import ACTIVE, CREATING
from ddbkit.emulator.moto_ext.table_settings import table_id as settings_table_id


def _index_figures(table: Table, indexes: list[Any], items: list[Any]
                   ) -> dict[str, tuple[int, int]]:
    """(size, count) per index, in one pass over the items: an index holds the items that
    have all its key attributes, each sized as projected into it."""
    plans = [(index.name, [k["AttributeName"] for k in index.schema],
              projected_names(table, index)) for index in indexes]
    figures = {name: [0, 0] for name, _, _ in plans}
    for item in items:
        attrs = item.attrs
        sizes: dict[str, int] | None = None
        for name, keys, names in plans:
            if not all(key in attrs for key in keys):
                continue
            figure = figures[name]
            figure[1] += 1
            if names is None:
                figure[0] += item.size()
                continue
            if sizes is None:
                sizes = {k: item_size({k: v}) for k, v in attrs.items()}
            figure[0] += sum(size for k, size in sizes.items() if k in names)
    return {name: (size, count) for name, (size, count) in figures.items()}


_GENERATION = "_ddbkit_generation"
_FIGURES = "_ddbkit_figures"


def _figures(table: Table) -> tuple[int, int, dict[str, tuple[int, int]]]:
    """(table size, item count, per-index figures), counted again only after a change."""
    key = (table.__dict__.get(_GENERATION, 0), id(table.items), len(table.items),
           tuple(index.name for index in table.all_indexes()))
    known = table.__dict__.get(_FIGURES)
    if known is not None and known[0] == key:
        return known[1]  # type: ignore[no-any-return]
    items = table_items(table)
    figures = (sum(item.size() for item in items), len(items),
               _index_figures(table, list(table.all_indexes()), items))
    table.__dict__[_FIGURES] = (key, figures)
    return figures


def changed(table: Any) -> None:
    """The table's items changed: its figures are counted again at the next describe."""
    if table is not None:
        table.__dict__[_GENERATION] = table.__dict__.get(_GENERATION, 0) + 1


def describe(table: Any, base_key: str = "TableDescription") -> dict[str, Any]:
    """`{base_key: TableDescription}`, as DynamoDB describes the table now: DescribeTable
    (base_key "Table"), and "TableDescription" for the others."""
    size, count, figures = _figures(table)
    body: dict[str, Any] = {
        "AttributeDefinitions": table.attr, "ProvisionedThroughput": table.throughput,
        "BillingModeSummary": {"BillingMode": table.billing_mode},
        "TableSizeBytes": size, "TableName": table.name, "TableStatus": ACTIVE,
        "TableArn": table.table_arn, "TableId": table_id(table), "KeySchema": table.schema,
        "ItemCount": count, "CreationDateTime": table.created_at,
        "GlobalSecondaryIndexes": [_index(table, i, figures) for i in table.global_indexes],
        "LocalSecondaryIndexes": [_index(table, i, figures) for i in table.indexes],
        "DeletionProtectionEnabled": table.deletion_protection_enabled,
        "WarmThroughput": table.warm_throughput}
    if table.latest_stream_label:
        body["LatestStreamLabel"] = table.latest_stream_label
        body["LatestStreamArn"] = f"{table.table_arn}/stream/{table.latest_stream_label}"
    if table.stream_specification and table.stream_specification["StreamEnabled"]:
        body["StreamSpecification"] = table.stream_specification
    sse = table.sse_specification
    if sse and sse.get("Enabled") is True:
        body["SSEDescription"] = {"Status": "ENABLED", "SSEType": "KMS",
                                  "KMSMasterKeyArn": sse.get("KMSMasterKeyId")}
    restored = getattr(table, "restore_date_time", None)
    if restored is not None:  # a table made by a restore (moto's RestoredTable classes)
        body["RestoreSummary"] = {
            "SourceBackupArn": getattr(table, "source_backup_arn", None),
            "SourceTableArn": table.source_table_arn, "RestoreDateTime": restored,
            "RestoreInProgress": False}
    return {base_key: body}


def table_id(table: Any) -> str:
    """A UUID derived from the table's ARN and creation time: it survives restarts and
    changes when the table is re-created (one rule, `table_settings.table_id`)."""
    return settings_table_id(table.table_arn, table.created_at)


def _index(table: Any, index: Any, figures: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """A GSI's or LSI's description; a GSI still CREATING is backfilling (`table_calls`)."""
    described: dict[str, Any] = {"IndexName": index.name, "KeySchema": index.schema,
                                 "Projection": index.projection}
    if isinstance(index, GlobalSecondaryIndex):
        described.update({"IndexStatus": index.status,
                          "ProvisionedThroughput": index.throughput,
                          "WarmThroughput": index.warm_throughput})
        if index.status == CREATING:
            described["Backfilling"] = True
    if index.name in figures:
        described["IndexArn"] = f"{table.table_arn}/index/{index.name}"
        described["IndexSizeBytes"], described["ItemCount"] = figures[index.name]
    return described
