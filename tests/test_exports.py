"""Exports and imports in AWS's layout: ExportTableToPointInTime and `ddbkit export` write
what `ddbkit seed --from` and ImportTable read back."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from clocked_emulator import clocked_emulator
from export_waits import finished

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.runtime import Emulator, EmulatorConfig
from ddbkit.fixtures import aws_layout
from ddbkit.fixtures.seed import seed_endpoint
from ddbkit.fixtures.source import DatasetSource

BIN = Path(sys.executable).parent


def _emulator(stage: str, s3_dir: Path) -> Emulator:
    return Emulator(EmulatorConfig(server=ServerConfig(port=0), stage=stage, ttl_interval=0,
                                   s3_dir=s3_dir))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, Path]]:
    s3_dir = tmp_path_factory.mktemp("s3")
    with _emulator("expsrc", s3_dir) as emulator:
        items, _ = DatasetSource().load()
        seed_endpoint(emulator.client(), items, "expsrc", show_progress=False)
        yield emulator, s3_dir


def _all(client: Any, table: str) -> list[Any]:
    items = [i for page in client.get_paginator("scan").paginate(TableName=table)
             for i in page["Items"]]
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=repr))


def _code(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


def test_an_export_read_back_with_seed_from_gives_the_same_items(
        seeded: tuple[Emulator, Path], tmp_path: Path) -> None:
    emulator, s3_dir = seeded
    client = emulator.client()
    source = "marketplace-expsrc-bookings-table"
    arn = client.describe_table(TableName=source)["Table"]["TableArn"]
    export = finished(client, client.export_table_to_point_in_time(
        TableArn=arn, S3Bucket="exports-a", S3Prefix="nightly"))
    assert export["ExportStatus"] == "COMPLETED"
    expected = _all(client, source)
    assert export["ItemCount"] == len(expected)
    summary = s3_dir / "exports-a" / export["ExportManifest"]
    assert aws_layout.read_export_summary(summary.parent)["exportArn"] == export["ExportArn"]
    assert client.describe_export(ExportArn=export["ExportArn"])["ExportDescription"] == export
    assert [e["ExportArn"] for e in client.list_exports(TableArn=arn)["ExportSummaries"]] == [
        export["ExportArn"]]

    with _emulator("expdst", tmp_path / "unused") as target:
        result = subprocess.run(
            [str(BIN / "ddbkit"), "seed", "--from", str(s3_dir / "exports-a"),
             "--endpoint-url", target.endpoint_url, "--stage", "expdst"],
            capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        got = _all(target.client(), "marketplace-expdst-bookings-table")
        assert len(got) == len(expected), result.stdout
        assert got == expected


def test_import_table_creates_the_table_with_the_items(seeded: tuple[Emulator, Path]) -> None:
    emulator, _ = seeded
    client = emulator.client()
    source = "marketplace-expsrc-services-table"
    binary = client.scan(TableName=source, Limit=1)["Items"][0]
    client.put_item(TableName=source, Item={**binary, "blob": {"B": b"\x00\xff"},
                                            "blobs": {"BS": [b"\x01", b"\x02"]}})
    arn = client.describe_table(TableName=source)["Table"]["TableArn"]
    export = finished(client, client.export_table_to_point_in_time(TableArn=arn,
                                                                   S3Bucket="exports-b"))
    prefix = export["ExportManifest"].rsplit("/", 1)[0] + "/data/"
    creation = {"TableName": "imported-services", "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [{"AttributeName": "serviceId", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "serviceId", "AttributeType": "S"}]}
    imported = client.import_table(S3BucketSource={"S3Bucket": "exports-b",
                                                   "S3KeyPrefix": prefix},
                                   InputFormat="DYNAMODB_JSON", InputCompressionType="GZIP",
                                   TableCreationParameters=creation)["ImportTableDescription"]
    assert imported["ImportStatus"] == "COMPLETED"
    assert imported["ImportedItemCount"] == export["ItemCount"] and imported["ErrorCount"] == 0
    assert _all(client, "imported-services") == _all(client, source)
    described = client.describe_import(ImportArn=imported["ImportArn"])["ImportTableDescription"]
    assert described["ImportStatus"] == "COMPLETED"
    assert imported["ImportArn"] in [i["ImportArn"] for i in client.list_imports(
        TableArn=imported["TableArn"])["ImportSummaryList"]]

    assert _code(lambda: client.import_table(
        S3BucketSource={"S3Bucket": "exports-b"}, InputFormat="DYNAMODB_JSON",
        TableCreationParameters=creation)) == "ResourceInUseException"
    missing = client.import_table(S3BucketSource={"S3Bucket": "no-such-bucket"},
                                  InputFormat="DYNAMODB_JSON",
                                  TableCreationParameters={**creation, "TableName": "never"})
    assert missing["ImportTableDescription"]["ImportStatus"] == "FAILED"
    assert missing["ImportTableDescription"]["FailureCode"] == "S3NoSuchBucket"
    assert "never" not in client.list_tables()["TableNames"]
    assert _code(lambda: client.import_table(
        S3BucketSource={"S3Bucket": "exports-b"}, InputFormat="CSV",
        TableCreationParameters={**creation, "TableName": "never"})) == "ValidationException"
    undefined = {**creation, "TableName": "never",
                 "AttributeDefinitions": [{"AttributeName": "other", "AttributeType": "S"}]}
    assert _code(lambda: client.import_table(  # CreateTable's rules hold for the new table
        S3BucketSource={"S3Bucket": "exports-b", "S3KeyPrefix": prefix},
        InputFormat="DYNAMODB_JSON", InputCompressionType="GZIP",
        TableCreationParameters=undefined)) == "ValidationException"
    assert "never" not in client.list_tables()["TableNames"]


def test_exports_refuse_what_dynamodb_refuses(seeded: tuple[Emulator, Path]) -> None:
    emulator, _ = seeded
    client = emulator.client()
    arn = client.describe_table(TableName="marketplace-expsrc-users-table")["Table"]["TableArn"]
    assert _code(lambda: client.export_table_to_point_in_time(
        TableArn=arn + "-nope", S3Bucket="exports-c")) == "TableNotFoundException"
    assert _code(lambda: client.export_table_to_point_in_time(
        TableArn=arn, S3Bucket="exports-c",
        ExportTime=datetime(2999, 1, 1, tzinfo=UTC))) == "InvalidExportTimeException"
    assert _code(lambda: client.export_table_to_point_in_time(
        TableArn=arn, S3Bucket="Not_A_Bucket")) == "ValidationException"
    client.update_continuous_backups(TableName="marketplace-expsrc-users-table",
                                     PointInTimeRecoverySpecification={
                                         "PointInTimeRecoveryEnabled": False})
    assert _code(lambda: client.export_table_to_point_in_time(
        TableArn=arn, S3Bucket="exports-c")) == "PointInTimeRecoveryUnavailableException"


def test_ddbkit_export_writes_a_past_moment(tmp_path: Path) -> None:
    table = "marketplace-pitr-bookings-table"
    item = {"status": {"S": "PENDING"}, "providerId": {"S": "p1"}, "customerId": {"S": "c1"},
            "scheduledDate": {"S": "2025-12-10T10:00:00Z"},
            "createdAt": {"S": "2025-12-01T10:00:00Z"}}
    with clocked_emulator(tmp_path / "data") as emulator:
        client = make_client(endpoint_url=emulator.endpoint_url)
        client.put_item(TableName=table, Item={"bookingId": {"S": "early"}, **item})
        emulator.advance(600)
        between = datetime.fromtimestamp(emulator.now(), UTC).replace(microsecond=0)
        emulator.advance(600)
        client.put_item(TableName=table, Item={"bookingId": {"S": "late"}, **item})
        emulator.advance(600)
        result = subprocess.run(
            [str(BIN / "ddbkit"), "export", "bookings", "--stage", "pitr", "--time",
             between.strftime("%Y-%m-%dT%H:%M:%S"), "--out", str(tmp_path / "out"),
             "--endpoint-url", emulator.endpoint_url],
            capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        assert "exported 1 items" in result.stdout
        assert sorted(client.list_tables()["TableNames"]) == sorted(
            n for n in client.list_tables()["TableNames"] if "-export-" not in n)
    [export] = aws_layout.find_exports(tmp_path / "out")
    assert [i["bookingId"]["S"] for i in aws_layout.iter_export_items(export)] == ["early"]
