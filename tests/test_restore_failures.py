"""A point-in-time restore whose history cannot be read: DynamoDB has no failed state for a
table, so the new table is dropped (DescribeTable: ResourceNotFoundException), the failure
is counted in /metrics, and the source table and everything stored stay as they were."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

from botocore.exceptions import ClientError
from clocked_emulator import clocked_emulator
from test_restores_off_lock import AHEAD, BOOKINGS, STAGE, loaded

from ddbkit.emulator.connect.clients import make_client

LOADED = 2_000


def _restores_failed(endpoint_url: str) -> float:
    with urllib.request.urlopen(f"{endpoint_url}/metrics", timeout=30) as answer:
        text = answer.read().decode()
    line = next(line for line in text.splitlines()
                if line.startswith("ddbkit_restores_failed_total "))
    return float(line.split()[1])


def _damage_the_load(data_dir: Path) -> None:
    """Overwrites bytes in the middle of the journal segment that holds the load: its
    records there fail their checksums (not a torn tail, which a reader may drop)."""
    journal = max(data_dir.glob("journal-*.log"), key=lambda p: p.stat().st_size)
    size = journal.stat().st_size
    with open(journal, "r+b") as out:
        out.seek(size // 2)
        out.write(b"\xff" * 4096)


def test_a_restore_whose_history_is_damaged_drops_its_table_and_counts_it(
        tmp_path: Path) -> None:
    data_dir = loaded(tmp_path / "data", LOADED)
    with clocked_emulator(data_dir, stage=STAGE, offset_seconds=AHEAD) as emulator:
        client = make_client(endpoint_url=emulator.endpoint_url)
        assert _restores_failed(emulator.endpoint_url) == 0
        _damage_the_load(data_dir)
        answer = client.restore_table_to_point_in_time(
            SourceTableName=BOOKINGS, TargetTableName="restored",
            UseLatestRestorableTime=True)
        assert answer["TableDescription"]["TableStatus"] == "CREATING"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                client.describe_table(TableName="restored")
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "ResourceNotFoundException"
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the restore's table was still there after 60 s")
        assert "restored" not in client.list_tables()["TableNames"]
        assert _restores_failed(emulator.endpoint_url) == 1
        # the source answers as before, from memory
        assert client.describe_table(TableName=BOOKINGS)["Table"]["ItemCount"] == LOADED
        got = client.get_item(TableName=BOOKINGS, Key={"bookingId": {"S": "b000007"}})
        assert got["Item"]["providerId"] == {"S": "p7"}
        # the name is free again: a restore from a backup of the present succeeds
        backup = client.create_backup(TableName=BOOKINGS, BackupName="present")
        client.restore_table_from_backup(TargetTableName="restored",
                                         BackupArn=backup["BackupDetails"]["BackupArn"])
        deadline = time.monotonic() + 60
        while client.describe_table(TableName="restored")["Table"]["TableStatus"] != "ACTIVE":
            assert time.monotonic() < deadline, "the second restore never turned ACTIVE"
            time.sleep(0.1)
        assert client.describe_table(TableName="restored")["Table"]["ItemCount"] == LOADED
