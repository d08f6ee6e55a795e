"""What CreateTable and UpdateTable (`emulator/operations/`) call to shape a table.

The table is ddbkit's own (`store.tables.Table`), made in the account's catalog. A table's
indexes are built here as it gets its shape, not by the first Query (at 100k items a 2.4 s stall).

A GSI that UpdateTable creates is CREATING, backfilling, until its backfill is done
(`store.backfills`: in the background for a large table; a small one's within UpdateTable,
ACTIVE from the next DescribeTable on, `finish_backfills`). When its GSIs change, a table's
built indexes follow (`indexes.follow`: a deleted one dropped, a new one empty for the
backfill), or, when they cannot, are built whole from every stored item (`indexes_for`).
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.store import backfills, table_description
from ddbkit.emulator.store.catalog import Catalog
from ddbkit.emulator.store.indexes import follow, indexes_for, maintained
from ddbkit.emulator.store.tables import ACTIVE, CREATING, GlobalIndex, Table

DELETING = "DELETING"


def create_new_table(backend: Catalog, params: dict[str, Any]) -> Table:
    """A new table in the catalog from a CreateTable-shaped request (whose name no table
    has), its indexes built."""
    table = Table(
        params["TableName"], account_id=backend.account_id, region=backend.region,
        schema=params["KeySchema"], throughput=params.get("ProvisionedThroughput"),
        attr=params["AttributeDefinitions"],
        global_indexes=params.get("GlobalSecondaryIndexes") or [],
        indexes=params.get("LocalSecondaryIndexes") or [],
        billing_mode="PAY_PER_REQUEST" if params.get("BillingMode") == "PAY_PER_REQUEST"
        else "PROVISIONED",
        sse_specification=params.get("SSESpecification"), tags=params.get("Tags") or [],
        deletion_protection_enabled=params.get("DeletionProtectionEnabled", False),
        warm_throughput=params.get("WarmThroughput"))
    table.set_stream_specification(params.get("StreamSpecification"))
    backend.tables[table.name] = table
    indexes_for(table)
    return table


def new_global_index(create: dict[str, Any]) -> GlobalIndex:
    """A GSI from an UpdateTable Create, CREATING (backfilling)."""
    index = GlobalIndex.create(create)
    index.status = CREATING
    return index


def update_global_index(index: GlobalIndex, update: dict[str, Any]) -> None:
    """An UpdateTable Update: the index's new throughput."""
    index.update(update)


def index_as_deleted(index: GlobalIndex) -> dict[str, Any]:
    """A GSI UpdateTable deletes, as its answer lists it: DELETING."""
    return {"IndexName": index.name, "KeySchema": index.schema, "Projection": index.projection,
            "IndexStatus": DELETING, "ProvisionedThroughput": index.throughput,
            "WarmThroughput": index.warm_throughput}


def set_global_indexes(tables: dict[str, Any], table: Table,
                       indexes: list[GlobalIndex]) -> None:
    """The table's GSIs from now on: its index structures follow, a new one backfilled."""
    built, counted = maintained(table), table_description.current_key(table)
    gone = {index.name for index in table.global_indexes} - {index.name for index in indexes}
    table.global_indexes = indexes
    for name in gone:
        backfills.cancel(table, name)
    added = None if built is None else follow(built, table)
    table_description.indexes_changed(table, counted)
    if added is None:
        indexes_for(table)  # whole: nothing left to backfill
        return
    for name in added:
        backfills.begin(tables, table, name)


def set_stream(table: Table, specification: dict[str, Any]) -> None:
    """Enables (a new stream, its own label and shard) or disables the table's stream; a
    disabled stream's records stay readable under its old ARN."""
    table.set_stream_specification(dict(specification))


def finish_backfills(table: Table) -> None:
    """DescribeTable: a GSI created by an earlier UpdateTable whose backfill is done is
    ACTIVE from now on."""
    for index in table.global_indexes:
        if index.status == CREATING and not backfills.running(table, index.name):
            index.status = ACTIVE
