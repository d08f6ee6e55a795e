"""The backup, restore, export and import operations (emulator/operations/), each with good and
bad input, against a real server with boto3; binary attributes survive every copy.

An in-memory emulator of this module's own (its S3 folder in a temp dir) for most; a durable
one in a child process, its clock moved by the test, for a restore to a past moment.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from clocked_emulator import clocked_emulator
from export_waits import finished
from restored import restored

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.runtime import Emulator, EmulatorConfig
from ddbkit.fixtures import aws_layout

STAGE = "opsbk"
USERS = f"marketplace-{STAGE}-users-table"
_names = itertools.count(1)

# Binary where it can go: both keys, a GSI key, a set, and inside a map and a list.
ITEMS = [
    {"pk": {"B": b"\x00\xff"}, "sk": {"B": b"\x01"}, "gk": {"B": b"\xfe\x00"},
     "blobs": {"BS": [b"\x00", b"\xff\xfe", b"text"]},
     "nested": {"M": {"b": {"B": b"\x80"}, "l": {"L": [{"B": b"\x7f"}, {"S": "s"}]}}}},
    {"pk": {"B": b"\x00\xff"}, "sk": {"B": b"\x02\x00"}, "gk": {"B": b"\xfe\x00"},
     "n": {"N": "1.5"}},
    {"pk": {"B": b"plain"}, "sk": {"B": b"\xff" * 40}, "blob": {"B": b"\x00" * 3}},
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, Path]]:
    s3_dir = tmp_path_factory.mktemp("s3")
    config = EmulatorConfig(server=ServerConfig(port=0), stage=STAGE, ttl_interval=0,
                            s3_dir=s3_dir)
    with Emulator(config) as emulator:
        yield emulator, s3_dir


@pytest.fixture(scope="module")
def client(served: tuple[Emulator, Path]) -> Any:
    return served[0].client()


def binary_table(client: Any, prefix: str = "bin") -> str:
    """A table keyed by binary values, with a GSI on a binary attribute, PITR on, filled."""
    name = f"{prefix}-{next(_names)}"
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "B"}
                              for a in ("pk", "sk", "gk")],
        GlobalSecondaryIndexes=[{"IndexName": "by-gk", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"}]}])
    client.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    for item in ITEMS:
        client.put_item(TableName=name, Item=item)
    return name


def canonical(found: list[Any]) -> list[Any]:
    """Items in key order, their sets sorted (a set has no order)."""
    def value(v: dict[str, Any]) -> dict[str, Any]:
        kind, inner = next(iter(v.items()))
        if kind in ("SS", "NS", "BS"):
            return {kind: sorted(inner)}
        if kind == "M":
            return {kind: {k: value(x) for k, x in inner.items()}}
        if kind == "L":
            return {kind: [value(x) for x in inner]}
        return v

    return sorted(({k: value(v) for k, v in item.items()} for item in found),
                  key=lambda i: (i["pk"]["B"], i["sk"]["B"]))


def decoded(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB JSON item as written in a file (binary as base64 text) as boto3 gives it."""
    def value(v: dict[str, Any]) -> dict[str, Any]:
        kind, inner = next(iter(v.items()))
        if kind == "B":
            return {kind: base64.b64decode(inner)}
        if kind == "BS":
            return {kind: [base64.b64decode(x) for x in inner]}
        if kind == "M":
            return {kind: {k: value(x) for k, x in inner.items()}}
        if kind == "L":
            return {kind: [value(x) for x in inner]}
        return v

    return {k: value(v) for k, v in item.items()}


def items(client: Any, table: str) -> list[Any]:
    return canonical(client.scan(TableName=table)["Items"])


def by_gk(client: Any, table: str) -> list[bytes]:
    found = client.query(TableName=table, IndexName="by-gk", KeyConditionExpression="gk = :g",
                         ExpressionAttributeValues={":g": {"B": b"\xfe\x00"}})["Items"]
    return sorted(i["sk"]["B"] for i in found)


