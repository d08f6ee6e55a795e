"""A backup taken while a writer keeps writing holds the table as it was at one instant.

CreateBackup copies the table's items a slice at a time after it answers
(`store.item_copies`), while requests go on; here in slices of 50 items, so that many writes
land between them. A writer overwrites keys spread over every slice, in
a random order, each write with the next version number, before, during and after
CreateBackup; the table restored from the backup must then be the table after exactly the
writes up to some version: every key holds the last version written to it up to the newest
one found, none newer.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from restored import restored

from ddbkit.emulator.runtime import Emulator
from ddbkit.emulator.store import item_copies

COUNT = 6000
SLICE = 50  # 120 slices
WRITTEN = 300  # keys the writer cycles over, spread over the whole table
STEP = COUNT // WRITTEN


def key(n: int) -> dict[str, Any]:
    return {"pk": {"S": f"k{n:06d}"}}


def load(client: Any, table: str) -> None:
    def batch(start: int) -> None:
        requests = [{"PutRequest": {"Item": {**key(n), "v": {"N": "-1"}}}}
                    for n in range(start, min(start + 25, COUNT))]
        while requests:
            answer = client.batch_write_item(RequestItems={table: requests})
            requests = answer["UnprocessedItems"].get(table, [])

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(batch, range(0, COUNT, 25)))


def write_versions(client: Any, table: str, stop: threading.Event, at_least: int,
                   log: list[int]) -> None:
    """Version j to key log[j], keys in a random order (so that a write behind the copy's
    position comes before one ahead of it), until stopped (and `at_least` written)."""
    draw = random.Random(7)
    while len(log) < at_least or not stop.is_set():
        number = draw.randrange(WRITTEN) * STEP
        client.put_item(TableName=table, Item={**key(number), "v": {"N": str(len(log))}})
        log.append(number)


def scanned(client: Any, table: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for page in client.get_paginator("scan").paginate(TableName=table):
        found.update((i["pk"]["S"], int(i["v"]["N"])) for i in page["Items"])
    return found


def test_a_backup_under_a_writer_is_the_table_at_one_instant(
        fresh_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(item_copies, "SLICE", SLICE)
    client = fresh_emulator.client("dynamodb")
    stage = fresh_emulator.config.stage
    table, target = f"{stage}-busy", f"{stage}-busy-back"
    client.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST")
    load(client, table)
    stop, log = threading.Event(), []
    writer = threading.Thread(target=write_versions, args=(
        fresh_emulator.client("dynamodb"), table, stop, 300, log))
    writer.start()
    try:
        while len(log) < 20 and writer.is_alive():
            time.sleep(0.01)  # the writer under way first
        arn = client.create_backup(TableName=table, BackupName="busy")["BackupDetails"][
            "BackupArn"]
        client.describe_backup(BackupArn=arn)
    finally:
        stop.set()
        writer.join()
    client.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
    assert restored(client, target)["ItemCount"] == COUNT
    backed = scanned(client, target)
    newest = max(backed.values())
    assert 0 <= newest < len(log) - 1  # the writer wrote before and after the backup
    expected = {key(n)["pk"]["S"]: -1 for n in range(COUNT)}
    for version, number in enumerate(log[:newest + 1]):
        expected[key(number)["pk"]["S"]] = version
    assert backed == expected
