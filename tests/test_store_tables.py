"""ddbkit's own table model (`store/tables.py`), its registry (`store/catalog.py`) and the
backups made of it: the settings a table is built with come back unchanged, a backup is a
copy later writes do not reach, and the tables are ddbkit's objects, not moto's."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from restored import restored

from ddbkit.emulator.runtime import Emulator
from ddbkit.emulator.store.catalog import catalog
from ddbkit.emulator.store.settings import build_table, settings_of
from ddbkit.emulator.store.tables import (
    Backup,
    GlobalIndex,
    LocalIndex,
    Table,
    backup_identifier,
    default_kms_key,
    utcnow,
)

KEYS = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
ATTRS = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
         {"AttributeName": "g", "AttributeType": "B"}]
GSI = {"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
       "Projection": {"ProjectionType": "KEYS_ONLY"}}
LSI = {"IndexName": "by-g-local", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                {"AttributeName": "g", "KeyType": "RANGE"}],
       "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]}}


def table(region: str = "eu-west-1", **options: Any) -> Table:
    return Table("t", "123456789012", region, schema=KEYS, attr=ATTRS, global_indexes=[GSI],
                 indexes=[LSI], **options)


def test_a_table_reads_its_keys_and_reports_dynamodb_s_defaults() -> None:
    made = table()
    assert (made.hash_key_attr, made.hash_key_type, made.range_key_attr,
            made.range_key_type) == ("pk", "S", "sk", "N")
    assert made.table_key_attrs == ["pk", "sk"] and len(made) == 0 and bool(made)
    assert made.table_arn == "arn:aws:dynamodb:eu-west-1:123456789012:table/t"
    assert table("cn-north-1").table_arn.startswith("arn:aws-cn:dynamodb:cn-north-1:")
    assert made.throughput == {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0,
                               "NumberOfDecreasesToday": 0}
    assert made.warm_throughput == {"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000,
                                    "Status": "ACTIVE"}
    gsi, lsi = made.all_indexes()
    assert type(gsi) is GlobalIndex and type(lsi) is LocalIndex
    assert (gsi.status, gsi.schema_key_attrs, lsi.schema_key_attrs) == ("ACTIVE", ["g"],
                                                                        ["pk", "g"])
    assert made.hash_key_names == ["pk", "g"] and made.range_key_names == ["sk"]
    assert set(made.attribute_keys) == {"pk", "sk", "g"}
    assert made.ttl == {"TimeToLiveStatus": "DISABLED"}
    assert made.stream_specification == {"StreamEnabled": False}


def test_a_stream_gets_a_label_and_shard_and_a_disabled_one_keeps_them_closed() -> None:
    from ddbkit.emulator.store import stream_shards

    made = table()
    assert stream_shards.of(made) is None
    assert made.set_stream_specification({"StreamViewType": "KEYS_ONLY"})
    assert made.stream_specification == {"StreamViewType": "KEYS_ONLY", "StreamEnabled": True}
    shard, label = stream_shards.of(made), made.latest_stream_label
    assert shard is not None and not shard.closed and label
    assert not made.set_stream_specification({"StreamEnabled": False})
    assert stream_shards.of(made) is shard and shard.closed
    assert made.latest_stream_label == label  # the old stream's ARN stays readable


def test_settings_build_the_same_table_back() -> None:
    made = table(throughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
                 billing_mode="PROVISIONED", sse_specification={"Enabled": True},
                 tags=[{"Key": "k", "Value": "v"}], deletion_protection_enabled=True)
    made.set_stream_specification({"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    made.global_indexes[0].status = "CREATING"
    made.ttl = {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    made.source_table_arn, made.restore_date_time = "arn:source", utcnow()
    settings = settings_of(made)
    built = build_table(settings)
    assert type(built) is Table and settings_of(built) == settings
    assert built.created_at == made.created_at and built.global_indexes[0].status == "CREATING"
    assert "SourceBackupArn" not in settings["Table"]["RestoreSummary"]  # a point-in-time one
    assert made.sse_specification is not None
    assert made.sse_specification["KMSMasterKeyId"] == default_kms_key("123456789012",
                                                                       "eu-west-1")


def test_a_backup_s_arn_names_its_table_and_its_creation_time() -> None:
    created = utcnow()
    identifier = backup_identifier(created)
    backup = Backup("123456789012", "eu-west-1", "b", table(), created, identifier)
    millis, _, random_part = identifier.partition("-")
    assert int(millis) == int(created.replace(tzinfo=UTC).timestamp() * 1000)
    assert len(millis) == 14 and len(random_part) == 8
    assert backup.arn == f"arn:aws:dynamodb:eu-west-1:123456789012:table/t/backup/{identifier}"


def test_the_catalog_holds_the_server_s_tables_and_a_backup_is_a_frozen_copy(
        fresh_emulator: Emulator) -> None:
    client = fresh_emulator.client("dynamodb")
    name, target = f"{fresh_emulator.config.stage}-cat", f"{fresh_emulator.config.stage}-back"
    client.create_table(TableName=name, KeySchema=KEYS, AttributeDefinitions=ATTRS[:2],
                        BillingMode="PAY_PER_REQUEST")
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "1"}})
    arn = client.create_backup(TableName=name, BackupName="frozen")["BackupDetails"]["BackupArn"]
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "2"}})

    found = catalog(fresh_emulator.config.server.account_id, fresh_emulator.region)
    assert found is catalog(fresh_emulator.config.server.account_id, fresh_emulator.region)
    made = found.tables[name]
    assert type(made) is Table and found.table(made.table_arn) is made
    assert found.table("nope") is None and len(made) == 2
    backup = found.backups[arn]
    assert type(backup) is Backup and backup.table is not made and len(backup.table) == 1
    client.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
    made_back = restored(client, target)
    assert made_back["ItemCount"] == 1 and made_back["RestoreSummary"]["SourceBackupArn"] == arn


def test_a_settings_change_keeps_the_caches_only_while_the_indexes_stay(
        emulator: Emulator, make_table: Any) -> None:
    """A replayed tag or TTL change keeps a table's query indexes and figures (rebuilding
    them costs seconds at 1M items); a change of its indexes drops them."""
    from ddbkit.emulator.store.access import STORE_LOCK
    from ddbkit.emulator.store.settings import apply_settings

    client = emulator.client()
    name = make_table("caches", attributes=[{"AttributeName": "g", "AttributeType": "S"}],
                      GlobalSecondaryIndexes=[{**GSI, "KeySchema": [
                          {"AttributeName": "g", "KeyType": "HASH"}]}])
    for i in range(20):
        client.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "g": {"S": f"g{i % 3}"}})
    client.query(TableName=name, IndexName="by-g", KeyConditionExpression="g = :g",
                 ExpressionAttributeValues={":g": {"S": "g1"}})
    counted = client.describe_table(TableName=name)["Table"]["ItemCount"]
    stored = catalog(emulator.config.server.account_id, emulator.region).tables[name]
    with STORE_LOCK:
        indexes, figures = stored.index_set, stored.figures
        assert indexes is not None and figures is not None
        tagged = settings_of(stored)
        tagged["ddbkit"] = {**tagged["ddbkit"], "Tags": [{"Key": "team", "Value": "ops"}]}
        apply_settings(stored, tagged)
        assert stored.tags == [{"Key": "team", "Value": "ops"}]
        assert stored.index_set is indexes and stored.figures is figures
        projected = settings_of(stored)
        projected["Table"]["GlobalSecondaryIndexes"][0]["Projection"] = {"ProjectionType": "ALL"}
        apply_settings(stored, projected)
        assert stored.index_set is None and stored.figures is None
    assert client.describe_table(TableName=name)["Table"]["ItemCount"] == counted == 20
