"""Named states: `ddbkit state save/restore/list/delete` against a durable `ddbkit up`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from ddbkit.emulator.connect.clients import make_client

BIN = Path(sys.executable).parent
BOOKINGS = "marketplace-dev-bookings-table"


def state(endpoint_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "ddbkit"), "state", *args, "--endpoint-url", endpoint_url],
                          capture_output=True, text=True, timeout=120)


def _statuses(client: Any) -> list[tuple[str, str]]:
    return sorted((i["bookingId"]["S"], i["status"]["S"])
                  for i in client.scan(TableName=BOOKINGS)["Items"])


def booking(key: str, status: str) -> dict[str, Any]:
    return {"bookingId": {"S": key}, "status": {"S": status}, "providerId": {"S": "p1"},
            "customerId": {"S": "c1"}, "scheduledDate": {"S": "2025-12-10T10:00:00Z"},
            "createdAt": {"S": "2025-12-01T10:00:00Z"}}


def test_a_restored_state_is_the_saved_one_and_outlives_a_restart(
        tmp_path: Path, durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    proc = durable_up(data_dir, "--no-seed", "--ttl-interval", "0").start()
    client = make_client(endpoint_url=proc.endpoint_url)
    client.put_item(TableName=BOOKINGS, Item=booking("a", "PENDING"))
    saved = state(proc.endpoint_url, "save", "before")
    assert saved.returncode == 0, saved.stderr
    assert "saved before: 6 tables, 1 items" in saved.stdout
    stream = client.describe_table(TableName=BOOKINGS)["Table"]["LatestStreamArn"]

    client.put_item(TableName=BOOKINGS, Item=booking("a", "CONFIRMED"))
    client.put_item(TableName=BOOKINGS, Item=booking("b", "PENDING"))
    client.create_table(TableName="scratch", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    restored = state(proc.endpoint_url, "restore", "before")
    assert restored.returncode == 0, restored.stderr
    assert _statuses(client) == [("a", "PENDING")]
    assert "scratch" not in client.list_tables()["TableNames"]
    found = client.query(TableName=BOOKINGS, IndexName="status-index",
                         KeyConditionExpression="#s = :s", ExpressionAttributeNames={"#s": "status"},
                         ExpressionAttributeValues={":s": {"S": "CONFIRMED"}})["Items"]
    assert found == []
    streams = make_client("dynamodbstreams", endpoint_url=proc.endpoint_url)
    shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(StreamArn=stream, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["eventName"] for r in records] == ["INSERT"]  # the stream as it was saved
    proc.kill()

    proc = durable_up(data_dir, "--no-seed", "--ttl-interval", "0").start()
    client = make_client(endpoint_url=proc.endpoint_url)
    assert _statuses(client) == [("a", "PENDING")]
    listed = state(proc.endpoint_url, "list")
    assert listed.stdout.startswith("before: 6 tables, 1 items"), listed.stderr
    assert state(proc.endpoint_url, "delete", "before").returncode == 0
    missing = state(proc.endpoint_url, "restore", "before")
    assert missing.returncode == 2
    assert missing.stderr.strip().endswith("ResourceNotFoundException: no saved state named "
                                           "'before'")
    assert "Traceback" not in missing.stderr
    bad = state(proc.endpoint_url, "save", "no/slashes")
    assert bad.returncode == 2 and "ValidationException" in bad.stderr


def test_in_memory_states_write_nothing(tmp_path: Path) -> None:
    from ddbkit.emulator.process import EmulatorProcess

    with EmulatorProcess("--no-seed", "--in-memory", "--ttl-interval", "0",
                         cwd=str(tmp_path)) as proc:
        assert state(proc.endpoint_url, "save", "mem").returncode == 0
        assert state(proc.endpoint_url, "restore", "mem").returncode == 0
    assert list(tmp_path.iterdir()) == []
