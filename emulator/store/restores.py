"""The new table of a restore (from a backup or to a point in time), with the request's overrides.

A restored table is an ordinary `store.tables.Table` with a restore summary
(`source_table_arn`, `restore_date_time`, and `source_backup_arn` from a backup), made empty
here; `operations.restore_jobs` fills it off the request path (a copy of the source's item
dict: items never change in place). DynamoDB restores
"the settings of the source table at the time of restore" (billing, GSIs, LSIs, throughput,
encryption), each replaceable by the request's `BillingModeOverride`,
`GlobalSecondaryIndexOverride` (a subset of the indexes, possibly with other throughput),
`LocalSecondaryIndexOverride`, `ProvisionedThroughputOverride` and
`SSESpecificationOverride`; stream, TTL, PITR and tags are not restored
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html).
Called by the RestoreTableFromBackup and RestoreTableToPointInTime operations
(`emulator/operations/`).
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from ddbkit.emulator.store.item_map import ItemMap
from ddbkit.emulator.store.tables import Backup, GlobalIndex, LocalIndex, Table


def from_backup(name: str, backup: Backup, params: dict[str, Any],
                restored_at: datetime) -> Table:
    """The table `backup` holds, as a new table `name`, still empty (`restore_jobs` copies
    the backup's items into it)."""
    table = restored_table(name, backup.frozen, ItemMap(), params, restored_at)
    table.source_backup_arn = backup.arn
    return table


def to_point_in_time(name: str, source: Table, items: Any, params: dict[str, Any],
                     restored_at: datetime) -> Table:
    """A new table `name` with `source`'s settings holding `items` (not copied)."""
    return restored_table(name, source, items, params, restored_at)


def restored_table(name: str, source: Table, items: Any, params: dict[str, Any],
                   restored_at: datetime) -> Table:
    """A table named `name`, with `source`'s settings as overridden by the request `params`,
    holding `items` (not copied)."""
    billing = params.get("BillingModeOverride") or source.billing_mode
    throughput = params.get("ProvisionedThroughputOverride")
    if throughput is None and billing != "PAY_PER_REQUEST":
        throughput = {k: v for k, v in source.throughput.items()
                      if k in ("ReadCapacityUnits", "WriteCapacityUnits")}
    sse = params.get("SSESpecificationOverride", _sse(source))
    table = Table(name, account_id=source.account_id, region=source.region_name,
                   schema=copy.deepcopy(source.schema), attr=copy.deepcopy(source.attr),
                   throughput=copy.deepcopy(throughput) or None, billing_mode=billing,
                   sse_specification=copy.deepcopy(sse) if sse and sse.get("Enabled") else None)
    gsis = params.get("GlobalSecondaryIndexOverride")
    table.global_indexes = (copy.deepcopy(source.global_indexes) if gsis is None
                            else [GlobalIndex.create(i) for i in gsis])
    lsis = params.get("LocalSecondaryIndexOverride")
    table.indexes = (copy.deepcopy(source.indexes) if lsis is None
                     else [LocalIndex.create(i) for i in lsis])
    table.items = items
    table.source_table_arn = source.table_arn
    table.restore_date_time = restored_at
    return table


def _sse(source: Table) -> dict[str, Any] | None:
    spec = source.sse_specification
    return dict(spec) if spec else None
