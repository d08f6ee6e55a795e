"""StartBulkPutItems and its companions: DYNAMODB_JSON files (gzip or not) from a local
bucket folder put into an existing table in the background, counted, failures written to the
output prefix, cancellable; as botocore's model describes them."""

from __future__ import annotations

import gzip
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from s3_emulators import with_s3_folder

from ddbkit.emulator.runtime import Emulator

_names = itertools.count(1)
OVER = ("COMPLETED", "COMPLETED_WITH_ERRORS", "CANCELLED", "FAILED")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, Path]]:
    with with_s3_folder(tmp_path_factory, "bulk") as served:
        yield served


@pytest.fixture
def client(served: tuple[Emulator, Path]) -> Any:
    return served[0].client()


def _table(client: Any, **extra: Any) -> str:
    name = f"bulk-target-{next(_names)}"
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        **extra)
    return name


def _line(key: str, **attributes: Any) -> str:
    return json.dumps({"Item": {"pk": {"S": key}, **attributes}})


def _start(client: Any, table: str, bucket: str, prefix: str, **extra: Any) -> str:
    answer = client.start_bulk_put_items(
        TableName=table, InputS3Configuration={
            "S3Bucket": bucket, "S3KeyPrefix": prefix, "InputFormat": "DYNAMODB_JSON"},
        OutputS3Configuration={"S3Bucket": bucket, "S3KeyPrefix": "out",
                               "OutputType": ["ERROR"]}, **extra)["BulkOperationDescription"]
    # a repeated ClientToken answers the operation as it is now
    assert answer["BulkOperationStatus"] == "IN_PROGRESS" or "ClientToken" in extra
    return str(answer["BulkOperationArn"])


def _finished(client: Any, arn: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        described = client.describe_bulk_operation(BulkOperationArn=arn)[
            "BulkOperationDescription"]
        if described["BulkOperationStatus"] in OVER:
            return dict(described)
        assert time.monotonic() < deadline, described
        time.sleep(0.05)


def test_items_from_plain_and_gzip_files_land_in_the_existing_table(
        served: tuple[Emulator, Path], client: Any) -> None:
    s3_dir = served[1]
    folder = s3_dir / "bulk-in" / "load"
    folder.mkdir(parents=True)
    (folder / "a.json").write_text("".join(_line(f"a{i}", n={"N": str(i)}) + "\n"
                                           for i in range(700)))
    with gzip.open(folder / "b.json.gz", "wt") as out:
        out.writelines(_line(f"b{i}") + "\n" for i in range(600))
    table = _table(client, StreamSpecification={"StreamEnabled": True,
                                                "StreamViewType": "NEW_IMAGE"})
    client.put_item(TableName=table, Item={"pk": {"S": "a1"}, "old": {"S": "replaced"}})
    done = _finished(client, _start(client, table, "bulk-in", "load/"))

    assert done["BulkOperationStatus"] == "COMPLETED"
    assert (done["ProcessedItemCount"], done["FailedItemCount"]) == (1300, 0)
    sizes = (folder / "a.json").stat().st_size + (folder / "b.json.gz").stat().st_size
    assert done["ProcessedInputBytes"] == done["TotalInputBytes"] == sizes
    assert done["EndTime"] >= done["StartTime"]
    assert client.scan(TableName=table, Select="COUNT")["Count"] == 1300
    assert client.get_item(TableName=table, Key={"pk": {"S": "a1"}})["Item"] == {
        "pk": {"S": "a1"}, "n": {"N": "1"}}  # a put replaces the whole item
    listed = client.list_bulk_operations(MaxResults=25)["BulkOperationsSummaryList"]
    assert done["BulkOperationArn"] in [s["BulkOperationArn"] for s in listed]


def test_records_that_are_no_items_are_counted_and_written_to_the_output(
        served: tuple[Emulator, Path], client: Any) -> None:
    s3_dir = served[1]
    folder = s3_dir / "bulk-bad" / "in"
    folder.mkdir(parents=True)
    (folder / "mixed.json").write_text("\n".join([
        _line("good"), "not json", json.dumps({"Item": {"other": {"S": "no key"}}}),
        json.dumps({"Item": {"pk": {"N": "1"}}}), _line("good2")]) + "\n")
    table = _table(client)
    done = _finished(client, _start(client, table, "bulk-bad", "in/"))

    assert done["BulkOperationStatus"] == "COMPLETED_WITH_ERRORS"
    assert (done["ProcessedItemCount"], done["FailedItemCount"]) == (5, 3)
    operation_id = done["BulkOperationArn"].rpartition("/")[2]
    written = s3_dir / "bulk-bad" / "out" / "AWSDynamoDB" / "BulkOperations" / operation_id
    failures = [json.loads(line) for line in (written / "errors.json").read_text().splitlines()]
    assert [f["Source"] for f in failures] == ["in/mixed.json:2", "in/mixed.json:3",
                                               "in/mixed.json:4"]
    assert "Missing the key pk" in failures[1]["ErrorMessage"]
    assert sorted(i["pk"]["S"] for i in client.scan(TableName=table)["Items"]) == [
        "good", "good2"]


def test_a_missing_prefix_fails_the_operation(client: Any) -> None:
    table = _table(client)
    done = _finished(client, _start(client, table, "bulk-none", "nothing/"))
    assert done["BulkOperationStatus"] == "FAILED"
    assert done["FailureCode"] == "S3NoSuchBucket"


def test_refusals_at_the_start(client: Any) -> None:
    table = _table(client)
    config = {"S3Bucket": "bulk-in", "InputFormat": "DYNAMODB_JSON"}
    output = {"OutputType": ["ERROR"]}
    with pytest.raises(ClientError) as missing:
        client.start_bulk_put_items(TableName="bulk-no-such-table",
                                    InputS3Configuration=config, OutputS3Configuration=output)
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as ion:
        client.start_bulk_put_items(TableName=table, InputS3Configuration={
            **config, "InputFormat": "ION"}, OutputS3Configuration=output)
    assert ion.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as unknown:
        client.describe_bulk_operation(
            BulkOperationArn=f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}/"
                             "bulk-operation/00000000000000-00000000")
    assert unknown.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_client_token_answers_the_same_operation_or_a_mismatch(
        served: tuple[Emulator, Path], client: Any) -> None:
    folder = served[1] / "bulk-token" / "in"
    folder.mkdir(parents=True)
    (folder / "one.json").write_text(_line("x") + "\n")
    table = _table(client)
    arn = _start(client, table, "bulk-token", "in/", ClientToken="same-token")
    assert _start(client, table, "bulk-token", "in/", ClientToken="same-token") == arn
    with pytest.raises(ClientError) as mismatch:
        _start(client, table, "bulk-token", "other/", ClientToken="same-token")
    assert mismatch.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert _finished(client, arn)["BulkOperationStatus"] == "COMPLETED"


