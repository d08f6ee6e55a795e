"""Format 1's records read as format 2's, by data alone (no moto object is built).

Format 1 (ddbkit up to 863cd03, moto 5.2.5) kept a table's settings as moto's
`Table.__dict__`: `{"class": "Table", "attrs": {...}, "shard": {"id", "created_on"}}`, index
objects as `{"$index": kind, "attrs": {...}}`, backups as moto's Backup fields, and stream
records with a datetime. The names below are every one that release could write; any other
fails the conversion, naming it, rather than being dropped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ddbkit.emulator.durability.tablemeta import SettingsError
from ddbkit.emulator.store.settings import epoch, table_id

_TABLE = {"name", "account_id", "region_name", "attr", "schema", "range_key_attr",
          "hash_key_attr", "range_key_type", "hash_key_type", "table_key_attrs",
          "billing_mode", "throughput", "warm_throughput", "indexes", "global_indexes",
          "created_at", "table_arn", "tags", "ttl", "stream_specification",
          "latest_stream_label", "continuous_backups", "sse_specification",
          "deletion_protection_enabled"}
_RESTORED = {"RestoredTable": {"source_backup_arn", "source_table_arn", "restore_date_time"},
             "RestoredPITTable": {"source_table_arn", "restore_date_time"}, "Table": set()}
# moto 5.2.5's first stream sequence number: every format-1 shard started there.
FIRST_SEQUENCE = 1100000000017454423009
_INDEX, _WHEN = "$index", "ApproximateCreationDateTime"


def settings(old: dict[str, Any]) -> dict[str, Any]:
    """Format-1 table settings as format 2's (`store.settings`)."""
    kind, attrs = old.get("class"), old.get("attrs")
    if kind not in _RESTORED or not isinstance(attrs, dict):
        raise SettingsError(f"format-1 table settings of an unknown kind {kind!r}")
    unknown = set(attrs) - _TABLE - _RESTORED[kind]
    if unknown:
        raise SettingsError(f"format-1 table settings name {sorted(unknown)}, which the "
                            "format-1 release never wrote")
    described = _described(attrs)
    if kind != "Table":
        summary: dict[str, Any] = {"SourceTableArn": attrs["source_table_arn"],
                                   "RestoreDateTime": epoch(attrs["restore_date_time"]),
                                   "RestoreInProgress": False}
        if "source_backup_arn" in attrs:
            summary["SourceBackupArn"] = attrs["source_backup_arn"]
        described["RestoreSummary"] = summary
    own: dict[str, Any] = {"TimeToLiveDescription": attrs["ttl"],
                           "ContinuousBackupsDescription": attrs["continuous_backups"],
                           "Tags": attrs["tags"]}
    shard = old.get("shard")
    if shard is not None:
        own["StreamShard"] = {"ShardId": shard["id"], "CreatedAt": epoch(shard["created_on"]),
                              "FirstSequenceNumber": FIRST_SEQUENCE}
    return {"Table": described, "ddbkit": own}


def _described(attrs: dict[str, Any]) -> dict[str, Any]:
    created: datetime = attrs["created_at"]
    described: dict[str, Any] = {
        "TableName": attrs["name"], "TableArn": attrs["table_arn"],
        "TableId": table_id(attrs["table_arn"], created),
        "KeySchema": attrs["schema"], "AttributeDefinitions": attrs["attr"],
        "ProvisionedThroughput": attrs["throughput"], "WarmThroughput": attrs["warm_throughput"],
        "GlobalSecondaryIndexes": [_gsi(_index(i, "GlobalSecondaryIndex"))
                                   for i in attrs["global_indexes"]],
        "LocalSecondaryIndexes": [_lsi(_index(i, "LocalSecondaryIndex"))
                                  for i in attrs["indexes"]],
        "StreamSpecification": attrs["stream_specification"],
        "CreationDateTime": epoch(created),
        "DeletionProtectionEnabled": attrs["deletion_protection_enabled"]}
    if attrs["billing_mode"] is not None:
        described["BillingModeSummary"] = {"BillingMode": attrs["billing_mode"]}
    label = attrs["latest_stream_label"]
    if label:
        described["LatestStreamLabel"] = label
        described["LatestStreamArn"] = f"{attrs['table_arn']}/stream/{label}"
    sse = attrs["sse_specification"]
    if sse is not None:
        described["SSEDescription"] = {"Status": "ENABLED" if sse.get("Enabled") else "DISABLED"}
        if "SSEType" in sse:
            described["SSEDescription"]["SSEType"] = sse["SSEType"]
        if "KMSMasterKeyId" in sse:
            described["SSEDescription"]["KMSMasterKeyArn"] = sse["KMSMasterKeyId"]
    return described


def _index(value: Any, kind: str) -> dict[str, Any]:
    if not isinstance(value, dict) or value.get(_INDEX) != kind:
        raise SettingsError(f"a format-1 index that is not a {kind}")
    attrs: dict[str, Any] = value["attrs"]
    return attrs


def _gsi(attrs: dict[str, Any]) -> dict[str, Any]:
    return {"IndexName": attrs["name"], "KeySchema": attrs["schema"],
            "Projection": attrs["projection"], "IndexStatus": attrs["status"],
            "ProvisionedThroughput": attrs["throughput"],
            "WarmThroughput": attrs["warm_throughput"]}


def _lsi(attrs: dict[str, Any]) -> dict[str, Any]:
    return {"IndexName": attrs["name"], "KeySchema": attrs["schema"],
            "Projection": attrs["projection"]}


def backup(old: dict[str, Any]) -> dict[str, Any]:
    """A format-1 backup document as format 2's (`backups`)."""
    fields, table = old["fields"], old["table"]["attrs"]
    partition = table["table_arn"].split(":")[1]
    arn = (f"arn:{partition}:dynamodb:{fields['region_name']}:{fields['account_id']}:table/"
           f"{table['name']}/backup/{fields['identifier']}")
    return {"BackupDetails": {"BackupArn": arn, "BackupName": fields["name"],
                              "BackupStatus": fields["status"], "BackupType": fields["type"],
                              "BackupCreationDateTime": epoch(fields["creation_date_time"])},
            "SourceTable": settings(old["table"]), "Items": old["items"]}


def record(old: dict[str, Any]) -> dict[str, Any]:
    """A format-1 stream record (moto's dict, its time a datetime) as GetRecords answers it."""
    change = old["dynamodb"]
    when = change.get(_WHEN)
    if isinstance(when, datetime):
        return {**old, "dynamodb": {**change, _WHEN: epoch(when)}}
    return old


def journal_ops(ops: list[Any]) -> list[Any]:
    """A journal record's operations (`replay`), each in format 2."""
    converted = []
    for op in ops:
        kind = op[0]
        if kind in ("C", "M"):
            op = [kind, op[1], settings(op[2])]
        elif kind == "B":
            op = [kind, op[1], backup(op[2])]
        elif kind == "S":
            op = [kind, op[1], [record(r) for r in op[2]]]
        converted.append(op)
    return converted


def snapshot_record(old: dict[str, Any]) -> dict[str, Any]:
    """A snapshot record other than an item chunk (those are the same in both formats)."""
    if "table" in old:
        return {**old, "settings": settings(old["settings"])}
    if "backup" in old:
        return {**old, "document": backup(old["document"])}
    if "stream" in old:
        return {**old, "records": [record(r) for r in old["records"]]}
    return old
