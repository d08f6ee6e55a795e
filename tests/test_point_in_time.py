"""RestoreTableToPointInTime restores the state of a past moment, as DynamoDB does.

A durable emulator in a child process (`clocked_emulator`), its clock moved forward by the
test so that moments are minutes apart without waiting; real boto3 against it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from clocked_emulator import clocked_emulator
from refusals import refused
from restored import restored

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.runtime import Emulator

BOOKINGS = "marketplace-pitr-bookings-table"


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def booking(key: str, status: str) -> dict[str, Any]:
    return {"bookingId": {"S": key}, "status": {"S": status}, "providerId": {"S": "p1"},
            "customerId": {"S": "c1"}, "scheduledDate": {"S": "2025-12-10T10:00:00Z"},
            "createdAt": {"S": "2025-12-01T10:00:00Z"}}



def _keys_by_status(client: Any, table: str, status: str) -> list[str]:
    found = client.query(TableName=table, IndexName="status-index",
                         KeyConditionExpression="#s = :s",
                         ExpressionAttributeNames={"#s": "status"},
                         ExpressionAttributeValues={":s": {"S": status}})["Items"]
    return sorted(item["bookingId"]["S"] for item in found)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Writes A, then (10 minutes later) B and a change to A, then 10 minutes more."""
    with clocked_emulator(tmp_path_factory.mktemp("pitr") / "data") as emulator:
        client = make_client(endpoint_url=emulator.endpoint_url)
        emulator.advance(60)
        client.put_item(TableName=BOOKINGS, Item=booking("a", "PENDING"))
        emulator.advance(300)
        between = emulator.now()
        emulator.advance(300)
        client.put_item(TableName=BOOKINGS, Item=booking("b", "PENDING"))
        client.put_item(TableName=BOOKINGS, Item=booking("a", "CONFIRMED"))
        emulator.advance(600)
        yield emulator, client, between


def test_restore_between_two_writes_gives_the_state_between_them_gsis_included(
        history: Any) -> None:
    _, client, between = history
    client.restore_table_to_point_in_time(SourceTableName=BOOKINGS, TargetTableName="between",
                                          RestoreDateTime=_at(between))
    restored(client, "between")
    items = client.scan(TableName="between")["Items"]
    assert [(i["bookingId"]["S"], i["status"]["S"]) for i in items] == [("a", "PENDING")]
    assert _keys_by_status(client, "between", "PENDING") == ["a"]
    assert _keys_by_status(client, "between", "CONFIRMED") == []
    described = client.describe_table(TableName="between")["Table"]
    assert described["RestoreSummary"]["SourceTableArn"].endswith(f"table/{BOOKINGS}")
    assert {g["IndexName"] for g in described["GlobalSecondaryIndexes"]} == {
        g["IndexName"] for g in client.describe_table(TableName=BOOKINGS)["Table"][
            "GlobalSecondaryIndexes"]}


