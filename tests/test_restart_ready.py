"""A restart builds every table's query indexes, Scan key order and figures before it serves
a request.

Whatever the data dir holds (a journal alone, or a snapshot whose index sections no longer
match a table whose GSIs changed after it), the restart's first Query, write or
DescribeTable finds them built (`store.ready`), not built under the store lock by that
request. Checked structurally: the data dir written by real `ddbkit up` processes is read
back by the restart's own code (`Recovery`) in a child process, and every table's indexes
there equal ones built afresh from its restored items; then a real restart answers a
Query on every GSI and a PutItem.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ddbkit.emulator.connect.clients import make_client

STAGE = "ready"
BOOKINGS = f"marketplace-{STAGE}-bookings-table"

CHECK = r'''
import sys
from datetime import timedelta
from pathlib import Path

from ddbkit.emulator.durability.files import DataDir
from ddbkit.emulator.durability.recovery import Recovery
from ddbkit.emulator.spec import ACCOUNT_ID, REGION
from ddbkit.emulator.store import ready
from ddbkit.emulator.store.indexes import TableIndexes, layouts, maintained, signature
from ddbkit.emulator.store.tables import utcnow

tables = {}
found = Recovery(DataDir(Path(sys.argv[1])), tables, ACCOUNT_ID, REGION, utcnow(),
                 timedelta(hours=24)).run()
print("built", ",".join(sorted(found.indexes_built)))


def entries(found):
    return {name: {partition: bucket.sorted_keys() for partition, bucket in
                   index.partitions.items()} for name, index in found.indexes.items()}


for name, table in sorted(tables.items()):
    assert ready.is_ready(table), name
    current = maintained(table)  # what a request finds, without building anything
    fresh = TableIndexes(table, signature(table), layouts(table)).build()
    assert entries(current) == entries(fresh), name
    assert set(current.indexes) >= {i.name for i in table.all_indexes()}, name
    if table.range_key_attr is None:  # a Scan's key order, made before any Scan
        order = [key.order for key in current.hash_keys]
        assert order == sorted(key.order for key in table.items), name
    held = {i: sum(map(len, index.partitions.values())) for i, index in current.indexes.items()}
    print(name, len(table), sorted(held.items(), key=str))
'''


def _recovered(data_dir: Path) -> dict[str, str]:
    """What the restart's own recovery finds per table (the check above passed)."""
    result = subprocess.run([sys.executable, "-c", CHECK, str(data_dir)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return dict(line.split(" ", 1) for line in result.stdout.splitlines())


def _create_extra(client: Any) -> None:
    """A table of the user's: a sort key, a GSI and an LSI."""
    client.create_table(
        TableName="extra", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"}
                              for a in ("pk", "sk", "g", "l")],
        GlobalSecondaryIndexes=[{"IndexName": "g-index", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}],
        LocalSecondaryIndexes=[{"IndexName": "l-index", "Projection": {"ProjectionType": "ALL"},
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "l", "KeyType": "RANGE"}]}])


def _extra_item(n: int) -> dict[str, Any]:
    return {"pk": {"S": f"p{n % 7}"}, "sk": {"S": f"s{n:04d}"}, "g": {"S": f"g{n % 3}"},
            "l": {"S": f"l{n % 11}"}, "h": {"S": f"h{n % 2}"}, "pad": {"S": "x" * 200}}


def _booking(n: int) -> dict[str, Any]:
    return {"bookingId": {"S": f"b{n:04d}"}, "status": {"S": "PENDING"},
            "providerId": {"S": f"p{n % 5}"}, "customerId": {"S": f"c{n % 9}"},
            "scheduledDate": {"S": "2025-12-10T10:00:00Z"},
            "createdAt": {"S": f"2025-12-01T10:{n % 60:02d}:00Z"}}


def _write(client: Any, count: int) -> None:
    for n in range(count):
        client.put_item(TableName="extra", Item=_extra_item(n))
        client.put_item(TableName=BOOKINGS, Item=_booking(n))


def _add_gsi(client: Any) -> None:
    client.update_table(
        TableName="extra", AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"}
                                               for a in ("h", "sk")],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "h-index", "Projection": {"ProjectionType": "KEYS_ONLY"},
            "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}]}}])


def _wait_for_current_snapshot(data_dir: Path) -> None:
    """A snapshot continued by the newest journal segment (nothing journaled since)."""
    def generations(pattern: str) -> list[int]:
        return [int(p.name.split("-")[1].split(".")[0]) for p in data_dir.glob(pattern)]

    deadline = time.monotonic() + 60
    while not (generations("snapshot-*.snap") and
               max(generations("snapshot-*.snap")) == max(generations("journal-*.log"))):
        assert time.monotonic() < deadline, "no snapshot within a minute"
        time.sleep(0.1)


