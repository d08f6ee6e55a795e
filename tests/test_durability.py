"""`ddbkit up --data-dir`: what comes back after a restart, and what a damaged dir does.

Real `ddbkit up` processes and boto3 throughout; the data dir's files are damaged by hand
where a test needs a crash's leftovers. The crash itself (kill -9 under load) is in
test_durability_crash.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.durability.framing import frame
from ddbkit.emulator.process import EmulatorProcess

BIN = Path(sys.executable).parent
DURABLE_ENV = {"DDBKIT_IN_MEMORY": ""}


def table(stage: str, key: str) -> str:
    return f"marketplace-{stage}-{key}-table"


def up_once(data_dir: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`ddbkit up` expected to refuse to start (it would run until stopped otherwise)."""
    return subprocess.run([str(BIN / "ddbkit"), "up", "--port", "0", "--data-dir",
                           str(data_dir), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **DURABLE_ENV}, cwd=cwd)


def fingerprint(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.iterdir())}


def wait_for(condition: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return found


def booking(booking_id: str, status: str = "PENDING") -> dict[str, Any]:
    return {"bookingId": {"S": booking_id}, "status": {"S": status},
            "providerId": {"S": "p1"}, "customerId": {"S": "c1"},
            "scheduledDate": {"S": "2025-12-10T10:00:00Z"},
            "createdAt": {"S": "2025-12-01T10:00:00Z"}}


def test_a_new_dir_is_seeded_and_a_restart_restores_it_without_seeding(
        tmp_path: Path, durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    first = durable_up(data_dir, "--stage", "keep", "--ttl-interval", "0").start()
    assert f"(keep tables, 167 items seeded into a new data dir {data_dir})" in first.ready_line
    client = make_client(endpoint_url=first.endpoint_url)
    bookings = table("keep", "bookings")
    gone = client.scan(TableName=bookings, Limit=1)["Items"][0]["bookingId"]
    client.delete_item(TableName=bookings, Key={"bookingId": gone})
    client.put_item(TableName=bookings, Item=booking("mine"))
    client.update_item(TableName=bookings, Key={"bookingId": {"S": "mine"}},
                       UpdateExpression="SET note = :n, payload = :b",
                       ExpressionAttributeValues={":n": {"S": "kept"}, ":b": {"B": b"\x00\xff"}})
    before = client.get_item(TableName=bookings, Key={"bookingId": {"S": "mine"}})["Item"]
    assert first.stop() == 0  # SIGTERM: a clean stop

    second = durable_up(data_dir, "--stage", "keep", "--ttl-interval", "0").start()
    assert f"(keep tables, 167 items restored from {data_dir})" in second.ready_line
    assert "seeding" not in "".join(second.output)
    client = make_client(endpoint_url=second.endpoint_url)
    assert client.get_item(TableName=bookings, Key={"bookingId": {"S": "mine"}})["Item"] == before
    assert "Item" not in client.get_item(TableName=bookings, Key={"bookingId": gone})
    found = client.query(TableName=bookings, IndexName="status-index",
                         KeyConditionExpression="#s = :s",
                         ExpressionAttributeNames={"#s": "status"},
                         ExpressionAttributeValues={":s": {"S": "PENDING"}})["Items"]
    assert before in found  # GSIs answer from rebuilt indexes
    assert second.stop() == 0

    third = durable_up(data_dir, "--stage", "keep", "--reseed").start()
    assert f"(keep tables, 167 items re-seeded into {data_dir})" in third.ready_line
    client = make_client(endpoint_url=third.endpoint_url)
    assert "Item" not in client.get_item(TableName=bookings, Key={"bookingId": {"S": "mine"}})


def test_every_table_setting_comes_back(tmp_path: Path, durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    args = ("--stage", "settings", "--no-seed", "--ttl-interval", "0")
    proc = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=proc.endpoint_url)
    bookings = table("settings", "bookings")
    definitions = [{"AttributeName": "pk", "AttributeType": "S"},
                   {"AttributeName": "sk", "AttributeType": "N"},
                   {"AttributeName": "gk", "AttributeType": "S"}]
    client.create_table(
        TableName="extra", BillingMode="PROVISIONED", AttributeDefinitions=definitions,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        LocalSecondaryIndexes=[{"IndexName": "by-gk", "Projection": {"ProjectionType": "ALL"},
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "gk", "KeyType": "RANGE"}]}],
        ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 2},
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    client.update_table(TableName="extra", AttributeDefinitions=definitions,
                        GlobalSecondaryIndexUpdates=[{"Create": {
                            "IndexName": "gk-index", "Projection": {"ProjectionType": "KEYS_ONLY"},
                            "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"}],
                            "ProvisionedThroughput": {"ReadCapacityUnits": 1,
                                                      "WriteCapacityUnits": 1}}}])
    client.update_time_to_live(TableName="extra",
                               TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    client.update_continuous_backups(TableName="extra", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7})
    arn = client.describe_table(TableName="extra")["Table"]["TableArn"]
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "search"},
                                               {"Key": "tier", "Value": "2"}])
    client.untag_resource(ResourceArn=arn, TagKeys=["tier"])
    client.put_item(TableName="extra", Item={"pk": {"S": "a"}, "sk": {"N": "1"},
                                             "gk": {"S": "g"}, "exp": {"N": "4102444800"}})
    # A change the spec's provisioning cannot undo: kept on restore, with a warning.
    client.update_table(TableName=bookings, BillingMode="PROVISIONED", ProvisionedThroughput={
        "ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    client.put_item(TableName=bookings, Item=booking("b1"))

    def everything(client: Any) -> dict[str, Any]:
        names = client.list_tables()["TableNames"]
        return {name: {
            "table": {k: v for k, v in client.describe_table(TableName=name)["Table"].items()
                      if k != "TableSizeBytes"},
            "ttl": client.describe_time_to_live(TableName=name)["TimeToLiveDescription"],
            "pitr": client.describe_continuous_backups(TableName=name)[
                "ContinuousBackupsDescription"],
            "tags": client.list_tags_of_resource(
                ResourceArn=client.describe_table(TableName=name)["Table"]["TableArn"])["Tags"],
        } for name in names}

    before = everything(client)
    proc.kill()  # no clean stop: the journal alone carries it
    proc = durable_up(data_dir, *args).start()
    assert "8 items restored" not in proc.ready_line and "2 items restored" in proc.ready_line
    warning, = [line for line in proc.output if "warning" in line]
    assert f"{bookings}: billing mode is PROVISIONED" in warning
    client = make_client(endpoint_url=proc.endpoint_url)
    assert everything(client) == before
    assert client.query(TableName="extra", IndexName="gk-index",
                        KeyConditionExpression="gk = :g",
                        ExpressionAttributeValues={":g": {"S": "g"}})["Count"] == 1


def test_in_memory_writes_nothing_to_disk(tmp_path: Path) -> None:
    with EmulatorProcess("--in-memory", "--stage", "mem", cwd=str(tmp_path),
                         env=DURABLE_ENV) as proc:
        assert "(mem tables, 167 items seeded, in memory)" in proc.ready_line
        make_client(endpoint_url=proc.endpoint_url).put_item(
            TableName=table("mem", "bookings"), Item=booking("m1"))
    assert list(tmp_path.iterdir()) == []


def test_in_memory_with_a_data_dir_is_one_line(tmp_path: Path) -> None:
    result = up_once(tmp_path / "data", "--in-memory")
    assert result.returncode == 2
    assert result.stderr.strip() == ("ddbkit: error: --in-memory keeps nothing on disk: it "
                                     "does not go with --data-dir or --reseed")
    assert not (tmp_path / "data").exists()


def _stopped_dir(tmp_path: Path, durable_up: Any, *args: str) -> Path:
    data_dir = tmp_path / "data"
    proc = durable_up(data_dir, "--stage", "torn", "--no-seed", "--ttl-interval", "0",
                      *args).start()
    client = make_client(endpoint_url=proc.endpoint_url)
    for n in range(20):
        client.put_item(TableName=table("torn", "bookings"), Item=booking(f"b{n}"))
    assert proc.stop() == 0
    return data_dir


def test_a_torn_last_record_is_dropped_with_a_warning(tmp_path: Path, durable_up: Any) -> None:
    data_dir = _stopped_dir(tmp_path, durable_up)
    journal = max(data_dir.glob("journal-*.log"))
    whole = journal.stat().st_size
    record = frame(json.dumps({"n": 999, "t": 0, "ops": [["D", "x"]]}).encode())
    with open(journal, "ab") as out:
        out.write(record[:-7])  # a write a power loss cut short

    proc = durable_up(data_dir, "--stage", "torn", "--no-seed", "--ttl-interval", "0").start()
    assert "20 items restored" in proc.ready_line
    warning = [line for line in proc.output if "warning" in line]
    assert len(warning) == 1 and journal.name in warning[0] and "cut short" in warning[0]
    assert journal.stat().st_size == whole  # dropped from the file, so appends follow on
    make_client(endpoint_url=proc.endpoint_url).put_item(
        TableName=table("torn", "bookings"), Item=booking("after"))
    assert proc.stop() == 0
    proc = durable_up(data_dir, "--stage", "torn", "--no-seed").start()
    assert "21 items restored" in proc.ready_line
    assert not [line for line in proc.output if "warning" in line]


def test_a_damaged_record_refuses_to_start_and_touches_nothing(
        tmp_path: Path, durable_up: Any) -> None:
    data_dir = _stopped_dir(tmp_path, durable_up)
    journal = max(data_dir.glob("journal-*.log"))
    damaged = bytearray(journal.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF  # mid-file: records follow it
    journal.write_bytes(bytes(damaged))
    before = fingerprint(data_dir)

    result = up_once(data_dir, "--stage", "torn", "--no-seed")
    assert result.returncode == 2, result.stderr
    line, = result.stderr.strip().splitlines()
    assert line.startswith(f"ddbkit: error: cannot restore data dir {data_dir}: "
                           f"{journal.name} is damaged (")
    assert "Nothing was changed" in line and "Traceback" not in result.stderr
    assert fingerprint(data_dir) == before


def test_a_damaged_snapshot_refuses_to_start_and_touches_nothing(
        tmp_path: Path, durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    proc = durable_up(data_dir, "--stage", "snap", "--ttl-interval", "0",
                      "--journal-max-mb", "0").start()  # compacts as soon as anything is written
    snapshot = wait_for(lambda: list(data_dir.glob("snapshot-*.snap")), "a snapshot")[0]
    assert proc.stop() == 0
    snapshot = max(data_dir.glob("snapshot-*.snap"))
    damaged = bytearray(snapshot.read_bytes())
    damaged[len(damaged) // 3] ^= 0x01
    snapshot.write_bytes(bytes(damaged))
    before = fingerprint(data_dir)

    result = up_once(data_dir, "--stage", "snap")
    assert result.returncode == 2, result.stderr
    line, = result.stderr.strip().splitlines()
    assert f"{snapshot.name} is damaged" in line and line.startswith("ddbkit: error: ")
    assert fingerprint(data_dir) == before


def test_a_missing_journal_segment_refuses_to_start(tmp_path: Path, durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    proc = durable_up(data_dir, "--stage", "gap", "--ttl-interval", "0",
                      "--journal-max-mb", "0").start()
    wait_for(lambda: list(data_dir.glob("snapshot-*.snap")), "a snapshot")
    assert proc.stop() == 0
    # Older segments are point-in-time history; the one the newest snapshot starts is not.
    generation = max(int(p.stem.split("-")[1]) for p in data_dir.glob("snapshot-*.snap"))
    segment = data_dir / f"journal-{generation:08d}.log"
    segment.unlink()
    before = fingerprint(data_dir)
    result = up_once(data_dir, "--stage", "gap")
    assert result.returncode == 2
    assert f"{segment.name} is missing (found " in result.stderr
    assert "snapshot-" in result.stderr
    assert fingerprint(data_dir) == before


def test_a_snapshot_restores_with_the_journal_after_it(tmp_path: Path, durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    args = ("--stage", "compact", "--ttl-interval", "0", "--journal-max-mb", "0")
    proc = durable_up(data_dir, *args).start()
    wait_for(lambda: list(data_dir.glob("snapshot-*.snap")), "a snapshot")
    client = make_client(endpoint_url=proc.endpoint_url)
    client.put_item(TableName=table("compact", "bookings"), Item=booking("late"))
    expected = client.scan(TableName=table("compact", "bookings"))["Items"]
    proc.kill()
    # What a crash during the next compaction leaves: a new segment (here: torn at its very
    # start) and a half-written snapshot.
    generation = int(max(data_dir.glob("journal-*.log")).stem.split("-")[1])
    (data_dir / f"journal-{generation + 1:08d}.log").write_bytes(b"\x07\x00")
    (data_dir / f"snapshot-{generation + 1:08d}.snap.tmp").write_bytes(b"partial")

    proc = durable_up(data_dir, *args[:-2]).start()
    client = make_client(endpoint_url=proc.endpoint_url)
    assert sorted(client.scan(TableName=table("compact", "bookings"))["Items"],
                  key=str) == sorted(expected, key=str)
    assert not list(data_dir.glob("*.tmp"))


def test_one_data_dir_serves_one_emulator(tmp_path: Path, durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    durable_up(data_dir, "--stage", "one", "--no-seed").start()
    result = up_once(data_dir, "--stage", "one", "--no-seed")
    assert result.returncode == 2
    assert result.stderr.strip() == (f"ddbkit: error: data dir {data_dir} is in use by another "
                                     "ddbkit up (stop it, or pick another --data-dir)")


def test_another_region_s_data_dir_is_refused(tmp_path: Path, durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    assert durable_up(data_dir, "--stage", "west", "--no-seed").start().stop() == 0
    result = up_once(data_dir, "--stage", "west", "--no-seed", "--region", "eu-west-1")
    assert result.returncode == 2
    assert "start with --region us-east-1, or use another --data-dir" in result.stderr


HANDLER = '''
import json, os

def record(event, context):
    with open(os.environ["OUT"], "a") as out:
        for r in event["Records"]:
            out.write(json.dumps({"id": r["eventID"], "seq": r["dynamodb"]["SequenceNumber"],
                                  "key": r["dynamodb"]["Keys"]["bookingId"]["S"]}) + "\\n")
'''


@pytest.mark.slow  # handler processes
def test_a_trigger_resumes_after_a_restart_without_delivering_twice(
        tmp_path: Path, durable_up: Any) -> None:
    (tmp_path / "handlers.py").write_text(HANDLER)
    out = tmp_path / "out.jsonl"
    args = ("--stage", "trig", "--no-seed", "--ttl-interval", "0", "--state-dir",
            str(tmp_path / "state"), "--trigger", "bookings=handlers:record")

    def delivered() -> list[dict[str, str]]:
        return [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []

    def start() -> EmulatorProcess:
        return durable_up(tmp_path / "data", *args, cwd=str(tmp_path),
                          env={"OUT": str(out)}).start()

    proc = start()
    client = make_client(endpoint_url=proc.endpoint_url)
    for n in range(5):
        client.put_item(TableName=table("trig", "bookings"), Item=booking(f"first-{n}"))
    wait_for(lambda: len(delivered()) >= 5, "the first five records")
    assert proc.stop() == 0

    proc = start()
    client = make_client(endpoint_url=proc.endpoint_url)
    for n in range(3):
        client.put_item(TableName=table("trig", "bookings"), Item=booking(f"second-{n}"))
    wait_for(lambda: any(r["key"] == "second-2" for r in delivered()), "the last record")
    records = delivered()  # in order: a record delivered again would come before second-2
    assert [r["key"] for r in records] == [f"first-{n}" for n in range(5)] + [
        f"second-{n}" for n in range(3)]
    sequences = [int(r["seq"]) for r in records]
    assert sequences == list(range(sequences[0], sequences[0] + 8))
    assert len({r["id"] for r in records}) == 8


def test_ttl_deletes_are_journaled(tmp_path: Path, durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    proc = durable_up(data_dir, "--stage", "ttl", "--no-seed", "--ttl-interval", "0.2").start()
    client = make_client(endpoint_url=proc.endpoint_url)
    idempotency = table("ttl", "idempotency")
    expired = {"idempotencyKey": {"S": "old"}, "ttl": {"N": str(int(time.time()) - 60)}}
    client.put_item(TableName=idempotency, Item=expired)
    client.put_item(TableName=idempotency, Item={**expired, "idempotencyKey": {"S": "live"},
                                                 "ttl": {"N": str(int(time.time()) + 3600)}})
    wait_for(lambda: "Item" not in client.get_item(TableName=idempotency,
                                                   Key={"idempotencyKey": {"S": "old"}}),
             "the TTL sweep")
    proc.kill()
    proc = durable_up(data_dir, "--stage", "ttl", "--no-seed", "--ttl-interval", "0").start()
    client = make_client(endpoint_url=proc.endpoint_url)
    keys = [i["idempotencyKey"]["S"] for i in client.scan(TableName=idempotency)["Items"]]
    assert keys == ["live"]


@pytest.mark.parametrize("cut", [0, 5, 12, 20])
def test_frames_tell_a_torn_tail_from_damage(cut: int) -> None:
    import io

    from ddbkit.emulator.durability.framing import Corrupt, TornTail, read_frames

    records = [frame(b'{"a":1}'), frame(b'{"b":22}')]
    data = b"".join(records)

    def read(raw: bytes) -> list[bytes]:
        return list(read_frames(io.BytesIO(raw), len(raw)))

    assert read(data) == [b'{"a":1}', b'{"b":22}']
    with pytest.raises(TornTail) as torn:
        read(data + frame(b'{"c":333}')[:cut] if cut else data + b"\x00" * 30)
    assert torn.value.offset == len(data)
    damaged = bytearray(data)
    damaged[len(records[0]) - 1 - (cut % 3)] ^= 0x20  # a payload byte of the first record
    with pytest.raises(Corrupt):
        read(bytes(damaged))
    with pytest.raises(TornTail):  # the same damage on the last record: its tail was torn
        read(bytes(damaged[:len(records[0])]))


ODD_ITEM = {
    "pk": {"S": "a"}, "n": {"N": "-1.5e3"}, "b": {"B": b"\x00\xff"}, "t": {"B": "dGV4dA=="},
    "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": [b"\x01", b"\x02"]},
    "yes": {"BOOL": True}, "none": {"NULL": True}, "empty": {"M": {}}, "nil": {"L": []},
    "S": {"M": {"S": {"S": "a map whose key is a type"}, "$b": {"N": "7"},
                "L": {"L": [{"M": {"M": {"BOOL": False}}}, {"SS": ["z"]}]}}},
    "$b": {"S": "$b"}, "long": {"S": "x" * 100},
}


def test_images_round_trip_through_the_journal_and_the_snapshot_decoders() -> None:
    from ddbkit.emulator.durability import encoding
    from ddbkit.emulator.durability.images import ImageDecoder, build_item, item_image, item_of
    from ddbkit.emulator.store.item import Item

    original = Item.stored(dict(ODD_ITEM), "pk", None)
    raw = encoding.dumps([item_image(original), item_image(original)])
    from_journal = build_item(encoding.loads(raw)[0], "pk", None)
    decoded = ImageDecoder().loads(raw)
    from_snapshot = item_of(decoded[0], "pk", None)
    for rebuilt in (from_journal, from_snapshot):
        assert rebuilt == original and rebuilt.hash_key == original.hash_key
        assert item_image(rebuilt) == item_image(original) == ODD_ITEM
        assert rebuilt.attrs["b"] == {"B": b"\x00\xff"}  # bytes stay bytes, text stays text
        assert rebuilt.attrs["t"] == {"B": "dGV4dA=="}
    assert decoded[0]["n"] is decoded[1]["n"]  # short scalars are shared between items
    assert decoded[0]["ss"] is not decoded[1]["ss"]  # sets are not interned


def test_a_write_the_journal_cannot_take_is_not_acknowledged(tmp_path: Path,
                                                            durable_up: Any) -> None:
    """A full disk, as the file size limit makes it (EFBIG on write(2)): the write gets a 503
    ServiceUnavailable naming no server path, later ones too, and after a restart everything
    acknowledged is there (tests/test_durability_disk_full.py: a real full file system)."""
    import resource
    import signal

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # ignored across exec: write(2) fails
        resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, 150_000))

    data_dir = tmp_path / "data"
    args = ["up", "--port", "0", "--data-dir", str(data_dir), "--stage", "full", "--no-seed",
            "--ttl-interval", "0"]
    proc = subprocess.Popen([str(BIN / "ddbkit"), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, preexec_fn=limit,
                            env={**os.environ, **DURABLE_ENV, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        ready = proc.stdout.readline()
        assert ready.startswith("ddbkit ready: "), ready
        client = make_client(endpoint_url=ready.split()[2], max_attempts=1)
        acknowledged, refused = [], []
        for n in range(2000):
            try:
                client.put_item(TableName=table("full", "bookings"), Item=booking(f"b{n}"))
            except client.exceptions.ClientError as exc:
                assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 503
                assert exc.response["Error"]["Code"] == "ServiceUnavailable"
                assert str(data_dir) not in exc.response["Error"]["Message"]
                refused.append(n)
                if len(refused) == 3:
                    break
            else:
                assert not refused, "a write acknowledged after one was refused"
                acknowledged.append(f"b{n}")
        assert acknowledged and len(refused) == 3
    finally:
        proc.kill()
        proc.wait()
    restarted = durable_up(data_dir, "--stage", "full", "--no-seed").start()
    client = make_client(endpoint_url=restarted.endpoint_url)
    stored = {i["bookingId"]["S"] for i in client.scan(
        TableName=table("full", "bookings"), ConsistentRead=True)["Items"]}
    assert set(acknowledged) <= stored


@pytest.mark.slow  # generates a larger dataset to interrupt
def test_a_first_start_interrupted_while_seeding_is_restored_not_seeded_over(
        tmp_path: Path, durable_up: Any) -> None:
    """Items in the data dir are the user's, even without the "initialized" mark: the next
    start serves them, says the seed never finished, and marks the dir initialized."""
    import signal

    data_dir = tmp_path / "data"
    proc = subprocess.Popen([str(BIN / "ddbkit"), "up", "--port", "0", "--data-dir",
                             str(data_dir), "--stage", "cut", "--scale", "100", "--anchor",
                             "2025-12-04"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **DURABLE_ENV, "PYTHONUNBUFFERED": "1"})
    assert proc.stderr is not None
    first = proc.stderr.readline()
    assert first.startswith("ddbkit: seeding"), first
    client = make_client(endpoint_url=first.split()[-1])
    wait_for(lambda: client.scan(TableName=table("cut", "bookings"), Select="COUNT")["Count"],
             "the seed to begin")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130

    again = durable_up(data_dir, "--stage", "cut").start()
    assert f"items restored from {data_dir}; its first seed never finished, so it was not " \
           "seeded again: --reseed starts afresh" in again.ready_line
    assert not any(line.startswith("ddbkit: seeding") for line in again.output)
    assert again.stop() == 0
    third = durable_up(data_dir, "--stage", "cut").start()
    assert "items restored from" in third.ready_line
    assert "never finished" not in third.ready_line
