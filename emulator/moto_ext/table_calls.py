"""What CreateTable and UpdateTable (`emulator/operations/`) call in moto to shape a table.

Calls only: nothing here replaces an attribute of moto. A table's settings are moto's `Table`
object's own fields (what durability journals), but for its stream shard, ddbkit's; its
indexes are built here as the table gets its shape, not by the first Query (at 100k items a
2.4 s stall).

A GSI that UpdateTable creates is CREATING, backfilling, in that UpdateTable's answer and
ACTIVE from the next DescribeTable on (`finish_backfills`); the backfill itself is immediate:
`indexes_for` rebuilds a table's indexes from every stored item when its GSIs change.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models.table import GlobalSecondaryIndex, Table
from moto.dynamodb.responses import DynamoHandler

from ddbkit.emulator.moto_ext.calls import moto_refusals
from ddbkit.emulator.moto_ext.indexes import indexes_for
from ddbkit.emulator.moto_ext.store import require
from ddbkit.emulator.moto_ext.table_settings import epoch
from ddbkit.emulator.store import stream_shards
from ddbkit.emulator.store.catalog import Catalog
from ddbkit.emulator.store.stream_shards import Shard

CREATING, ACTIVE, DELETING = "CREATING", "ACTIVE", "DELETING"

# What these calls use of moto, checked once: a moto without it fails at start-up.
require(DynamoHandler, "_validate_table_creation")
require(GlobalSecondaryIndex, "create", "update", "describe")
require(Table, "set_stream_specification", "all_indexes")


def check_creation(params: dict[str, Any]) -> None:
    """moto's own CreateTable checks (WarmThroughput against the table's and each index's
    throughput), on a CreateTable-shaped request."""
    handler: Any = DynamoHandler()
    with moto_refusals():
        handler._validate_table_creation(
            billing_mode=params.get("BillingMode"),
            throughput=params.get("ProvisionedThroughput"), key_schema=params["KeySchema"],
            global_indexes=params.get("GlobalSecondaryIndexes"),
            local_secondary_indexes=params.get("LocalSecondaryIndexes"),
            attr=params["AttributeDefinitions"], warm_throughput=params.get("WarmThroughput"))


def create_new_table(backend: Catalog, params: dict[str, Any]) -> Any:
    """A new table in the catalog from a CreateTable-shaped request (whose name no table
    has), its indexes built."""
    make: Any = Table  # moto's class is abstract to mypy (its CloudFormation half)
    with moto_refusals():
        table = make(
            params["TableName"], account_id=backend.account_id, region=backend.region,
            schema=params["KeySchema"],
            throughput=params.get("ProvisionedThroughput"), attr=params["AttributeDefinitions"],
            global_indexes=params.get("GlobalSecondaryIndexes") or [],
            indexes=params.get("LocalSecondaryIndexes") or [],
            streams=params.get("StreamSpecification"),
            billing_mode="PAY_PER_REQUEST" if params.get("BillingMode") == "PAY_PER_REQUEST"
            else "PROVISIONED",
            sse_specification=params.get("SSESpecification"), tags=params.get("Tags") or [],
            deletion_protection_enabled=params.get("DeletionProtectionEnabled", False),
            warm_throughput=params.get("WarmThroughput"))
    backend.tables[table.name] = table
    own_stream(table)
    indexes_for(table)
    return table


def new_global_index(table: Any, create: dict[str, Any]) -> Any:
    """A GSI for `table` from an UpdateTable Create, CREATING (backfilling)."""
    index = GlobalSecondaryIndex.create(create, table.table_key_attrs)
    index.status = CREATING
    return index


def update_global_index(index: Any, update: dict[str, Any]) -> None:
    """An UpdateTable Update: the index's new throughput."""
    index.update(update)


def index_as_deleted(index: Any) -> dict[str, Any]:
    """A GSI UpdateTable deletes, as its answer lists it: DELETING."""
    described: dict[str, Any] = index.describe()
    return {**described, "IndexStatus": DELETING}


def set_global_indexes(table: Any, indexes: list[Any]) -> None:
    """The table's GSIs from now on; its index structures rebuilt (the backfill)."""
    table.global_indexes = indexes
    indexes_for(table)


def set_stream(table: Any, specification: dict[str, Any]) -> None:
    """Enables (a new stream, its own label and shard) or disables the table's stream; a
    disabled stream's records stay readable under its old ARN."""
    old = stream_shards.of(table)
    table.set_stream_specification(dict(specification))
    if not own_stream(table) and old is not None:
        old.close()


def own_stream(table: Any) -> bool:
    """The stream shard moto just made for the table (a new stream), replaced by ddbkit's
    (`store.stream_shards`), with its id, creation time and first sequence number; moto's
    own is dropped, so moto's writes add no record to it. False if moto made none."""
    made = table.stream_shard
    if made is None:
        return False
    table.stream_shard = None
    stream_shards.attach(table, Shard(made.id, epoch(made.created_on),
                                      int(made.starting_sequence_number)))
    return True


def finish_backfills(table: Any) -> None:
    """DescribeTable: a GSI created by an earlier UpdateTable is ACTIVE from now on (its
    backfill finished with that UpdateTable)."""
    for index in table.global_indexes:
        if index.status == CREATING:
            index.status = ACTIVE
