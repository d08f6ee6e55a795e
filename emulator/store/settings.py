"""A table's settings as the data dir keeps them (format 2), and tables built back from them.

Settings are DescribeTable's wire shape, less what is counted (sizes, item counts, status),
plus ddbkit's own fields in `ddbkit`: what DescribeTable does not carry but a restart must
keep. Times are epoch seconds, exact to the microsecond.

    {"Table": {"TableName", "TableArn", "TableId", "KeySchema", "AttributeDefinitions",
               "BillingModeSummary", "ProvisionedThroughput", "WarmThroughput",
               "GlobalSecondaryIndexes", "LocalSecondaryIndexes" (each with its Projection),
               "StreamSpecification", "LatestStreamLabel", "LatestStreamArn",
               "CreationDateTime", "DeletionProtectionEnabled", "SSEDescription",
               "RestoreSummary"},
     "ddbkit": {"TimeToLiveDescription", "ContinuousBackupsDescription", "Tags",
                "StreamShard": {"ShardId", "CreatedAt", "FirstSequenceNumber"}}}

A table is rebuilt with `Table(...)` (ddbkit's own, `store.tables`: keys, attributes,
indexes), then given what the constructor does not take (creation time, stream label and
shard, TTL, PITR, SSE, restore summary). The disk holds wire shapes only, never an attribute
name of a Python object.
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from typing import Any

from ddbkit.emulator.store import stream_shards
from ddbkit.emulator.store.stream_shards import Shard
from ddbkit.emulator.store.tables import Table

_KEPT = ("items", "copies", stream_shards.kept_attribute(), "past_streams")  # not settings
_CACHES = ("index_set", "figures")


class SettingsError(ValueError):
    """Settings this ddbkit cannot build a table from."""


def epoch(moment: datetime) -> float:
    """Epoch seconds of a naive UTC datetime (moto's kind)."""
    return moment.replace(tzinfo=UTC).timestamp()


def naive_utc(seconds: float) -> datetime:
    """The naive UTC datetime of epoch seconds: `epoch`'s inverse, microsecond-exact."""
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def table_id(table_arn: str, created_at: datetime) -> str:
    """DescribeTable's TableId: a UUID from the ARN and creation time, so it survives restarts
    and changes when the table is re-created."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{table_arn}@{created_at}"))


def settings_of(table: Table) -> dict[str, Any]:
    described: dict[str, Any] = {
        "TableName": table.name, "TableArn": table.table_arn,
        "TableId": table_id(table.table_arn, table.created_at),
        "KeySchema": table.schema, "AttributeDefinitions": table.attr,
        "ProvisionedThroughput": table.throughput, "WarmThroughput": table.warm_throughput,
        "GlobalSecondaryIndexes": [_gsi(index) for index in table.global_indexes],
        "LocalSecondaryIndexes": [{"IndexName": i.name, "KeySchema": i.schema,
                                   "Projection": i.projection} for i in table.indexes],
        "StreamSpecification": table.stream_specification,
        "CreationDateTime": epoch(table.created_at),
        "DeletionProtectionEnabled": table.deletion_protection_enabled}
    if table.billing_mode is not None:
        described["BillingModeSummary"] = {"BillingMode": table.billing_mode}
        if table.pay_per_request_since is not None:
            described["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"] = \
                epoch(table.pay_per_request_since)
    if table.latest_stream_label:
        described["LatestStreamLabel"] = table.latest_stream_label
        described["LatestStreamArn"] = f"{table.table_arn}/stream/{table.latest_stream_label}"
    if table.sse_specification is not None:
        described["SSEDescription"] = _sse_description(table.sse_specification)
    if table.restore_date_time is not None:
        described["RestoreSummary"] = _restore_summary(table)
    own: dict[str, Any] = {"TimeToLiveDescription": table.ttl,
                           "ContinuousBackupsDescription": table.continuous_backups,
                           "Tags": table.tags}
    shard = stream_shards.of(table)
    if shard is not None:
        own["StreamShard"] = {"ShardId": shard.shard_id, "CreatedAt": shard.created,
                              "FirstSequenceNumber": shard.first_sequence}
    return {"Table": described, "ddbkit": own}


def _gsi(index: Any) -> dict[str, Any]:
    return {"IndexName": index.name, "KeySchema": index.schema, "Projection": index.projection,
            "IndexStatus": index.status, "ProvisionedThroughput": index.throughput,
            "WarmThroughput": index.warm_throughput}


def _sse_description(spec: dict[str, Any]) -> dict[str, Any]:
    described = {"Status": "ENABLED" if spec.get("Enabled") else "DISABLED"}
    if "SSEType" in spec:
        described["SSEType"] = spec["SSEType"]
    if "KMSMasterKeyId" in spec:
        described["KMSMasterKeyArn"] = spec["KMSMasterKeyId"]
    return described


def _sse_specification(described: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"Enabled": described.get("Status") == "ENABLED"}
    if "SSEType" in described:
        spec["SSEType"] = described["SSEType"]
    if "KMSMasterKeyArn" in described:
        spec["KMSMasterKeyId"] = described["KMSMasterKeyArn"]
    return spec


def _restore_summary(table: Any) -> dict[str, Any]:
    summary: dict[str, Any] = {"SourceTableArn": table.source_table_arn,
                               "RestoreDateTime": epoch(table.restore_date_time),
                               "RestoreInProgress": False}
    if table.source_backup_arn is not None:
        summary["SourceBackupArn"] = table.source_backup_arn
    return summary


def build_table(settings: dict[str, Any]) -> Table:
    """An empty table with these settings (and an empty stream shard if it had one)."""
    settings = copy.deepcopy(settings)
    try:
        return _build(settings["Table"], settings.get("ddbkit", {}))
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        raise SettingsError(f"table settings that cannot be read ({exc!r})") from exc


def _build(described: dict[str, Any], own: dict[str, Any]) -> Table:
    arn = described["TableArn"]
    _, _, _, region, account, _ = arn.split(":", 5)
    summary = described.get("RestoreSummary")
    table = Table(
        described["TableName"], account_id=account, region=region,
        schema=described["KeySchema"], attr=described["AttributeDefinitions"],
        billing_mode=(described.get("BillingModeSummary") or {}).get("BillingMode"),
        indexes=described.get("LocalSecondaryIndexes") or None,
        global_indexes=described.get("GlobalSecondaryIndexes") or None,
        tags=own.get("Tags") or [],
        deletion_protection_enabled=described.get("DeletionProtectionEnabled", False))
    # What the constructor sets its own way (or not at all), as it was:
    table.table_arn = arn
    table.throughput = described["ProvisionedThroughput"]
    table.warm_throughput = described["WarmThroughput"]
    for index, gsi in zip(table.global_indexes, described.get("GlobalSecondaryIndexes") or [],
                          strict=True):
        index.status = gsi.get("IndexStatus", index.status)
    table.created_at = naive_utc(described["CreationDateTime"])
    since = (described.get("BillingModeSummary") or {}).get("LastUpdateToPayPerRequestDateTime")
    table.pay_per_request_since = None if since is None else naive_utc(since)
    table.stream_specification = described["StreamSpecification"]
    table.latest_stream_label = described.get("LatestStreamLabel")
    table.sse_specification = (None if "SSEDescription" not in described
                               else _sse_specification(described["SSEDescription"]))
    table.ttl = own["TimeToLiveDescription"]
    table.continuous_backups = own["ContinuousBackupsDescription"]
    if summary is not None:
        table.source_table_arn = summary["SourceTableArn"]
        table.restore_date_time = naive_utc(summary["RestoreDateTime"])
        if "SourceBackupArn" in summary:
            table.source_backup_arn = summary["SourceBackupArn"]
    stream_shards.attach(table, _shard(own.get("StreamShard"), described))
    return table


def _shard(identity: dict[str, Any] | None, described: dict[str, Any]) -> Shard | None:
    if identity is None:
        return None
    shard = Shard(identity["ShardId"], identity["CreatedAt"],
                  int(identity["FirstSequenceNumber"]))
    if not (described.get("StreamSpecification") or {}).get("StreamEnabled"):
        shard.close()
    return shard


def shard_identity(settings: dict[str, Any]) -> tuple[str, float] | None:
    found = settings.get("ddbkit", {}).get("StreamShard")
    return None if found is None else (found["ShardId"], found["CreatedAt"])


def _index_shapes(table: Table) -> list[tuple[Any, ...]]:
    return [(index.name, index.schema, index.projection) for index in table.all_indexes()]


def apply_settings(table: Table, settings: dict[str, Any]) -> None:
    """Changed settings on a table that keeps its items (UpdateTable, TTL, tags, PITR...);
    its stream shard is kept if the settings name it, else the one named starts, empty."""
    built = build_table(settings)
    current = stream_shards.of(table)
    keep = current is not None and shard_identity(settings) == (
        current.shard_id, current.created)
    # The caches (query indexes, figures) describe the items through the indexes' names, key
    # schemas and projections: kept while those stay (a tag or TTL change replayed at 1M items
    # would otherwise cost a rebuild and a recount), else dropped, to be built when next asked.
    kept = _KEPT + (_CACHES if _index_shapes(built) == _index_shapes(table) else ())
    for name, value in vars(built).items():
        if name not in kept:
            setattr(table, name, value)
    if not keep:
        stream_shards.attach(table, stream_shards.of(built))
    elif current is not None:  # closed as the settings say (an undone disable reopens it)
        current.closed = not (table.stream_specification or {}).get("StreamEnabled")
