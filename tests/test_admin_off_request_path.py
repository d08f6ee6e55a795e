"""Exports and GSI backfills run off the request path (issue 23): ExportTableToPointInTime
answers IN_PROGRESS and a new GSI is CREATING while the table serves; reads during them all
succeed, writes made during a backfill are in the index once it is ACTIVE, and a restart in
the middle of either (kill -9) loses nothing acknowledged and leaves neither half done.

The in-process emulator's workers (`store.background`) run one task at a time, so a test
holds one back, deterministically, by queueing a gate before it. No timing is asserted.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from export_waits import finished
from s3_emulators import with_s3_folder
from test_durability import wait_for

from ddbkit.emulator.capacity.sizes import item_size
from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.runtime import Emulator
from ddbkit.emulator.store import background
from ddbkit.fixtures import aws_layout

ITEMS = 1500  # more than a backfill does within UpdateTable (`backfills.CHUNK`)
_names = itertools.count(1)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, Path]]:
    with with_s3_folder(tmp_path_factory, "offpath") as served:
        yield served


@pytest.fixture
def client(served: tuple[Emulator, Path]) -> Any:
    return served[0].client()


class Gate:
    """A task queued on a worker that holds the tasks after it until `open()`."""

    def __init__(self, kind: str) -> None:
        self.event = threading.Event()
        background.worker(kind).submit(self._hold)

    def _hold(self, stop: threading.Event) -> None:
        while not self.event.wait(0.02) and not stop.is_set():
            pass

    def open(self) -> None:
        self.event.set()


def item(n: int, **extra: Any) -> dict[str, Any]:
    return {"pk": {"S": f"p{n % 40}"}, "sk": {"S": f"s{n:05d}"}, "n": {"N": str(n)},
            **({"g": {"S": f"g{n % 7}"}} if n % 10 else {}), **extra}  # every 10th: sparse


def filled_table(client: Any, count: int = ITEMS) -> str:
    name = f"offpath-{next(_names)}"
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk")])
    client.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    for start in range(0, count, 25):
        client.batch_write_item(RequestItems={name: [
            {"PutRequest": {"Item": item(n)}} for n in range(start, min(count, start + 25))]})
    return name


def create_gsi(client: Any, table: str, name: str = "by-g") -> dict[str, Any]:
    answer: dict[str, Any] = client.update_table(
        TableName=table, AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": name, "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}}])["TableDescription"]
    return answer


def gsi(client: Any, table: str) -> dict[str, Any]:
    found: dict[str, Any] = client.describe_table(TableName=table)["Table"][
        "GlobalSecondaryIndexes"][0]
    return found


def scanned(client: Any, table: str, **args: Any) -> list[dict[str, Any]]:
    return [i for page in client.get_paginator("scan").paginate(TableName=table, **args)
            for i in page["Items"]]


def keyed(items: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return sorted((i["pk"]["S"], i["sk"]["S"], i["g"]["S"]) for i in items)


def error(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    found = caught.value.response["Error"]
    return found["Code"], found["Message"]


def reads_succeed(client: Any, table: str, count: int = 50) -> int:
    """GetItems of stored keys, each of which must find its item; how many were made."""
    for n in range(count):
        found = client.get_item(TableName=table, Key={"pk": {"S": f"p{n % 40}"},
                                                      "sk": {"S": f"s{n:05d}"}})
        assert found["Item"]["n"] == {"N": str(n)}
    return count


def test_a_gsi_backfills_while_the_table_serves_and_keeps_the_writes_made_meanwhile(
        client: Any) -> None:
    table = filled_table(client)
    gate = Gate("backfill")
    try:
        answer = create_gsi(client, table)
        assert answer["TableStatus"] == "ACTIVE"
        assert answer["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
        described = gsi(client, table)
        assert described["IndexStatus"] == "CREATING" and described["Backfilling"] is True
        refusal = ("ValidationException",
                   "Cannot read from backfilling global secondary index: by-g")
        assert error(lambda: client.query(
            TableName=table, IndexName="by-g", KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "g1"}})) == refusal
        assert error(lambda: client.scan(TableName=table, IndexName="by-g")) == refusal
        assert error(lambda: client.execute_statement(
            Statement=f'SELECT * FROM "{table}"."by-g"')) == refusal
        assert error(lambda: create_gsi(client, table, "by-g-too"))[0] == \
            "LimitExceededException"  # one index created at a time
        assert reads_succeed(client, table) == 50
        # writes while it backfills: new, re-keyed, deleted, made sparse, made indexed
        client.put_item(TableName=table, Item=item(90001))
        client.put_item(TableName=table, Item=item(3, g={"S": "moved"}))
        client.delete_item(TableName=table, Key={"pk": {"S": "p4"}, "sk": {"S": "s00004"}})
        client.update_item(TableName=table, Key={"pk": {"S": "p5"}, "sk": {"S": "s00005"}},
                           UpdateExpression="REMOVE g")
        client.update_item(TableName=table, Key={"pk": {"S": "p10"}, "sk": {"S": "s00010"}},
                           UpdateExpression="SET g = :g",
                           ExpressionAttributeValues={":g": {"S": "late"}})
        assert gsi(client, table)["IndexStatus"] == "CREATING"
    finally:
        gate.open()
    wait_for(lambda: gsi(client, table)["IndexStatus"] == "ACTIVE", "the backfill")
    expected = [i for i in scanned(client, table) if "g" in i]
    assert keyed(scanned(client, table, IndexName="by-g")) == keyed(expected)
    moved = client.query(TableName=table, IndexName="by-g", KeyConditionExpression="g = :g",
                         ExpressionAttributeValues={":g": {"S": "moved"}})["Items"]
    assert [i["sk"]["S"] for i in moved] == ["s00003"]
    described = gsi(client, table)
    assert "Backfilling" not in described
    assert described["ItemCount"] == len(expected)
    assert described["IndexSizeBytes"] == sum(item_size(i) for i in expected)


def test_deleting_a_gsi_while_it_backfills_stops_the_backfill(client: Any) -> None:
    table = filled_table(client)
    gate = Gate("backfill")
    try:
        create_gsi(client, table)
        deleted = client.update_table(TableName=table, GlobalSecondaryIndexUpdates=[
            {"Delete": {"IndexName": "by-g"}}])["TableDescription"]
        assert [i["IndexStatus"] for i in deleted["GlobalSecondaryIndexes"]] == ["DELETING"]
    finally:
        gate.open()
    create_gsi(client, table, "by-g-again")
    wait_for(lambda: gsi(client, table)["IndexStatus"] == "ACTIVE", "the second backfill")
    described = client.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"]
    assert [i["IndexName"] for i in described] == ["by-g-again"]
    assert keyed(scanned(client, table, IndexName="by-g-again")) == \
        keyed([i for i in scanned(client, table) if "g" in i])


def test_an_export_is_in_progress_while_the_table_serves_and_holds_its_moment(
        served: tuple[Emulator, Path], client: Any) -> None:
    _, s3_dir = served
    table = filled_table(client)
    arn = client.describe_table(TableName=table)["Table"]["TableArn"]
    before = scanned(client, table)
    gate = Gate("export")
    try:
        answer = client.export_table_to_point_in_time(TableArn=arn, S3Bucket="offpath")[
            "ExportDescription"]
        assert answer["ExportStatus"] == "IN_PROGRESS"
        assert "ItemCount" not in answer and "EndTime" not in answer
        assert client.describe_export(ExportArn=answer["ExportArn"])["ExportDescription"][
            "ExportStatus"] == "IN_PROGRESS"
        assert [e["ExportStatus"] for e in client.list_exports(TableArn=arn)[
            "ExportSummaries"]] == ["IN_PROGRESS"]
        assert reads_succeed(client, table) == 50
        client.put_item(TableName=table, Item=item(90002))  # after its moment: not in it
    finally:
        gate.open()
    done = finished(client, answer)
    assert done["ExportStatus"] == "COMPLETED" and done["ItemCount"] == len(before)
    assert done["BilledSizeBytes"] > 0 and done["EndTime"] >= done["StartTime"]
    folder = (s3_dir / "offpath" / done["ExportManifest"]).parent
    written = [i for i in aws_layout.iter_export_items(folder)]
    assert sorted(i["sk"]["S"] for i in written) == sorted(i["sk"]["S"] for i in before)


def test_an_export_to_a_folder_that_cannot_be_written_fails_as_dynamodb_reports_it(
        served: tuple[Emulator, Path], client: Any) -> None:
    _, s3_dir = served
    table = filled_table(client, 30)
    arn = client.describe_table(TableName=table)["Table"]["TableArn"]
    (s3_dir / "occupied").write_text("a file where the bucket's folder would be")
    done = finished(client, client.export_table_to_point_in_time(TableArn=arn,
                                                                 S3Bucket="occupied"))
    assert done["ExportStatus"] == "FAILED"
    assert done["FailureCode"] and "Cannot write" in done["FailureMessage"]
    assert "ItemCount" not in done and "EndTime" in done


def test_kill_during_an_export_and_a_backfill_then_restart(tmp_path: Path,
                                                           durable_up: Any) -> None:
    data_dir, args = tmp_path / "data", ("--no-seed", "--ttl-interval", "0", "--s3-dir",
                                         str(tmp_path / "s3"))
    first = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=first.endpoint_url)
    table = filled_table(client, 5000)
    arn = client.describe_table(TableName=table)["Table"]["TableArn"]
    export = client.export_table_to_point_in_time(TableArn=arn, S3Bucket="killed")[
        "ExportDescription"]
    client.put_item(TableName=table, Item=item(90003))  # acknowledged during the export
    client.delete_item(TableName=table, Key={"pk": {"S": "p1"}, "sk": {"S": "s00001"}})
    assert create_gsi(client, table)["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
    first.kill()  # SIGKILL, most likely while both run: the next start settles them

    second = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=second.endpoint_url)
    items = scanned(client, table)
    assert len(items) == 5000 and {"S": "s90003"} in [i["sk"] for i in items]
    assert gsi(client, table)["IndexStatus"] == "ACTIVE"  # never left half built
    assert keyed(scanned(client, table, IndexName="by-g")) == keyed(
        [i for i in items if "g" in i])
    found = client.describe_export(ExportArn=export["ExportArn"])["ExportDescription"]
    assert found["ExportStatus"] in ("COMPLETED", "FAILED")  # never IN_PROGRESS again
    if found["ExportStatus"] == "FAILED":
        assert found["FailureCode"] == "EmulatorStopped"
    assert second.stop() == 0
