"""A full disk (issue 25): writes are refused cleanly, reads go on, and nothing refused stays.

`ddbkit up` keeps its data dir on a tmpfs of its own, a few MB, beside filler files the test
deletes to give space back. Mounting needs root: the test is skipped where it is not allowed.
A unit-level scenario checks that each kind of write the journal cannot take leaves the store
exactly as it was (items, indexes, stream records, table settings, tables, backups, TTL).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ddbkit.emulator.connect.admin_client import AdminClient
from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.errors import EndpointError

KB, MB = 1 << 10, 1 << 20
TABLE = "disk-items"
PAYLOAD = "x" * (2 * KB)
# A write refused while the disk is full must need more than the journal's last page holds
# free (tmpfs allocates 4 KB pages): a smaller record may still fit there, and rightly does.
BIG = "z" * (8 * KB)
REFUSALS = 2000  # refused writes to send once the disk is full
MAX_WRITES = 12_000  # the fill loop's bound, whatever happens
ARGS = ("--stage", "disk", "--no-seed", "--ttl-interval", "0", "--journal-max-mb", "1")


@contextmanager
def small_fs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                              capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        pytest.skip("no mount command here: a small file system of its own is needed")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * KB
    raise AssertionError(f"no VmRSS for process {pid}")


def assert_clean_refusal(exc: Any, disk: Path) -> None:
    """DynamoDB's wire shape, a status SDKs retry, and nothing of the server inside."""
    error = exc.response["Error"]
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 503, exc.response
    assert error["Code"] == "ServiceUnavailable", error
    assert "disk is full" in error["Message"], error
    assert str(disk) not in error["Message"] and "/" not in error["Message"], error
    assert "Errno" not in error["Message"] and "Traceback" not in error["Message"], error


def item(key: str, **extra: Any) -> dict[str, Any]:
    return {"pk": {"S": key}, "g": {"S": "G"}, "payload": {"S": PAYLOAD}, **extra}


def create_table(client: Any) -> None:
    client.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{"IndexName": "g-index", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})


def scanned(client: Any) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for page in client.get_paginator("scan").paginate(TableName=TABLE, ConsistentRead=True):
        found.update({i["pk"]["S"]: i for i in page["Items"]})
    return found


def indexed(client: Any, value: str) -> set[str]:
    pages = client.get_paginator("query").paginate(
        TableName=TABLE, IndexName="g-index", KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": value}})
    return {i["pk"]["S"] for page in pages for i in page["Items"]}


def streamed(url: str) -> list[tuple[str, str]]:
    """(event, key) of every stream record of the table, in order."""
    streams = make_client("dynamodbstreams", endpoint_url=url)
    arn = make_client(endpoint_url=url).describe_table(
        TableName=TABLE)["Table"]["LatestStreamArn"]
    events: list[tuple[str, str]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            answer = streams.get_records(ShardIterator=iterator, Limit=1000)
            events += [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"])
                       for r in answer["Records"]]
            if not answer["Records"]:
                break
            iterator = answer.get("NextShardIterator")
    return events


def refused_while_full(client: Any, admin: AdminClient, disk: Path, key: str) -> None:
    """Every kind of write, refused (each would need more than 4 KB of journal)."""
    big_item = item("big", big={"S": BIG})
    writes = [
        lambda: client.update_item(TableName=TABLE, Key={"pk": {"S": key}},
                                   UpdateExpression="SET big = :b",
                                   ExpressionAttributeValues={":b": {"S": BIG}}),
        lambda: client.delete_item(TableName=TABLE, Key={"pk": {"S": "big"}}),
        lambda: client.batch_write_item(RequestItems={TABLE: [
            {"PutRequest": {"Item": {**big_item, "pk": {"S": "batch-1"}}}},
            {"DeleteRequest": {"Key": {"pk": {"S": key}}}}]}),
        lambda: client.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {**big_item, "pk": {"S": "transact-1"}}}}]),
        lambda: client.execute_statement(
            Statement=f"INSERT INTO \"{TABLE}\" VALUE {{'pk': 'partiql-1', 'g': 'G', 'big': ?}}",
            Parameters=[{"S": BIG}]),
        lambda: client.create_table(
            TableName="later", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            Tags=[{"Key": f"tag{n}", "Value": "v" * 256} for n in range(40)]),
        lambda: client.create_backup(TableName=TABLE, BackupName="full"),
    ]
    for write in writes:
        with pytest.raises(client.exceptions.ClientError) as refused:
            write()
        assert_clean_refusal(refused.value, disk)
    with pytest.raises(EndpointError, match="ServiceUnavailable: The emulator's disk is full"):
        admin.call("SaveState", Name="full")
    assert "later" not in client.list_tables()["TableNames"]
    assert client.list_backups(TableName=TABLE)["BackupSummaries"] == []
    assert not (disk / "data" / "states" / "full.snap.tmp").exists()


