"""On-demand backups: listed, filtered and paged as DynamoDB does, restored with overrides,
and kept across restarts of a durable `ddbkit up`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from export_waits import finished
from restored import restored
from test_durability import wait_for

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.runtime import Emulator


def _code(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


def booking(key: str) -> dict[str, Any]:
    return {"bookingId": {"S": key}, "status": {"S": "PENDING"}, "providerId": {"S": "p1"},
            "customerId": {"S": "c1"}, "scheduledDate": {"S": "2025-12-10T10:00:00Z"},
            "createdAt": {"S": "2025-12-01T10:00:00Z"}}


def test_list_backups_filters_and_pages(fresh_emulator: Emulator) -> None:
    client = fresh_emulator.client()
    bookings = f"marketplace-{fresh_emulator.config.stage}-bookings-table"
    users = f"marketplace-{fresh_emulator.config.stage}-users-table"
    made = [client.create_backup(TableName=bookings, BackupName=f"bk{n}")["BackupDetails"]
            for n in range(5)]
    client.create_backup(TableName=users, BackupName="usr")
    listed = client.list_backups(TableName=bookings)["BackupSummaries"]
    assert [b["BackupName"] for b in listed] == ["bk0", "bk1", "bk2", "bk3", "bk4"]
    assert {b["BackupSizeBytes"] for b in listed} == {0}  # the table is empty
    pages, start = [], None
    while True:
        page = client.list_backups(TableName=bookings, Limit=2,
                                   **({"ExclusiveStartBackupArn": start} if start else {}))
        pages.append([b["BackupName"] for b in page["BackupSummaries"]])
        start = page.get("LastEvaluatedBackupArn")
        if start is None:
            break
    assert pages == [["bk0", "bk1"], ["bk2", "bk3"], ["bk4"]]
    later = client.list_backups(TableName=bookings,
                                TimeRangeLowerBound=made[4]["BackupCreationDateTime"])
    assert [b["BackupName"] for b in later["BackupSummaries"]] == ["bk4"]
    assert client.list_backups(TableName=bookings, BackupType="SYSTEM")["BackupSummaries"] == []
    assert len(client.list_backups(TableName=users, BackupType="ALL")["BackupSummaries"]) == 1


def test_restore_from_a_backup_takes_the_overrides(fresh_emulator: Emulator) -> None:
    client = fresh_emulator.client()
    bookings = f"marketplace-{fresh_emulator.config.stage}-bookings-table"
    client.put_item(TableName=bookings, Item=booking("in-backup"))
    details = client.create_backup(TableName=bookings, BackupName="one")["BackupDetails"]
    arn = details["BackupArn"]
    assert 0 < details["BackupSizeBytes"] < 1024  # one small item, not moto's constant
    client.put_item(TableName=bookings, Item=booking("after-backup"))
    gsis = client.describe_table(TableName=bookings)["Table"]["GlobalSecondaryIndexes"]
    kept = {k: gsis[0][k] for k in ("IndexName", "KeySchema", "Projection")}
    target = f"{bookings}-restored"
    described = client.restore_table_from_backup(
        TargetTableName=target, BackupArn=arn, GlobalSecondaryIndexOverride=[kept],
        BillingModeOverride="PROVISIONED",
        ProvisionedThroughputOverride={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
    )["TableDescription"]
    restored(client, target)
    assert described["RestoreSummary"]["SourceBackupArn"] == arn
    assert [g["IndexName"] for g in described["GlobalSecondaryIndexes"]] == [kept["IndexName"]]
    assert described["ProvisionedThroughput"]["WriteCapacityUnits"] == 7
    keys = [i["bookingId"]["S"] for i in client.scan(TableName=target)["Items"]]
    assert keys == ["in-backup"]
    assert _code(lambda: client.restore_table_from_backup(
        TargetTableName=target, BackupArn=arn)) == "TableAlreadyExistsException"
    client.delete_backup(BackupArn=arn)
    assert _code(lambda: client.describe_backup(BackupArn=arn)) == "BackupNotFoundException"
    assert _code(lambda: client.restore_table_from_backup(
        TargetTableName=f"{target}-2", BackupArn=arn)) == "BackupNotFoundException"
    assert _code(lambda: client.create_backup(TableName="no-such-table", BackupName="xyz")) == \
        "TableNotFoundException"


def test_backups_exports_and_imports_survive_a_restart(tmp_path: Path, durable_up: Any) -> None:
    data_dir, args = tmp_path / "data", ("--no-seed", "--ttl-interval", "0", "--s3-dir",
                                         str(tmp_path / "s3"))
    first = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=first.endpoint_url)
    bookings = "marketplace-dev-bookings-table"
    client.put_item(TableName=bookings, Item=booking("kept"))
    kept = client.create_backup(TableName=bookings, BackupName="kept")["BackupDetails"]
    gone = client.create_backup(TableName=bookings, BackupName="gone")["BackupDetails"]
    client.delete_backup(BackupArn=gone["BackupArn"])
    source = _source_details(client, kept["BackupArn"])
    assert (source["ItemCount"], source["TableSizeBytes"] > 0) == (1, True)
    arn = client.describe_table(TableName=bookings)["Table"]["TableArn"]
    export = finished(client, client.export_table_to_point_in_time(TableArn=arn,
                                                                   S3Bucket="bucket"))
    imported = client.import_table(
        S3BucketSource={"S3Bucket": "bucket"}, InputFormat="DYNAMODB_JSON",
        InputCompressionType="GZIP", TableCreationParameters={
            "TableName": "imported", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "bookingId", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "bookingId", "AttributeType": "S"}]},
    )["ImportTableDescription"]
    client.delete_item(TableName=bookings, Key={"bookingId": {"S": "kept"}})
    first.kill()  # SIGKILL: acknowledged is durable

    # The second start compacts at once: the third restores backups and records from the
    # snapshot rather than the journal.
    second = durable_up(data_dir, *args, "--journal-max-mb", "0").start()
    wait_for(lambda: _snapshot_is_current(data_dir), "a snapshot of the restored state")
    second.kill()

    third = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=third.endpoint_url)
    listed = client.list_backups()["BackupSummaries"]
    assert [(b["BackupArn"], b["BackupName"]) for b in listed] == [(kept["BackupArn"], "kept")]
    assert client.describe_backup(BackupArn=kept["BackupArn"])["BackupDescription"][
        "BackupDetails"]["BackupCreationDateTime"] == kept["BackupCreationDateTime"]
    # the figures the snapshot kept for it, not counted again: the same as before
    assert _source_details(client, kept["BackupArn"]) == source
    client.restore_table_from_backup(TargetTableName="back", BackupArn=kept["BackupArn"])
    restored(client, "back")
    assert [i["bookingId"]["S"] for i in client.scan(TableName="back")["Items"]] == ["kept"]
    assert client.describe_export(ExportArn=export["ExportArn"])["ExportDescription"] == export
    assert client.describe_import(ImportArn=imported["ImportArn"])[
        "ImportTableDescription"] == imported
    assert [i["bookingId"]["S"] for i in client.scan(TableName="imported")["Items"]] == ["kept"]
    assert third.stop() == 0


def _source_details(client: Any, arn: str) -> dict[str, Any]:
    found: dict[str, Any] = client.describe_backup(BackupArn=arn)["BackupDescription"][
        "SourceTableDetails"]
    return found


def _snapshot_is_current(data_dir: Path) -> bool:
    def generations(pattern: str) -> list[int]:
        return [int(p.name.split("-")[1].split(".")[0]) for p in data_dir.glob(pattern)]

    snapshots = generations("snapshot-*.snap")
    return bool(snapshots) and max(snapshots) == max(generations("journal-*.log"))
