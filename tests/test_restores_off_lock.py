"""Backups and restores of a large table do their work off the request path, and a kill -9
during them loses nothing acknowledged and leaves no half table.

A data dir holds BIG bookings items (appended to its journal as a load would have written
them). CreateBackup answers AVAILABLE (its journal record names the table instead of
holding its items); the restores answer the new table CREATING, refuse what DynamoDB
refuses of a table being created, and turn ACTIVE later, while a reader's GetItems on the
source all succeed. Structural facts only: reads answered while the target was CREATING.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from clocked_emulator import OffsetClock, clocked_emulator
from restored import restored

from ddbkit.emulator.capacity.sizes import item_size
from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.durability import encoding
from ddbkit.emulator.durability.framing import frame

STAGE = "offlock"
BOOKINGS = f"marketplace-{STAGE}-bookings-table"
BIG = 30_000
AHEAD = 600.0  # the emulator's clock is this far ahead: the load is inside the PITR window


def booking(number: int) -> dict[str, Any]:
    return {"bookingId": {"S": f"b{number:06d}"}, "status": {"S": ("PENDING", "DONE")[number % 2]},
            "providerId": {"S": f"p{number % 50}"}, "customerId": {"S": f"c{number % 70}"},
            "scheduledDate": {"S": "2025-12-10T10:00:00Z"},
            "createdAt": {"S": "2025-12-01T10:00:00Z"}, "note": {"S": "x" * 100}}


def loaded(data_dir: Path, count: int) -> Path:
    """A data dir whose bookings table holds `count` items (the tables provisioned by a
    first start, the items appended to its journal)."""
    with clocked_emulator(data_dir, stage=STAGE):
        pass
    journal = max(data_dir.glob("journal-*.log"))
    with open(journal, "ab") as out:
        for n, start in enumerate(range(0, count, 1000)):
            ops = [["P", BOOKINGS, item, item_size(item)]
                   for item in map(booking, range(start, min(start + 1000, count)))]
            out.write(frame(encoding.dumps({"n": 1_000_000 + n, "t": time.time(), "ops": ops})))
    return data_dir


def code(call: Any) -> str:
    try:
        call()
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return "OK"


def count(client: Any, table: str) -> int:
    return sum(page["Count"] for page in client.get_paginator("scan").paginate(
        TableName=table, Select="COUNT"))


class Reader(threading.Thread):
    """GetItem on the source, back to back: (start, end, ok) of each read."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.client, self.stop = make_client(endpoint_url=url), threading.Event()
        self.reads: list[tuple[float, float, bool]] = []

    def run(self) -> None:
        rng = random.Random(5)
        while not self.stop.is_set():
            started = time.monotonic()
            key = {"bookingId": {"S": f"b{rng.randrange(BIG):06d}"}}
            try:
                ok = "Item" in self.client.get_item(TableName=BOOKINGS, Key=key)
            except (ClientError, BotoCoreError):
                ok = False
            self.reads.append((started, time.monotonic(), ok))

    def answered_within(self, start: float, end: float) -> list[bool]:
        return [ok for begun, ended, ok in list(self.reads) if begun >= start and ended <= end]


def last_seen_creating(client: Any, name: str) -> float:
    """When the table was last seen CREATING, once it is ACTIVE."""
    seen = time.monotonic()
    while True:
        status = client.describe_table(TableName=name)["Table"]["TableStatus"]
        if status == "ACTIVE":
            return seen
        assert status == "CREATING", status
        seen = time.monotonic()
        time.sleep(0.01)


