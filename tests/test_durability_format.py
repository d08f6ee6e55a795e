"""Data-dir format 2: a data dir written by the format-1 release is converted and served with
everything it held; a data dir written now holds none of moto's private names.

tests/data/format1/ was written by the format-1 release (863cd03) with
tests/data/make_format1.py, which also saved what that release answered
(tests/data/format1.expected.json). The emulator runs in a child process whose clock starts
ten minutes after the fixture was made (`clocked_emulator`), so stream retention, TTL and the
point-in-time window see the fixture as recent, whenever the test runs.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from clocked_emulator import ClockedEmulator, clocked_emulator
from restored import restored
from test_durability import up_once, wait_for

from ddbkit.emulator.connect.admin_client import AdminClient
from ddbkit.emulator.connect.clients import make_client
from ddbkit.emulator.durability import convert, encoding, formats
from ddbkit.emulator.durability.files import DataDir
from ddbkit.emulator.durability.framing import frame, read_frames
from ddbkit.emulator.errors import DataDirError

DATA = Path(__file__).parent / "data"
EXPECTED: dict[str, Any] = json.loads((DATA / "format1.expected.json").read_text())
BOOKINGS, BLOBS = "marketplace-dev-bookings-table", "blobs"
DESCRIBED = ("TableName", "TableArn", "TableId", "KeySchema", "AttributeDefinitions",
             "BillingModeSummary", "ProvisionedThroughput", "GlobalSecondaryIndexes",
             "LocalSecondaryIndexes", "StreamSpecification", "LatestStreamLabel",
             "LatestStreamArn", "CreationDateTime", "DeletionProtectionEnabled",
             "SSEDescription", "RestoreSummary", "ItemCount", "TableSizeBytes")
PRIVATE_NAMES = (b'"class"', b"hash_key_attr", b"range_key_attr", b"$index",
                 b"lambda_event_source_mappings", b"table_key_attrs", b"global_indexes",
                 b"stream_specification", b"continuous_backups", b"created_at", b'"attrs"',
                 b"creation_date_time", b'"shard"')
NEW_BOOKING = {"bookingId": {"S": "b-099"}, "customerId": {"S": "c-9"},
               "providerId": {"S": "p-9"}, "scheduledDate": {"S": "2026-03-01"},
               "status": {"S": "pending"}, "createdAt": {"S": "2026-02-01T10:00:00Z"},
               "blob": {"B": b"\x00after"}}


def jsonable(value: Any) -> Any:
    """boto3's answers as make_format1.py saved them: bytes {"$b64"}, datetimes {"$t"}."""
    if isinstance(value, (bytes, bytearray)):
        return {"$b64": base64.b64encode(value).decode()}
    if isinstance(value, datetime):
        return {"$t": value.timestamp()}
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


def scan(client: Any, table: str) -> list[Any]:
    pages = client.get_paginator("scan").paginate(TableName=table)
    return sorted((jsonable(i) for p in pages for i in p["Items"]),
                  key=lambda i: json.dumps(i, sort_keys=True))


def stream_records(client: Any, streams: Any, table: str) -> dict[str, Any]:
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    records: list[Any] = []
    for shard in shards:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator)
            records += page["Records"]
            iterator = page.get("NextShardIterator") if page["Records"] else None
    return {"StreamArn": arn, "Shards": jsonable(shards), "Records": jsonable(records)}


def keys(items: list[Any], *names: str) -> list[str]:
    return sorted(json.dumps([item[n] for n in names], sort_keys=True) for item in items)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("format1") / "data"
    shutil.copytree(DATA / "format1", copy)
    return copy


@contextmanager
def served(data_dir: Path) -> Iterator[ClockedEmulator]:
    """The new release on `data_dir`, its clock ten minutes after the fixture was made."""
    offset = EXPECTED["finished"] + 600 - time.time()
    with clocked_emulator(data_dir, stage="dev", offset_seconds=offset) as emulator:
        yield emulator


def converted_lines(capfd: pytest.CaptureFixture[str]) -> list[str]:
    out, err = capfd.readouterr()
    return [line for line in (out + err).splitlines() if "converted data dir" in line]