def test_a_full_disk_refuses_writes_cleanly_serves_reads_and_recovers(
        tmp_path: Path, durable_up: Any) -> None:
    with small_fs(tmp_path / "disk", "4m") as disk:
        data_dir = disk / "data"
        (disk / "filler").write_bytes(b"f" * MB)  # given back once the disk has filled
        (disk / "small-filler").write_bytes(b"f" * 256 * KB)
        proc = durable_up(data_dir, *ARGS).start()
        try:
            items, stream = run_on_a_full_disk(proc, disk)
        finally:
            proc.kill()  # kill -9: what was acknowledged is in the journal already
        restarted = durable_up(data_dir, *ARGS).start()
        try:
            client = make_client(endpoint_url=restarted.endpoint_url)
            assert set(scanned(client)) == items
            assert indexed(client, "G") == items and indexed(client, "H") == set()
            assert streamed(restarted.endpoint_url) == stream
        finally:
            restarted.kill()


def run_on_a_full_disk(proc: Any, disk: Path) -> tuple[set[str], list[tuple[str, str]]]:
    """Fills the disk, checks the refusals and the reads, gives space back; returns the items
    and stream records a restart must find."""
    url = proc.endpoint_url
    client = make_client(endpoint_url=url, max_attempts=1)
    admin = AdminClient(url)
    create_table(client)
    client.put_item(TableName=TABLE, Item=item("big", big={"S": BIG}))
    acknowledged: list[str] = ["big"]
    refused: list[str] = []
    early = 0
    for n in range(MAX_WRITES):
        key = f"i{n}"
        try:
            client.put_item(TableName=TABLE, Item=item(key))
        except client.exceptions.ClientError as exc:
            assert_clean_refusal(exc, disk)
            refused.append(key)
            if len(refused) == 100:
                early = rss_bytes(proc.pid)
            if len(refused) == REFUSALS:
                break
        else:
            acknowledged.append(key)
    assert len(refused) == REFUSALS, f"{len(acknowledged)} writes fitted in 4 MB"
    late = rss_bytes(proc.pid)
    assert late - early < 4 * MB, f"RSS grew from {early} to {late} while refusing writes"

    # Reads go on: every acknowledged item, nothing refused, in the table, index and stream.
    ack = set(acknowledged)
    assert set(scanned(client)) == ack
    assert indexed(client, "G") == ack
    for key in [*acknowledged[1:4], *acknowledged[-3:]]:
        assert client.get_item(TableName=TABLE, Key={"pk": {"S": key}})["Item"] == item(key)
    for key in [*refused[:3], *refused[-3:]]:
        assert "Item" not in client.get_item(TableName=TABLE, Key={"pk": {"S": key}},
                                             ConsistentRead=True)
    stream = streamed(url)
    assert stream == [("INSERT", key) for key in acknowledged]
    refused_while_full(client, admin, disk, acknowledged[1])
    assert scanned(client)[acknowledged[1]] == item(acknowledged[1])
    assert set(scanned(client)) == ack
    assert streamed(url) == stream

    # Some room, not enough for this write: applied, then undone when the journal refused it.
    (disk / "small-filler").unlink()
    with pytest.raises(client.exceptions.ClientError) as too_big:
        client.update_item(TableName=TABLE, Key={"pk": {"S": acknowledged[2]}},
                           UpdateExpression="SET big = :b, g = :h",
                           ExpressionAttributeValues={":b": {"S": "y" * 300 * KB},
                                                      ":h": {"S": "H"}})
    assert_clean_refusal(too_big.value, disk)
    assert client.get_item(TableName=TABLE, Key={"pk": {"S": acknowledged[2]}},
                           ConsistentRead=True)["Item"] == item(acknowledged[2])
    assert indexed(client, "H") == set() and indexed(client, "G") == ack
    assert streamed(url) == stream

    # Space returns: writes resume without a restart.
    (disk / "filler").unlink()
    after = [f"after-{n}" for n in range(20)]
    for key in after:
        client.put_item(TableName=TABLE, Item=item(key))
    # A named state of the whole store does not fit in what was freed: a clean refusal that
    # leaves nothing behind, and writes go on.
    with pytest.raises(EndpointError, match="ServiceUnavailable: The emulator's disk is full"):
        admin.call("SaveState", Name="later")
    assert list((data_dir := disk / "data").glob("states/*")) == []
    client.put_item(TableName=TABLE, Item=item("after-state"))
    after.append("after-state")
    remount = subprocess.run(["mount", "-o", "remount,size=16m", str(disk)],
                             capture_output=True, text=True, timeout=30)
    assert remount.returncode == 0, remount.stderr
    assert admin.call("SaveState", Name="later")["State"]["Items"] == len(ack) + len(after)
    assert [p.name for p in data_dir.glob("states/*")] == ["later.snap"]
    ack |= set(after)
    assert set(scanned(client)) == ack
    output = "".join(proc.output)
    assert output.count("cannot write the journal") == 1, output  # logged once, not per write
    assert "has room again: writes resume" in output
    assert "Traceback" not in output, output
    return ack, stream + [("INSERT", key) for key in after]


