"""What CreateTable and UpdateTable (`emulator/operations/`) call to shape a table.

The table is ddbkit's own (`store.tables.Table`), made in the account's catalog. A table's
indexes are built here as it gets its shape, not by the first Query (at 100k items a 2.4 s stall).

A GSI that UpdateTable creates is CREATING, backfilling, in that UpdateTable's answer and
ACTIVE from the next DescribeTable on (`finish_backfills`); the backfill itself is immediate:
`indexes_for` rebuilds a table's indexes from every stored item when its GSIs change.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.store.catalog import Catalog
from ddbkit.emulator.store.indexes import indexes_for
from ddbkit.emulator.store.tables import GlobalIndex, Table

CREATING, ACTIVE, DELETING = "CREATING", "ACTIVE", "DELETING"


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


def set_global_indexes(table: Table, indexes: list[GlobalIndex]) -> None:
    """The table's GSIs from now on; its index structures rebuilt (the backfill)."""
    table.global_indexes = indexes
    indexes_for(table)


def set_stream(table: Table, specification: dict[str, Any]) -> None:
    """Enables (a new stream, its own label and shard) or disables the table's stream; a
    disabled stream's records stay readable under its old ARN."""
    table.set_stream_specification(dict(specification))


def finish_backfills(table: Table) -> None:
    """DescribeTable: a GSI created by an earlier UpdateTable is ACTIVE from now on (its
    backfill finished with that UpdateTable)."""
    for index in table.global_indexes:
        if index.status == CREATING:
            index.status = ACTIVE