def error(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def arn_of(client: Any, table: str) -> str:
    return str(client.describe_table(TableName=table)["Table"]["TableArn"])


# -- backups ------------------------------------------------------------------------------

def test_create_and_describe_backup(client: Any) -> None:
    table = binary_table(client)
    details = client.create_backup(TableName=table, BackupName="first")["BackupDetails"]
    assert details["BackupStatus"] == "AVAILABLE" and details["BackupType"] == "USER"
    assert details["BackupArn"].startswith(f"{arn_of(client, table)}/backup/")
    assert details["BackupSizeBytes"] > 40  # the items' size, not moto's constant 123
    by_arn = client.create_backup(TableName=arn_of(client, table), BackupName="second")
    assert by_arn["BackupDetails"]["BackupSizeBytes"] == details["BackupSizeBytes"]
    described = client.describe_backup(BackupArn=details["BackupArn"])["BackupDescription"]
    assert described["BackupDetails"] == details
    source = described["SourceTableDetails"]
    assert source["TableName"] == table and source["ItemCount"] == len(ITEMS)
    assert [k["AttributeName"] for k in source["KeySchema"]] == ["pk", "sk"]


def test_create_and_describe_backup_refusals(client: Any) -> None:
    assert error(lambda: client.create_backup(TableName="no-such-table", BackupName="bk1")) == (
        "TableNotFoundException", "Table not found: no-such-table")
    table = binary_table(client)
    assert error(lambda: client.create_backup(TableName=table, BackupName="a b"))[0] == \
        "ValidationException"  # BackupName's pattern
    missing = f"{arn_of(client, table)}/backup/01234567890123-abcdef01"
    assert error(lambda: client.describe_backup(BackupArn=missing)) == (
        "BackupNotFoundException", f"Backup not found: {missing}")


def test_list_backups_filters_and_pages(client: Any) -> None:
    table = binary_table(client)
    made = [client.create_backup(TableName=table, BackupName=f"bk{n}")["BackupDetails"]
            for n in range(3)]
    listed = client.list_backups(TableName=arn_of(client, table))["BackupSummaries"]
    assert [b["BackupArn"] for b in listed] == [b["BackupArn"] for b in made]
    assert {b["TableName"] for b in listed} == {table}
    assert client.list_backups(TableName=table, BackupType="SYSTEM")["BackupSummaries"] == []
    first = client.list_backups(TableName=table, Limit=2)
    assert [b["BackupName"] for b in first["BackupSummaries"]] == ["bk0", "bk1"]
    rest = client.list_backups(TableName=table, Limit=2,
                               ExclusiveStartBackupArn=first["LastEvaluatedBackupArn"])
    assert [b["BackupName"] for b in rest["BackupSummaries"]] == ["bk2"]
    assert "LastEvaluatedBackupArn" not in rest
    after = client.list_backups(TableName=table,
                                TimeRangeUpperBound=made[0]["BackupCreationDateTime"])
    assert [b["BackupName"] for b in after["BackupSummaries"]] == ["bk0"]


def test_list_backups_refusals(client: Any) -> None:
    unknown = "arn:aws:dynamodb:us-east-1:123456789012:table/x/backup/01234567890123-abcdef01"
    assert error(lambda: client.list_backups(ExclusiveStartBackupArn=unknown)) == (
        "ValidationException", f"Invalid ExclusiveStartBackupArn: {unknown}")
    assert error(lambda: client.list_backups(Limit=101))[0] == "ValidationException"


def test_delete_backup(client: Any) -> None:
    table = binary_table(client)
    arn = client.create_backup(TableName=table, BackupName="gone")["BackupDetails"]["BackupArn"]
    deleted = client.delete_backup(BackupArn=arn)["BackupDescription"]
    assert deleted["BackupDetails"]["BackupStatus"] == "DELETED"
    assert deleted["SourceTableDetails"]["TableName"] == table
    assert error(lambda: client.delete_backup(BackupArn=arn))[0] == "BackupNotFoundException"
    assert error(lambda: client.describe_backup(BackupArn=arn))[0] == "BackupNotFoundException"
    assert arn not in [b["BackupArn"] for b in client.list_backups()["BackupSummaries"]]


def test_restore_from_backup_keeps_binary_items_and_indexes(client: Any) -> None:
    table = binary_table(client)
    arn = client.create_backup(TableName=table, BackupName="bin")["BackupDetails"]["BackupArn"]
    client.delete_item(TableName=table, Key={"pk": ITEMS[2]["pk"], "sk": ITEMS[2]["sk"]})
    target = f"{table}-restored"
    described = client.restore_table_from_backup(TargetTableName=target, BackupArn=arn)[
        "TableDescription"]
    restored(client, target)
    assert described["RestoreSummary"]["SourceBackupArn"] == arn
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert items(client, target) == canonical(ITEMS)  # as backed up, bytes for bytes
    assert by_gk(client, target) == [b"\x01", b"\x02\x00"]
    overridden = client.restore_table_from_backup(
        TargetTableName=f"{table}-lean", BackupArn=arn, GlobalSecondaryIndexOverride=[],
        BillingModeOverride="PROVISIONED",
        ProvisionedThroughputOverride={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
    )["TableDescription"]
    restored(client, f"{table}-lean")
    assert not overridden.get("GlobalSecondaryIndexes")
    assert overridden["ProvisionedThroughput"]["WriteCapacityUnits"] == 4


def test_restore_from_backup_refusals(client: Any) -> None:
    table = binary_table(client)
    arn = client.create_backup(TableName=table, BackupName="one")["BackupDetails"]["BackupArn"]
    assert error(lambda: client.restore_table_from_backup(
        TargetTableName=table, BackupArn=arn)) == (
        "TableAlreadyExistsException", f"Table already exists: {table}")
    assert error(lambda: client.restore_table_from_backup(
        TargetTableName=f"{table}-x", BackupArn=arn + "0"))[0] == "BackupNotFoundException"
    assert f"{table}-x" not in client.list_tables()["TableNames"]


# -- point in time ------------------------------------------------------------------------

def test_restore_to_point_in_time_in_memory_copies_the_table(client: Any) -> None:
    table = binary_table(client)
    described = client.restore_table_to_point_in_time(
        SourceTableArn=arn_of(client, table), TargetTableName=f"{table}-now",
        UseLatestRestorableTime=True)["TableDescription"]
    restored(client, f"{table}-now")
    assert described["RestoreSummary"]["SourceTableArn"] == arn_of(client, table)
    assert items(client, f"{table}-now") == items(client, table)
    assert by_gk(client, f"{table}-now") == [b"\x01", b"\x02\x00"]


def test_restore_to_point_in_time_refusals(client: Any) -> None:
    table = binary_table(client)
    invalid_time = ("InvalidRestoreTimeException", "An invalid restore time was specified. "
                    "RestoreDateTime must be between EarliestRestorableDateTime and "
                    "LatestRestorableDateTime.")
    assert error(lambda: client.restore_table_to_point_in_time(
        SourceTableName=table, TargetTableName="never-1",
        RestoreDateTime=datetime(2020, 1, 1, tzinfo=UTC))) == invalid_time
    assert error(lambda: client.restore_table_to_point_in_time(
        SourceTableName=table, TargetTableName="never-1")) == (
        "ValidationException", "Either RestoreDateTime or UseLatestRestorableTime must be "
        "specified")
    assert error(lambda: client.restore_table_to_point_in_time(
        SourceTableName=table, TargetTableName="never-1", UseLatestRestorableTime=True,
        RestoreDateTime=datetime.now(UTC)))[1].startswith("Only one of RestoreDateTime")
    assert error(lambda: client.restore_table_to_point_in_time(
        TargetTableName="never-1", UseLatestRestorableTime=True)) == (
        "ValidationException", "Either SourceTableName or SourceTableArn must be specified")
    assert error(lambda: client.restore_table_to_point_in_time(
        SourceTableName="no-such-table", TargetTableName="never-1",
        UseLatestRestorableTime=True)) == ("TableNotFoundException",
                                           "Table not found: no-such-table")
    assert error(lambda: client.restore_table_to_point_in_time(
        SourceTableName=table, TargetTableName=USERS, UseLatestRestorableTime=True))[0] == \
        "TableAlreadyExistsException"
    client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": False})
    assert error(lambda: client.restore_table_to_point_in_time(
        SourceTableName=table, TargetTableName="never-1", UseLatestRestorableTime=True)) == (
        "PointInTimeRecoveryUnavailableException",
        f"Point in time recovery is not enabled for table '{table}'")
    assert "never-1" not in client.list_tables()["TableNames"]


def test_restore_to_a_past_moment_keeps_binary_items(tmp_path: Path) -> None:
    with clocked_emulator(tmp_path / "data") as emulator:
        client = make_client(endpoint_url=emulator.endpoint_url)
        table = binary_table(client, "past")
        emulator.advance(300)
        between = datetime.fromtimestamp(emulator.now(), UTC)
        emulator.advance(300)
        client.delete_item(TableName=table, Key={"pk": ITEMS[0]["pk"], "sk": ITEMS[0]["sk"]})
        client.put_item(TableName=table, Item={**ITEMS[1], "gk": {"B": b"\x00"}})
        emulator.advance(600)
        client.restore_table_to_point_in_time(SourceTableName=table, TargetTableName="then",
                                              RestoreDateTime=between)
        restored(client, "then")
        assert items(client, "then") == canonical(ITEMS)
        assert by_gk(client, "then") == [b"\x01", b"\x02\x00"]
        assert by_gk(client, table) == []
        assert error(lambda: client.restore_table_to_point_in_time(
            SourceTableName=table, TargetTableName="later",
            RestoreDateTime=datetime.fromtimestamp(emulator.now() - 60, UTC)))[0] == \
            "InvalidRestoreTimeException"  # after LatestRestorableDateTime (now - 5 min)


# -- exports ------------------------------------------------------------------------------

def test_export_describe_and_list(served: tuple[Emulator, Path], client: Any) -> None:
    _, s3_dir = served
    table = binary_table(client)
    arn = arn_of(client, table)
    answer = client.export_table_to_point_in_time(
        TableArn=arn, S3Bucket="ops-exports", S3Prefix="nightly/run",
        ClientToken="token-1")["ExportDescription"]
    assert answer["ExportStatus"] == "IN_PROGRESS"  # as DynamoDB answers: written after
    export = finished(client, answer)
    assert export["ExportStatus"] == "COMPLETED" and export["ItemCount"] == len(ITEMS)
    assert export["S3Prefix"] == "nightly/run" and export["ClientToken"] == "token-1"
    assert export["ExportManifest"].startswith("nightly/run/AWSDynamoDB/")
    folder = (s3_dir / "ops-exports" / export["ExportManifest"]).parent
    written = canonical([decoded(i) for i in aws_layout.iter_export_items(folder)])
    assert written == items(client, table)  # binary values, base64 in the files, read back
    assert client.describe_export(ExportArn=export["ExportArn"])["ExportDescription"] == export
    second = finished(client, client.export_table_to_point_in_time(TableArn=arn,
                                                                   S3Bucket="ops-exports"))
    mine = client.list_exports(TableArn=arn)["ExportSummaries"]
    assert [e["ExportArn"] for e in mine] == [export["ExportArn"], second["ExportArn"]]
    assert mine[0] == {"ExportArn": export["ExportArn"], "ExportStatus": "COMPLETED",
                       "ExportType": "FULL_EXPORT"}
    pages, token = [], None
    while True:
        page = client.list_exports(MaxResults=1, **({"NextToken": token} if token else {}))
        pages += [e["ExportArn"] for e in page["ExportSummaries"]]
        token = page.get("NextToken")
        if token is None:
            break
    assert pages == [e["ExportArn"] for e in client.list_exports()["ExportSummaries"]]


def test_export_refusals(client: Any) -> None:
    table = binary_table(client)
    arn = arn_of(client, table)
    assert error(lambda: client.export_table_to_point_in_time(
        TableArn=arn + "-nope", S3Bucket="ops-exports")) == (
        "TableNotFoundException", f"Table not found: {arn}-nope")
    assert error(lambda: client.export_table_to_point_in_time(
        TableArn=arn, S3Bucket="Not_A_Bucket"))[1].startswith("Invalid S3 bucket name")
    assert error(lambda: client.export_table_to_point_in_time(
        TableArn=arn, S3Bucket="ops-exports", S3Prefix="../outside")) == (
        "ValidationException", "Invalid S3 prefix: '../outside'")
    assert error(lambda: client.export_table_to_point_in_time(
        TableArn=arn, S3Bucket="ops-exports", ExportFormat="ION"))[1] == (
        "ExportFormat ION is not supported by this emulator; use DYNAMODB_JSON")
    assert error(lambda: client.export_table_to_point_in_time(
        TableArn=arn, S3Bucket="ops-exports", ExportTime=datetime(2999, 1, 1, tzinfo=UTC))) == (
        "InvalidExportTimeException",
        "The specified ExportTime is outside of the point in time recovery window.")
    client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": False})
    assert error(lambda: client.export_table_to_point_in_time(
        TableArn=arn, S3Bucket="ops-exports"))[0] == "PointInTimeRecoveryUnavailableException"
    assert error(lambda: client.describe_export(ExportArn=arn + "/export/01234567890123-abcdef01")
                 )[0] == "ExportNotFoundException"
    assert error(lambda: client.list_exports(NextToken="not-a-token")) == (
        "ValidationException", "Invalid NextToken: not-a-token")


# -- imports ------------------------------------------------------------------------------

def _exported_data(client: Any, table: str) -> dict[str, str]:
    export = finished(client, client.export_table_to_point_in_time(
        TableArn=arn_of(client, table), S3Bucket="ops-imports"))
    return {"S3Bucket": "ops-imports",
            "S3KeyPrefix": export["ExportManifest"].rsplit("/", 1)[0] + "/data/"}


def _creation(name: str) -> dict[str, Any]:
    return {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "B"},
                                     {"AttributeName": "sk", "AttributeType": "B"}]}