RECORDER_SCENARIO = r'''
import sys
import time
from ddbkit.emulator.durability import encoding, hooks
from ddbkit.emulator.durability.journal import DiskFull
from ddbkit.emulator.durability.recorder import Recorder
from ddbkit.emulator.durability.snapshot import plan
from ddbkit.emulator.durability.tablemeta import table_settings
from ddbkit.emulator.store import changes
from ddbkit.emulator.store.access import STORE_LOCK, table_items
from ddbkit.emulator.store.catalog import catalog
from ddbkit.emulator.operations.expiry import delete_expired
from ddbkit.emulator.ttl import is_expired
from ddbkit.emulator.store.table_calls import create_new_table
from ddbkit.emulator.operations import (
    create_backup, delete_item, delete_table, put_item, update_item, update_table)
from ddbkit.emulator.operations.call import Call
from ddbkit.emulator.store import stream_shards

changes.record(True)
backend = catalog("123456789012", "eu-west-1")
journal, full = [], [False]


def append(data):
    if full[0]:
        raise DiskFull("no room")
    journal.append(data)


recorder = Recorder(backend.tables, append, backups=backend.backups)
hooks.activate(recorder)


def create(name):
    create_new_table(backend, {
        "TableName": name, "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "g", "AttributeType": "S"}],
        "GlobalSecondaryIndexes": [{"IndexName": "g-index",
                                    "Projection": {"ProjectionType": "ALL"},
                                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "BillingMode": "PAY_PER_REQUEST"})


def run(module, operation, params):
    """ddbkit's own operation, the path the server takes."""
    return lambda: module.run(Call("dynamodb", operation, params, "123456789012", "eu-west-1"))


def put(item):
    return run(put_item, "PutItem", {"TableName": "t", "Item": item})


def state():
    """Everything a refused write could leave behind, as comparable text."""
    tables = {}
    for name, table in sorted(backend.tables.items()):
        shard = stream_shards.of(table)
        tables[name] = {"settings": table_settings(table),
                        "items": sorted(encoding.canonical(i.attrs) for i in table_items(table)),
                        "g": sorted(str(i.attrs.get("g")) for i in table_items(table)),
                        "stream": [bytes(r) for r in shard.since(shard.start)] if shard else None}
    return encoding.canonical({"tables": tables, "backups": sorted(backend.backups),
                               "sequence": recorder.sequence})


def request(operation, write):
    with STORE_LOCK, hooks.journaled(operation):
        write()


request("CreateTable", lambda: create("t"))
for n in range(20):
    request("PutItem", put({
        "pk": {"S": f"k{n}"}, "g": {"S": "G"}, "exp": {"N": str(int(time.time()) - 60)}}))
table = backend.tables["t"]
table.ttl = {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
request("UpdateTimeToLive", lambda: None)

WRITES = {
    "PutItem": put({"pk": {"S": "new"}, "g": {"S": "G"}}),
    "PutItem over": put({"pk": {"S": "k1"}, "g": {"S": "H"}}),
    # ddbkit's own UpdateItem: moto's in-place update_item is not a path the server takes.
    "UpdateItem": lambda: update_item.run(Call("dynamodb", "UpdateItem", {
        "TableName": "t", "Key": {"pk": {"S": "k2"}}, "UpdateExpression": "SET g = :h, extra = :x",
        "ExpressionAttributeValues": {":h": {"S": "H"}, ":x": {"S": "x"}}},
        "123456789012", "eu-west-1")),
    "DeleteItem": run(delete_item, "DeleteItem", {"TableName": "t", "Key": {"pk": {"S": "k3"}}}),
    "CreateTable": lambda: create("u"),
    "DeleteTable": run(delete_table, "DeleteTable", {"TableName": "t"}),
    "UpdateTable": run(update_table, "UpdateTable", {
        "TableName": "t", "StreamSpecification": {"StreamEnabled": False},
        "DeletionProtectionEnabled": True}),
    "CreateBackup": run(create_backup, "CreateBackup", {"TableName": "t", "BackupName": "b"}),
    "TTL": lambda: delete_expired(table, is_expired, time.time),
}
before, written = state(), len(journal)
full[0] = True
for name, write in WRITES.items():
    try:
        if name == "TTL":
            write()  # the reaper's chunk: journaled(None) inside
        else:
            request(name.split()[0], write)
    except DiskFull:
        pass
    else:
        sys.exit(f"{name}: not refused")
    if state() != before:
        sys.exit(f"{name} left a trace:\n{before}\n{state()}")
assert len(journal) == written
full[0] = False
request("PutItem", WRITES["PutItem"])  # the recorder journals on from where it was
assert len(journal) == written + 1 and recorder.sequence == written + 1
assert delete_expired(table, is_expired, time.time) == 20
shard = stream_shards.of(table)
assert len(shard) == 20 + 1 + 20, len(shard)  # the puts, the last put, the TTL deletes
print("ok")
'''