def everything(client: Any) -> dict[str, Any]:
    """Every table's description, TTL, PITR, tags and items (for a restart to keep)."""
    found = {}
    for name in client.list_tables()["TableNames"]:
        described = jsonable(client.describe_table(TableName=name)["Table"])
        pitr = jsonable(client.describe_continuous_backups(TableName=name)[
            "ContinuousBackupsDescription"])
        pitr["PointInTimeRecoveryDescription"].pop("LatestRestorableDateTime", None)
        found[name] = {
            "Table": {k: described.get(k) for k in DESCRIBED}, "Items": scan(client, name),
            "TimeToLive": client.describe_time_to_live(TableName=name)[
                "TimeToLiveDescription"], "ContinuousBackups": pitr,
            "Tags": client.list_tags_of_resource(ResourceArn=described["TableArn"])["Tags"]}
    return found


def as_described_now(recorded: dict[str, Any]) -> dict[str, Any]:
    """The format-1 release's description as DescribeTable answers it since: no empty index
    lists, and an on-demand table's LastUpdateToPayPerRequestDateTime (its creation)."""
    described = {k: v for k, v in recorded.items()
                 if not (k.endswith("SecondaryIndexes") and v == [])}
    summary = described.get("BillingModeSummary") or {}
    if summary.get("BillingMode") == "PAY_PER_REQUEST":
        described["BillingModeSummary"] = {
            **summary, "LastUpdateToPayPerRequestDateTime": described["CreationDateTime"]}
    return described


def check_tables(client: Any) -> None:
    """Every table as the format-1 release described it, with every item."""
    assert sorted(client.list_tables()["TableNames"]) == sorted(EXPECTED["tables"])
    for name, facts in EXPECTED["tables"].items():
        described = jsonable(client.describe_table(TableName=name)["Table"])
        assert {k: described.get(k) for k in DESCRIBED} == \
            {k: as_described_now(facts["Table"]).get(k) for k in DESCRIBED}, name
        assert scan(client, name) == facts["Items"], name
        assert client.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == \
            facts["TimeToLive"], name
        pitr = jsonable(client.describe_continuous_backups(TableName=name)[
            "ContinuousBackupsDescription"])
        pitr["PointInTimeRecoveryDescription"].pop("LatestRestorableDateTime", None)
        facts["ContinuousBackups"]["PointInTimeRecoveryDescription"].pop(
            "LatestRestorableDateTime", None)
        assert pitr == facts["ContinuousBackups"], name
        assert client.list_tags_of_resource(ResourceArn=described["TableArn"])["Tags"] == \
            facts["Tags"], name


def check_indexes(client: Any) -> None:
    """GSI and LSI queries (binary keys too) find what the items say they hold."""
    bookings = EXPECTED["tables"][BOOKINGS]["Items"]
    found = client.query(TableName=BOOKINGS, IndexName="status-index",
                         KeyConditionExpression="#s = :s", ExpressionAttributeNames={"#s": "status"},
                         ExpressionAttributeValues={":s": {"S": "confirmed"}})["Items"]
    wanted = [i for i in bookings if i["status"] == {"S": "confirmed"}]
    assert wanted and keys(jsonable(found), "bookingId") == keys(wanted, "bookingId")
    blobs = EXPECTED["tables"][BLOBS]["Items"]
    found = client.query(TableName=BLOBS, IndexName="byOwner",
                         KeyConditionExpression="#o = :o", ExpressionAttributeNames={"#o": "owner"},
                         ExpressionAttributeValues={":o": {"S": "o-0"}})["Items"]
    wanted = [i for i in blobs if i["owner"] == {"S": "o-0"}]
    assert wanted and keys(jsonable(found), "blobId", "part") == keys(wanted, "blobId", "part")
    blob_id = bytes([0, 1, 255, 10])
    found = client.query(TableName=BLOBS, IndexName="bySize",
                         KeyConditionExpression="blobId = :b",
                         ExpressionAttributeValues={":b": {"B": blob_id}})["Items"]
    wanted = [i for i in blobs if i["blobId"] == jsonable({"B": blob_id})]
    assert wanted and keys(jsonable(found), "blobId", "part") == keys(wanted, "blobId", "part")