def test_a_restart_from_the_journal_alone_serves_with_every_index_built(
        tmp_path: Path, durable_up: Any) -> None:
    data_dir, args = tmp_path / "data", ("--stage", STAGE, "--no-seed", "--ttl-interval", "0")
    first = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=first.endpoint_url)
    _create_extra(client)
    _write(client, 60)
    _add_gsi(client)  # a GSI added after items: the journal's settings change
    client.put_item(TableName="extra", Item=_extra_item(1000))
    assert first.stop() == 0
    assert not list(data_dir.glob("snapshot-*.snap"))  # the journal alone

    found = _recovered(data_dir)
    assert "('h-index', 61)" in found["extra"], found["extra"]  # every item, once
    assert found["built"].split(",") == sorted(name for name in found if name != "built")
    assert found["extra"].startswith("61 ")

    # The real restart: its first requests, a Query on every GSI and a PutItem, answer
    # from those indexes (the items written before the restart, the write just made).
    second = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=second.endpoint_url)
    client.put_item(TableName="extra", Item=_extra_item(1001))
    counts = {name: client.query(TableName="extra", IndexName=name,
                                 KeyConditionExpression="#k = :v",
                                 ExpressionAttributeNames={"#k": key},
                                 ExpressionAttributeValues={":v": {"S": value}})["Count"]
              for name, key, value in [("g-index", "g", "g0"), ("h-index", "h", "h1"),
                                       ("l-index", "pk", "p0")]}
    assert counts == {"g-index": 20, "h-index": 31, "l-index": 10}
    for gsi, key, value, count in [("providerBookings-index", "providerId", "p0", 12),
                                   ("customerBookings-index", "customerId", "c0", 7),
                                   ("status-index", "status", "PENDING", 60),
                                   ("customerId-index", "customerId", "c1", 7)]:
        answer = client.query(TableName=BOOKINGS, IndexName=gsi,
                              KeyConditionExpression="#k = :v",
                              ExpressionAttributeNames={"#k": key},
                              ExpressionAttributeValues={":v": {"S": value}})
        assert answer["Count"] == count, gsi
    second.stop()


@pytest.mark.slow
def test_a_restart_from_a_snapshot_builds_the_indexes_of_a_table_changed_since(
        tmp_path: Path, durable_up: Any) -> None:
    """The snapshot's index sections are installed for the tables they still fit; a table
    whose GSIs changed after it has its indexes built at start, as after a journal alone."""
    data_dir, args = tmp_path / "data", ("--stage", STAGE, "--no-seed", "--ttl-interval", "0")
    first = durable_up(data_dir, *args, "--journal-max-mb", "0").start()
    client = make_client(endpoint_url=first.endpoint_url)
    _create_extra(client)
    _write(client, 200)
    _wait_for_current_snapshot(data_dir)
    _add_gsi(client)  # after the snapshot: its extra section no longer fits
    client.put_item(TableName="extra", Item=_extra_item(1000))
    assert first.stop() == 0

    found = _recovered(data_dir)
    assert found["extra"].startswith("201 ") and "('h-index', 201)" in found["extra"]
    assert found[BOOKINGS].startswith("200 ")
    assert found["built"] == "extra"  # the others' were the snapshot's, installed


def test_tables_made_by_create_table_writes_and_a_restore_serve_with_indexes_built(
        fresh_emulator: Any) -> None:
    """Not only a restart: a table CreateTable made and writes (a seed's BatchWriteItem)
    filled, and one RestoreTableFromBackup made, have their indexes and figures current
    before any Query or DescribeTable asks for them (checked in the emulator's own store)."""
    from ddbkit.emulator.store import ready
    from ddbkit.emulator.store.catalog import catalog
    from ddbkit.emulator.store.indexes import maintained

    client = fresh_emulator.client()
    name = f"marketplace-{fresh_emulator.config.stage}-bookings-table"
    client.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": _booking(n)}}
                                                 for n in range(20)]})
    tables = catalog(fresh_emulator.config.server.account_id, fresh_emulator.region).tables
    assert ready.is_ready(tables[name])
    arn = client.create_backup(TableName=name, BackupName="before-restore")["BackupDetails"]["BackupArn"]
    restored = f"{name}-restored"
    client.restore_table_from_backup(TargetTableName=restored, BackupArn=arn)
    client.get_waiter("table_exists").wait(TableName=restored)  # ACTIVE (a restore may copy
    found = maintained(tables[restored])  # in the background): no Query has run on it yet
    assert found is not None
    assert sum(map(len, found.indexes["providerBookings-index"].partitions.values())) == 20
    assert found.hash_keys is not None and len(found.hash_keys) == 20  # a Scan's key order