def test_each_write_the_journal_cannot_take_leaves_the_store_as_it_was() -> None:
    """Unit level, in a child process (journaling wraps moto for the process's life): a
    journal that refuses appends; each kind of write, and a TTL sweep, is undone whole."""
    done = subprocess.run([sys.executable, "-c", RECORDER_SCENARIO], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr


def test_the_journal_on_a_full_disk_keeps_whole_records_and_its_segment(tmp_path: Path) -> None:
    """Unit level, on a real full file system: a refused append is cut back to the last whole
    record, a new segment that cannot start is removed (appends go on in the old one), and
    the first append after space returns ends the full state."""
    from ddbkit.emulator.durability.framing import frame, read_frames
    from ddbkit.emulator.durability.journal import DiskFull, JournalWriter

    with small_fs(tmp_path / "tiny", "256k") as disk:
        filler = disk / "filler"
        filler.write_bytes(b"f" * 64 * KB)
        first, second = disk / "journal-00000001.log", disk / "journal-00000002.log"
        journal = JournalWriter(first, b"header", "always")
        records = 0
        try:
            with pytest.raises(DiskFull):
                for records in range(1000):  # noqa: B007 - how many fitted is kept
                    journal.append(frame(b"r" * 1000))
            assert journal.full and journal.refuses()
            assert first.stat().st_size == journal.size
            with pytest.raises(OSError):
                journal.rotate(second, b"header")
            assert not second.exists() and journal.path == first
            filler.unlink()
            assert not journal.refuses()
            journal.append(frame(b"after"))
            assert not journal.full
        finally:
            journal.close()
        with first.open("rb") as stream:
            payloads = list(read_frames(stream, first.stat().st_size))
        assert payloads == [b"header", *[b"r" * 1000] * records, b"after"]