def test_import_describe_and_list(client: Any) -> None:
    table = binary_table(client)
    source = _exported_data(client, table)
    target = f"{table}-imported"
    imported = client.import_table(S3BucketSource=source, InputFormat="DYNAMODB_JSON",
                                   InputCompressionType="GZIP",
                                   TableCreationParameters=_creation(target))[
        "ImportTableDescription"]
    assert imported["ImportStatus"] == "COMPLETED" and imported["ErrorCount"] == 0
    assert imported["ImportedItemCount"] == imported["ProcessedItemCount"] == len(ITEMS)
    assert items(client, target) == items(client, table)  # binary values survive
    assert client.describe_import(ImportArn=imported["ImportArn"])[
        "ImportTableDescription"] == imported
    listed = client.list_imports(TableArn=imported["TableArn"])["ImportSummaryList"]
    assert [i["ImportArn"] for i in listed] == [imported["ImportArn"]]
    assert listed[0]["S3BucketSource"] == source and listed[0]["ImportStatus"] == "COMPLETED"


def test_import_paging(client: Any) -> None:
    table = binary_table(client)
    source = _exported_data(client, table)
    for n in range(2):
        client.import_table(S3BucketSource=source, InputFormat="DYNAMODB_JSON",
                            InputCompressionType="GZIP",
                            TableCreationParameters=_creation(f"{table}-page{n}"))
    pages, token = [], None
    while True:
        page = client.list_imports(PageSize=1, **({"NextToken": token} if token else {}))
        pages += [i["ImportArn"] for i in page["ImportSummaryList"]]
        token = page.get("NextToken")
        if token is None:
            break
    assert pages == [i["ImportArn"] for i in client.list_imports()["ImportSummaryList"]]
    assert len(pages) >= 2