def test_the_latest_restorable_time_is_five_minutes_ago(history: Any) -> None:
    emulator, client, _ = history
    window = client.describe_continuous_backups(TableName=BOOKINGS)[
        "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert window["PointInTimeRecoveryStatus"] == "ENABLED"
    assert window["RecoveryPeriodInDays"] == 35
    latest = window["LatestRestorableDateTime"].timestamp()
    assert abs(latest - (emulator.now() - 300)) < 30
    assert window["EarliestRestorableDateTime"].timestamp() < latest
    client.restore_table_to_point_in_time(SourceTableName=BOOKINGS, TargetTableName="latest",
                                          UseLatestRestorableTime=True,
                                          GlobalSecondaryIndexOverride=[],
                                          BillingModeOverride="PAY_PER_REQUEST")
    restored(client, "latest")
    items = client.scan(TableName="latest")["Items"]
    assert sorted((i["bookingId"]["S"], i["status"]["S"]) for i in items) == [
        ("a", "CONFIRMED"), ("b", "PENDING")]
    assert not client.describe_table(TableName="latest")["Table"].get("GlobalSecondaryIndexes")


def test_restore_outside_the_window_gets_dynamodbs_errors(history: Any) -> None:
    emulator, client, _ = history
    window = client.describe_continuous_backups(TableName=BOOKINGS)[
        "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    for moment in (window["EarliestRestorableDateTime"].timestamp() - 60, emulator.now() - 60):
        code, message = refused(lambda m=moment: client.restore_table_to_point_in_time(
            SourceTableName=BOOKINGS, TargetTableName="never", RestoreDateTime=_at(m)))
        assert code == "InvalidRestoreTimeException"
        assert "between EarliestRestorableDateTime and LatestRestorableDateTime" in message
    assert refused(lambda: client.restore_table_to_point_in_time(
        SourceTableName="no-such-table", TargetTableName="never",
        UseLatestRestorableTime=True))[0] == "TableNotFoundException"
    assert refused(lambda: client.restore_table_to_point_in_time(
        SourceTableName=BOOKINGS, TargetTableName=BOOKINGS,
        UseLatestRestorableTime=True))[0] == "TableAlreadyExistsException"
    # a table of its own (tests may run on other workers than the one that restored "between")
    client.create_table(TableName="pitr-off", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    client.update_continuous_backups(TableName="pitr-off", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": False})
    assert refused(lambda: client.restore_table_to_point_in_time(
        SourceTableName="pitr-off", TargetTableName="never",
        UseLatestRestorableTime=True))[0] == "PointInTimeRecoveryUnavailableException"
    assert "never" not in client.list_tables()["TableNames"]


def test_the_recovery_period_bounds_the_window(history: Any) -> None:
    emulator, client, _ = history
    client.update_continuous_backups(TableName=BOOKINGS, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 1})
    emulator.advance(2 * 86400)
    window = client.describe_continuous_backups(TableName=BOOKINGS)[
        "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert window["RecoveryPeriodInDays"] == 1
    assert abs(window["EarliestRestorableDateTime"].timestamp()
               - (emulator.now() - 86400)) < 30


def test_restores_are_journaled_like_any_table(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with clocked_emulator(data_dir) as emulator:
        client = make_client(endpoint_url=emulator.endpoint_url)
        client.put_item(TableName=BOOKINGS, Item=booking("kept", "PENDING"))
        emulator.advance(600)
        client.restore_table_to_point_in_time(SourceTableName=BOOKINGS, TargetTableName="copy",
                                              UseLatestRestorableTime=True)
        restored(client, "copy")
    with clocked_emulator(data_dir) as emulator:
        client = make_client(endpoint_url=emulator.endpoint_url)
        assert [i["bookingId"]["S"] for i in client.scan(TableName="copy")["Items"]] == ["kept"]




def _restored(client: Any, target: str, **when: Any) -> list[tuple[str, str]]:
    client.restore_table_to_point_in_time(SourceTableName=BOOKINGS, TargetTableName=target,
                                          **when)
    restored(client, target)
    return sorted((i["bookingId"]["S"], i["status"]["S"])
                  for i in client.scan(TableName=target)["Items"])


def test_history_spans_snapshots_and_restarts(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with clocked_emulator(data_dir, journal_max_bytes=0) as emulator:
        client = make_client(endpoint_url=emulator.endpoint_url)
        client.put_item(TableName=BOOKINGS, Item=booking("a", "PENDING"))
        emulator.advance(300)
        first = emulator.now()
        emulator.advance(300)
        deadline = time.monotonic() + 180
        while not list(data_dir.glob("snapshot-*.snap")):  # compaction: once a second
            assert time.monotonic() < deadline, "no snapshot was taken"
            time.sleep(0.1)
        client.put_item(TableName=BOOKINGS, Item=booking("b", "PENDING"))
        emulator.advance(300)
        second = emulator.now()
        emulator.advance(300)
        client.put_item(TableName=BOOKINGS, Item=booking("a", "CONFIRMED"))
        emulator.advance(600)
        assert _restored(client, "first", RestoreDateTime=_at(first)) == [("a", "PENDING")]
        offset = emulator.now() - time.time()
    kept = [*data_dir.glob("journal-*.log"), *data_dir.glob("history-*.log")]
    assert len(kept) >= 2  # history kept for the window (old segments merged)
    with clocked_emulator(data_dir) as emulator:
        emulator.advance(offset)
        client = make_client(endpoint_url=emulator.endpoint_url)
        assert _restored(client, "again", RestoreDateTime=_at(first)) == [("a", "PENDING")]
        assert _restored(client, "second", RestoreDateTime=_at(second)) == [
            ("a", "PENDING"), ("b", "PENDING")]
        assert _restored(client, "now", UseLatestRestorableTime=True) == [
            ("a", "CONFIRMED"), ("b", "PENDING")]


def test_in_memory_the_window_is_the_present(fresh_emulator: Emulator) -> None:
    """--in-memory keeps no history: only the table as it is can be restored."""
    client = fresh_emulator.client()
    source = f"marketplace-{fresh_emulator.config.stage}-bookings-table"
    client.put_item(TableName=source, Item=booking("now", "PENDING"))
    window = client.describe_continuous_backups(TableName=source)[
        "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert window["EarliestRestorableDateTime"] == window["LatestRestorableDateTime"]
    target = f"{source}-copy"
    assert refused(lambda: client.restore_table_to_point_in_time(
        SourceTableName=source, TargetTableName=target,
        RestoreDateTime=_at(time.time() - 60)))[0] == "InvalidRestoreTimeException"
    client.restore_table_to_point_in_time(SourceTableName=source, TargetTableName=target,
                                          UseLatestRestorableTime=True)
    restored(client, target)
    assert [i["bookingId"]["S"] for i in client.scan(TableName=target)["Items"]] == ["now"]