def fingerprint(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def test_a_format1_data_dir_is_converted_once_and_loses_nothing(
        data_dir: Path, capfd: pytest.CaptureFixture[str]) -> None:
    with served(data_dir) as emulator:
        client = make_client(endpoint_url=emulator.endpoint_url)
        streams = make_client("dynamodbstreams", endpoint_url=emulator.endpoint_url)
        line, = converted_lines(capfd)
        assert line == (
            f"ddbkit: converted data dir {data_dir} from format 1 to format 2 (8 tables, "
            f"43 items, 2 backups, 6 files); the format-1 files are kept in "
            f"{data_dir / 'format-1'}")
        check_tables(client)
        check_indexes(client)
        for name, stream in EXPECTED["streams"].items():
            assert stream_records(client, streams, name) == stream, name
        client.put_item(TableName=BOOKINGS, Item=NEW_BOOKING)
    aside = data_dir / "format-1"
    assert fingerprint(aside) == fingerprint(DATA / "format1")  # to go back with
    for path in (p for p in data_dir.rglob("*") if p.is_file() and aside not in p.parents):
        assert not [n for n in PRIVATE_NAMES if n in path.read_bytes()], path

    with served(data_dir) as emulator:  # once converted, a start is a start
        client = make_client(endpoint_url=emulator.endpoint_url)
        streams = make_client("dynamodbstreams", endpoint_url=emulator.endpoint_url)
        assert converted_lines(capfd) == []
        assert scan(client, BOOKINGS) == sorted(
            [*EXPECTED["tables"][BOOKINGS]["Items"], jsonable(NEW_BOOKING)],
            key=lambda i: json.dumps(i, sort_keys=True))
        stream = stream_records(client, streams, BOOKINGS)
        before = EXPECTED["streams"][BOOKINGS]["Records"]
        assert stream["Records"][:-1] == before
        last = stream["Records"][-1]["dynamodb"]
        assert last["Keys"] == {"bookingId": {"S": "b-099"}}
        assert int(last["SequenceNumber"]) == int(before[-1]["dynamodb"]["SequenceNumber"]) + 1
        check_restores(client)


def check_restores(client: Any) -> None:
    """The backups restore, a point-in-time restore finds phase 1, the named state too."""
    backups = {b["BackupArn"]: b for b in client.list_backups()["BackupSummaries"]}
    assert sorted(backups) == sorted(EXPECTED["backups"])
    for number, (arn, backup) in enumerate(EXPECTED["backups"].items()):
        target = f"from-backup-{number}"
        client.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
        restored(client, target)
        assert scan(client, target) == backup["items"], arn
    for table in (BOOKINGS, BLOBS):
        target = f"{table}-then"
        client.restore_table_to_point_in_time(SourceTableName=table, TargetTableName=target,
                                              RestoreDateTime=at(EXPECTED["pitr_time"]))
        restored(client, target)
        assert scan(client, target) == EXPECTED["phase1"][table], table
    # moments in older segments: after the first snapshot, and before it (journal 1 alone,
    # where blobs was created and PITR turned on, before any item was put)
    client.restore_table_to_point_in_time(SourceTableName=BOOKINGS, TargetTableName="early",
                                          RestoreDateTime=at(EXPECTED["early_time"]))
    restored(client, "early")
    assert scan(client, "early") == EXPECTED["early_bookings"]
    pitr = EXPECTED["tables"][BLOBS]["ContinuousBackups"]["PointInTimeRecoveryDescription"]
    client.restore_table_to_point_in_time(
        SourceTableName=BLOBS, TargetTableName="blobs-empty",
        RestoreDateTime=at(pitr["EarliestRestorableDateTime"]["$t"] + 0.001))
    restored(client, "blobs-empty")
    assert scan(client, "blobs-empty") == []
    AdminClient(client.meta.endpoint_url).call("RestoreState", Name=EXPECTED["state"])
    assert sorted(client.list_tables()["TableNames"]) == sorted(EXPECTED["phase1"])
    for table, items in EXPECTED["phase1"].items():
        assert scan(client, table) == items, table


def test_a_data_dir_written_now_holds_no_moto_names_and_says_its_format(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    with clocked_emulator(data, stage="fmt", journal_max_bytes=1) as emulator:
        client = make_client(endpoint_url=emulator.endpoint_url)
        client.create_table(
            TableName="bin", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"},
                       {"AttributeName": "r", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "B"}
                                  for n in ("k", "r", "g")],
            GlobalSecondaryIndexes=[{"IndexName": "byG", "Projection": {"ProjectionType": "ALL"},
                                     "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}],
            LocalSecondaryIndexes=[{"IndexName": "byR", "Projection": {"ProjectionType": "ALL"},
                                    "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"},
                                                  {"AttributeName": "g", "KeyType": "RANGE"}]}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
            Tags=[{"Key": "a", "Value": "b"}])
        client.update_time_to_live(TableName="bin", TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "ttl"})
        client.update_continuous_backups(TableName="bin", PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": True})
        for n in range(5):
            client.put_item(TableName="bin", Item={"k": {"B": bytes([n])}, "r": {"B": b"\xff"},
                                                   "g": {"B": b"\x00"}, "s": {"BS": [b"1"]}})
        arn = client.create_backup(TableName="bin", BackupName="bin-backup")[
            "BackupDetails"]["BackupArn"]
        client.restore_table_from_backup(TargetTableName="bin-again", BackupArn=arn)
        restored(client, "bin-again")
        client.create_table(
            TableName="secure", BillingMode="PROVISIONED", DeletionProtectionEnabled=True,
            ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 1},
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            SSESpecification={"Enabled": True, "SSEType": "KMS"})
        emulator.advance(600)
        client.restore_table_to_point_in_time(SourceTableName="bin", TargetTableName="bin-then",
                                              UseLatestRestorableTime=True)
        restored(client, "bin-then")
        AdminClient(emulator.endpoint_url).call("SaveState", Name="s")
        wait_for(lambda: list(data.glob("snapshot-*.snap")), "a snapshot")
        before = everything(client)
    assert before["secure"]["Table"]["SSEDescription"]["Status"] == "ENABLED"
    assert before["secure"]["Table"]["DeletionProtectionEnabled"] is True
    assert before["bin-again"]["Table"]["RestoreSummary"]["SourceBackupArn"] == arn
    assert "SourceBackupArn" not in before["bin-then"]["Table"]["RestoreSummary"]
    assert before["bin"]["TimeToLive"]["TimeToLiveStatus"] == "ENABLED"
    with clocked_emulator(data, stage="fmt", offset_seconds=700) as emulator:
        assert everything(make_client(endpoint_url=emulator.endpoint_url)) == before
    files = [p for p in data.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} >= {".snap", ".log", ".synced"}
    assert (data / "states" / "s.snap") in files
    for path in files:
        raw = path.read_bytes()
        assert not [name for name in PRIVATE_NAMES if name in raw], path
        if path.name == "journal.synced":
            assert raw.startswith(formats.SYNCED)
            continue
        with open(path, "rb") as stream:
            header = encoding.loads(next(read_frames(stream, len(raw))))
        assert header["format"] in (formats.SNAPSHOT, formats.JOURNAL), path


def test_a_newer_format_is_refused_in_one_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(DATA / "format1", data_dir)
    journal = data_dir / "journal-00000001.log"
    raw = journal.read_bytes()
    with open(journal, "rb") as stream:
        first = next(read_frames(stream, len(raw)))
    header = encoding.loads(first)
    header["format"] = "ddbkit-journal/3"
    journal.write_bytes(frame(encoding.dumps(header)) + raw[12 + len(first):])
    before = fingerprint(data_dir)
    result = up_once(data_dir, "--no-seed")
    assert result.returncode == 2, result.stdout + result.stderr
    line, = result.stderr.strip().splitlines()
    assert line.startswith(f"ddbkit: error: data dir {data_dir} is in format 3 "
                           "(journal-00000001.log), written by a newer ddbkit")
    assert "Nothing was changed" in line
    assert fingerprint(data_dir) == before


def test_a_conversion_cut_short_by_a_crash_is_rolled_back_and_done_again(
        tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(DATA / "format1", data_dir)
    # A crash in step 2: the converted files written, half of the format-1 ones moved aside.
    work, aside = data_dir / convert.WORK, data_dir / convert.ASIDE
    (work / "states").mkdir(parents=True)
    (work / "journal-00000001.log").write_bytes(b"half-written")
    (work / "aside").write_text(aside.name)
    aside.mkdir()
    (data_dir / "journal-00000001.log").rename(aside / "journal-00000001.log")

    converted = convert.upgrade(DataDir(data_dir))

    assert converted is not None and converted.aside == aside and converted.files == 6
    assert not work.exists()
    assert fingerprint(aside) == fingerprint(DATA / "format1")
    assert convert.upgrade(DataDir(data_dir)) is None  # converted once


def test_a_damaged_format1_file_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(DATA / "format1", data_dir)
    journal = data_dir / "journal-00000001.log"
    raw = bytearray(journal.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # a damaged record with more after it
    journal.write_bytes(bytes(raw))
    before = fingerprint(data_dir)

    with pytest.raises(DataDirError) as refused:
        convert.upgrade(DataDir(data_dir))

    assert str(refused.value).startswith(
        f"cannot convert data dir {data_dir} from format 1: journal-00000001.log: it is "
        "damaged (a record whose checksum fails at byte ")
    assert fingerprint(data_dir) == before