def test_reads_go_on_while_a_large_table_is_backed_up_and_restored(tmp_path: Path) -> None:
    data_dir = loaded(tmp_path / "data", BIG)
    with clocked_emulator(data_dir, stage=STAGE, offset_seconds=AHEAD) as emulator:
        client = make_client(endpoint_url=emulator.endpoint_url)
        reader = Reader(emulator.endpoint_url)
        reader.start()
        journal = max(data_dir.glob("journal-*.log"))
        before = journal.stat().st_size
        backup = client.create_backup(TableName=BOOKINGS, BackupName="big")["BackupDetails"]
        assert backup["BackupStatus"] == "AVAILABLE" and backup["BackupSizeBytes"] > 0
        # The backup's record names its table: a few KB, not the items (MBs).
        assert journal.stat().st_size - before < 64 << 10

        answered = time.monotonic()
        described = client.restore_table_from_backup(
            TargetTableName="from-backup", BackupArn=backup["BackupArn"])["TableDescription"]
        assert described["TableStatus"] == "CREATING"
        # What DynamoDB answers while a table is being created (the restore copies 30k
        # items and builds three indexes: it is still running).
        key = {"bookingId": {"S": "b000001"}}
        assert code(lambda: client.get_item(TableName="from-backup", Key=key)) == \
            "ResourceNotFoundException"
        assert code(lambda: client.delete_table(TableName="from-backup")) == \
            "ResourceInUseException"
        assert code(lambda: client.delete_backup(BackupArn=backup["BackupArn"])) == \
            "BackupInUseException"
        assert code(lambda: client.restore_table_from_backup(
            TargetTableName="from-backup", BackupArn=backup["BackupArn"])) == \
            "TableAlreadyExistsException"
        creating = last_seen_creating(client, "from-backup")
        during = reader.answered_within(answered, creating)
        assert during and all(during), (len(during), during.count(False))
        assert count(client, "from-backup") == BIG

        answered = time.monotonic()
        described = client.restore_table_to_point_in_time(
            SourceTableName=BOOKINGS, TargetTableName="then",
            UseLatestRestorableTime=True)["TableDescription"]
        assert described["TableStatus"] == "CREATING"
        creating = last_seen_creating(client, "then")
        during = reader.answered_within(answered, creating)
        assert during and all(during), (len(during), during.count(False))
        assert count(client, "then") == BIG
        done = client.get_paginator("query").paginate(
            TableName="then", IndexName="status-index", KeyConditionExpression="#s = :s",
            Select="COUNT", ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "DONE"}})
        assert sum(page["Count"] for page in done) == BIG // 2  # its indexes were built
        reader.stop.set()
        reader.join(timeout=30)
        assert all(ok for _, _, ok in reader.reads)
        client.delete_backup(BackupArn=backup["BackupArn"])  # no restore reads it now

    # After a restart: the backup's reference and the restored tables' records replayed.
    with clocked_emulator(data_dir, stage=STAGE, offset_seconds=AHEAD) as emulator:
        client = make_client(endpoint_url=emulator.endpoint_url)
        assert count(client, "from-backup") == BIG and count(client, "then") == BIG
        assert client.list_backups()["BackupSummaries"] == []


def _serve(data_dir: Path) -> Any:
    """A durable emulator in a child process of its own (kill()ed by the test), its clock
    AHEAD of the wall clock."""
    from clocked_emulator import _serve as serve

    context = multiprocessing.get_context("spawn")
    offset, ports, stop = context.Value("d", AHEAD), context.Queue(), context.Event()
    child = context.Process(target=serve, args=(str(data_dir), offset, STAGE, ports, stop,
                                                64 << 20, None), daemon=True)
    child.start()
    return child, ports.get(timeout=120), OffsetClock(offset)


@pytest.mark.slow
def test_kill_9_during_backups_and_restores_leaves_no_half_table(tmp_path: Path) -> None:
    data_dir = loaded(tmp_path / "data", BIG)
    rng = random.Random(23)
    child, url, _ = _serve(data_dir)
    client = make_client(endpoint_url=url)
    arn = client.create_backup(TableName=BOOKINGS, BackupName="kept")["BackupDetails"][
        "BackupArn"]
    client.restore_table_from_backup(TargetTableName="from-backup", BackupArn=arn)
    time.sleep(rng.uniform(0.0, 0.6))  # while its records are journaled, or before
    child.kill()
    child.join(30)

    child, url, _ = _serve(data_dir)
    client = make_client(endpoint_url=url)
    assert count(client, BOOKINGS) == BIG
    assert [b["BackupArn"] for b in client.list_backups()["BackupSummaries"]] == [arn]
    if "from-backup" in client.list_tables()["TableNames"]:  # whole, or not there
        assert restored(client, "from-backup") and count(client, "from-backup") == BIG
    client.restore_table_to_point_in_time(SourceTableName=BOOKINGS, TargetTableName="then",
                                          UseLatestRestorableTime=True)
    time.sleep(rng.uniform(0.0, 0.6))
    child.kill()
    child.join(30)

    child, url, _ = _serve(data_dir)
    client = make_client(endpoint_url=url)
    try:
        if "then" in client.list_tables()["TableNames"]:
            assert count(client, "then") == BIG
        client.restore_table_from_backup(TargetTableName="again", BackupArn=arn)
        restored(client, "again")
        assert count(client, "again") == BIG  # the backup, rebuilt from its reference
    finally:
        child.kill()
        child.join(30)