def test_import_refusals_and_failures(served: tuple[Emulator, Path], client: Any) -> None:
    _, s3_dir = served
    table = binary_table(client)
    source = _exported_data(client, table)
    assert error(lambda: client.import_table(
        S3BucketSource=source, InputFormat="DYNAMODB_JSON",
        TableCreationParameters=_creation(table))) == (
        "ResourceInUseException", f"Table already exists: {table}")
    assert error(lambda: client.import_table(
        S3BucketSource=source, InputFormat="CSV",
        TableCreationParameters=_creation("never-imported")))[1] == (
        "InputFormat CSV is not supported by this emulator; use DYNAMODB_JSON")
    assert error(lambda: client.import_table(
        S3BucketSource=source, InputFormat="DYNAMODB_JSON",
        TableCreationParameters={**_creation("never-imported"), "BillingMode": "PROVISIONED"})
    )[0] == "ValidationException"  # CreateTable's own checks
    missing = client.import_table(S3BucketSource={"S3Bucket": "no-such-bucket"},
                                  InputFormat="DYNAMODB_JSON",
                                  TableCreationParameters=_creation("never-imported"))[
        "ImportTableDescription"]
    assert (missing["ImportStatus"], missing["FailureCode"]) == ("FAILED", "S3NoSuchBucket")
    junk = s3_dir / "ops-imports" / "junk"
    junk.mkdir(parents=True)
    (junk / "part.json").write_text("not json\n")
    broken = client.import_table(S3BucketSource={"S3Bucket": "ops-imports",
                                                 "S3KeyPrefix": "junk/"},
                                 InputFormat="DYNAMODB_JSON",
                                 TableCreationParameters=_creation("never-imported"))[
        "ImportTableDescription"]
    assert (broken["ImportStatus"], broken["FailureCode"]) == ("FAILED", "InvalidDataFile")
    assert str(s3_dir) not in broken["FailureMessage"]  # no server path in an answer
    assert "never-imported" not in client.list_tables()["TableNames"]
    assert error(lambda: client.describe_import(
        ImportArn=missing["ImportArn"] + "0"))[0] == "ImportNotFoundException"