def test_a_cancelled_operation_stops_and_says_so(served: tuple[Emulator, Path],
                                                 client: Any) -> None:
    folder = served[1] / "bulk-cancel" / "in"
    folder.mkdir(parents=True)
    # 1,024 write units a second (the least it takes) over 3,000 items of 1 KB: 3 seconds
    filler = {"f": {"S": "x" * 1000}}
    (folder / "big.json").write_text("".join(_line(f"c{i}", **filler) + "\n"
                                             for i in range(3000)))
    table = _table(client)
    arn = _start(client, table, "bulk-cancel", "in/", MaxWriteRequestUnits=1024)
    answer = client.cancel_bulk_operation(BulkOperationArn=arn)
    assert answer["BulkOperationStatus"] in ("CANCELLING", "COMPLETED")
    done = _finished(client, arn)
    if answer["BulkOperationStatus"] == "CANCELLING":
        assert done["BulkOperationStatus"] == "CANCELLED"
        assert done["ProcessedItemCount"] < 3000
        assert done["FailureCode"] == "UserCancelled"
    assert client.cancel_bulk_operation(BulkOperationArn=arn)["BulkOperationStatus"] == \
        done["BulkOperationStatus"]


def test_list_bulk_operations_pages(served: tuple[Emulator, Path], client: Any) -> None:
    folder = served[1] / "bulk-list" / "in"
    folder.mkdir(parents=True)
    (folder / "one.json").write_text(_line("y") + "\n")
    table = _table(client)
    for _ in range(3):
        _finished(client, _start(client, table, "bulk-list", "in/"))
    first = client.list_bulk_operations(MaxResults=2)
    assert len(first["BulkOperationsSummaryList"]) == 2
    rest = client.list_bulk_operations(MaxResults=25, NextToken=first["NextToken"])
    arns = [s["BulkOperationArn"] for s in
            first["BulkOperationsSummaryList"] + rest["BulkOperationsSummaryList"]]
    assert len(arns) == len(set(arns)) >= 3
