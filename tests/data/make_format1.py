"""Makes tests/data/format1/: a small data dir written by the format-1 release (863cd03).

NEEDS THE OLD RELEASE: a checkout of commit 863cd03 installed in a venv of its own, whose
`ddbkit` runs the server. Any Python with boto3 runs this script:

    python tests/data/make_format1.py --ddbkit /path/to/old/.venv/bin/ddbkit

It starts `ddbkit up --no-seed` on a new data dir, writes a few dozen items (binary
attributes too, one table keyed on binary values), in two phases a few seconds apart (PITR
history), with snapshots forced between them (a tiny --journal-max-mb), an on-demand backup
of two tables, a named state and an export; then it stops the server cleanly. What the old
release answered (items, descriptions, stream records, times) goes to
tests/data/format1.expected.json, which tests/test_durability_format.py compares the new
release's answers with.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

HERE = Path(__file__).parent
STAGE = "dev"
BOOKINGS = f"marketplace-{STAGE}-bookings-table"
SERVICES = f"marketplace-{STAGE}-services-table"
PROVIDERS = f"marketplace-{STAGE}-providers-table"
REVIEWS = f"marketplace-{STAGE}-reviews-table"
USERS = f"marketplace-{STAGE}-users-table"
IDEMPOTENCY = f"marketplace-{STAGE}-idempotency-table"
BLOBS = "blobs"  # a table of the user's own, keyed on binary values
RESTORED = "blobs-restored"  # restored from a backup: its description names the backup
STATE = "phase1"
FAR_FUTURE = 4102444800  # 2100-01-01: never expires


def jsonable(value: Any) -> Any:
    """boto3's answers as JSON: bytes as {"$b64": ...}, datetimes as epoch seconds."""
    if isinstance(value, (bytes, bytearray)):
        return {"$b64": base64.b64encode(value).decode()}
    if isinstance(value, datetime):
        return {"$t": value.timestamp()}
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


class Server:
    """`ddbkit up` as a child process, ready once it prints its ready line."""

    def __init__(self, ddbkit: str, *args: str) -> None:
        self.proc = subprocess.Popen([ddbkit, "up", "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self.url = ""
        ready = threading.Event()
        threading.Thread(target=self._pump, args=(ready,), daemon=True).start()
        if not ready.wait(120):
            self.proc.kill()
            raise SystemExit("ddbkit up did not become ready")

    def _pump(self, ready: threading.Event) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            print("  | " + line.rstrip())
            match = re.match(r"^ddbkit ready: (\S+)", line)
            if match:
                self.url = match[1]
                ready.set()

    def stop(self) -> None:
        self.proc.terminate()
        if self.proc.wait(60) != 0:
            raise SystemExit(f"ddbkit up exited {self.proc.returncode}")


def booking(n: int, status: str, **extra: Any) -> dict[str, Any]:
    item = {"bookingId": {"S": f"b-{n:03d}"}, "customerId": {"S": f"c-{n % 3}"},
            "providerId": {"S": f"p-{n % 2}"}, "scheduledDate": {"S": f"2026-01-{n + 1:02d}"},
            "status": {"S": status}, "createdAt": {"S": f"2025-12-{n + 1:02d}T10:00:00Z"},
            "price": {"N": str(40 + n)}, "notes": {"L": [{"S": "x"}, {"N": "1.5"},
                                                          {"BOOL": True}, {"NULL": True}]},
            "meta": {"M": {"channel": {"S": "web"}, "tags": {"SS": ["a", "b"]}}}}
    return {**item, **extra}


def blob(n: int, **extra: Any) -> dict[str, Any]:
    return {"blobId": {"B": bytes([0, n, 255, 10])}, "part": {"N": str(n % 3)},
            "size": {"N": str(100 * n)}, "owner": {"S": f"o-{n % 2}"},
            "digest": {"B": bytes([n]) * 8}, "chunks": {"BS": [b"\x00\x01", bytes([n, 7])]},
            "expiresAt": {"N": str(FAR_FUTURE)}, **extra}


def create_blobs(client: Any) -> None:
    client.create_table(
        TableName=BLOBS, BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 4},
        KeySchema=[{"AttributeName": "blobId", "KeyType": "HASH"},
                   {"AttributeName": "part", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in
                              (("blobId", "B"), ("part", "N"), ("size", "N"), ("owner", "S"),
                               ("digest", "B"))],
        LocalSecondaryIndexes=[{
            "IndexName": "bySize", "Projection": {"ProjectionType": "KEYS_ONLY"},
            "KeySchema": [{"AttributeName": "blobId", "KeyType": "HASH"},
                          {"AttributeName": "size", "KeyType": "RANGE"}]}],
        GlobalSecondaryIndexes=[{
            "IndexName": "byOwner",
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["size"]},
            "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 2},
            "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"},
                          {"AttributeName": "digest", "KeyType": "RANGE"}]}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        Tags=[{"Key": "team", "Value": "storage"}])
    client.update_time_to_live(TableName=BLOBS, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expiresAt"})
    client.update_continuous_backups(TableName=BLOBS, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7})


def phase1(client: Any, expected: dict[str, Any]) -> None:
    create_blobs(client)
    for n in range(6):
        client.put_item(TableName=BOOKINGS, Item=booking(n, "pending"))
    time.sleep(1)  # a moment before the first snapshot: a restore to it reads journal 1 alone
    expected["early_time"] = time.time()
    expected["early_bookings"] = scan(client, BOOKINGS)
    time.sleep(1)
    for n in range(6, 12):
        client.put_item(TableName=BOOKINGS, Item=booking(n, "pending"))
    client.put_item(TableName=BOOKINGS, Item=booking(
        12, "pending", attachment={"B": b"\x00\xffpdf"}, scans={"BS": [b"\x01", b"\x02\x03"]}))
    for n in range(6):
        client.put_item(TableName=SERVICES, Item={
            "serviceId": {"S": f"s-{n}"}, "providerId": {"S": f"p-{n % 2}"},
            "category": {"S": "cleaning" if n % 2 else "garden"}, "price": {"N": str(20 + n)}})
    for n in range(4):
        client.put_item(TableName=PROVIDERS, Item={
            "providerId": {"S": f"p-{n}"}, "serviceArea": {"S": "north"},
            "serviceType": {"S": "cleaning"}, "rating": {"N": f"4.{n}"},
            "responseTime": {"N": str(10 * n)}, "isAvailable": {"S": "true"}})
    for n in range(4):
        client.put_item(TableName=REVIEWS, Item={
            "reviewId": {"S": f"r-{n}"}, "bookingId": {"S": f"b-{n:03d}"},
            "providerId": {"S": f"p-{n % 2}"}, "createdAt": {"S": f"2026-02-0{n + 1}"},
            "stars": {"N": str(n + 2)}})
    for n in range(3):
        client.put_item(TableName=USERS, Item={
            "userId": {"S": f"u-{n}"}, "email": {"S": f"u{n}@example.com"},
            "userType": {"S": "customer"}, "createdAt": {"S": f"2025-0{n + 1}-01"},
            "avatar": {"B": bytes(range(n, n + 6))}})
    client.put_item(TableName=IDEMPOTENCY, Item={
        "idempotencyKey": {"S": "k-1"}, "result": {"S": "{\"ok\":true}"},
        "ttl": {"N": str(FAR_FUTURE)}})
    for n in range(1, 7):
        client.put_item(TableName=BLOBS, Item=blob(n))


def phase2(client: Any, backup: str) -> None:
    for n in (1, 2):
        client.update_item(TableName=BOOKINGS, Key={"bookingId": {"S": f"b-{n:03d}"}},
                           UpdateExpression="SET #s = :s, price = price + :one",
                           ExpressionAttributeNames={"#s": "status"},
                           ExpressionAttributeValues={":s": {"S": "confirmed"},
                                                      ":one": {"N": "1"}})
    client.delete_item(TableName=BOOKINGS, Key={"bookingId": {"S": "b-003"}})
    client.put_item(TableName=BOOKINGS, Item=booking(20, "pending"))
    client.update_item(TableName=BLOBS, Key={"blobId": {"B": bytes([0, 2, 255, 10])},
                                             "part": {"N": "2"}},
                       UpdateExpression="SET label = :l",
                       ExpressionAttributeValues={":l": {"B": b"\xfe\xed"}})
    client.delete_item(TableName=BLOBS, Key={"blobId": {"B": bytes([0, 4, 255, 10])},
                                             "part": {"N": "1"}})
    client.restore_table_from_backup(TargetTableName=RESTORED, BackupArn=backup)
    client.put_item(TableName=IDEMPOTENCY, Item={
        "idempotencyKey": {"S": "k-2"}, "result": {"S": "{}"}, "ttl": {"N": str(FAR_FUTURE)}})


def scan(client: Any, table: str) -> list[Any]:
    pages = client.get_paginator("scan").paginate(TableName=table)
    return sorted((jsonable(i) for p in pages for i in p["Items"]),
                  key=lambda i: json.dumps(i, sort_keys=True))


def stream_records(client: Any, streams: Any, table: str) -> dict[str, Any]:
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    records = []
    for shard in shards:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator)
            records += page["Records"]
            iterator = page.get("NextShardIterator") if page["Records"] else None
    return {"StreamArn": arn, "Shards": jsonable(shards), "Records": jsonable(records)}


def table_facts(client: Any, table: str) -> dict[str, Any]:
    description = client.describe_table(TableName=table)["Table"]
    return {"Table": jsonable(description), "Items": scan(client, table),
            "TimeToLive": client.describe_time_to_live(TableName=table)[
                "TimeToLiveDescription"],
            "ContinuousBackups": jsonable(client.describe_continuous_backups(TableName=table)[
                "ContinuousBackupsDescription"]),
            "Tags": client.list_tags_of_resource(ResourceArn=description["TableArn"])["Tags"]}


def wait_for_snapshot(data_dir: Path, generation: int) -> None:
    deadline = time.monotonic() + 30
    while not (data_dir / f"snapshot-{generation:08d}.snap").exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"no snapshot {generation} was written")
        time.sleep(0.2)


def make(ddbkit: str, out: Path) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="format1-"))
    data_dir = work / "data"
    server = Server(ddbkit, "--no-seed", "--stage", STAGE, "--ttl-interval", "0",
                    "--data-dir", str(data_dir), "--state-dir", str(work / "state"),
                    "--s3-dir", str(work / "s3"), "--journal-max-mb", "0.004")
    expected: dict[str, Any] = {"stage": STAGE, "state": STATE}
    try:
        session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x",
                                region_name="us-east-1")
        config = Config(retries={"max_attempts": 2})
        client = session.client("dynamodb", endpoint_url=server.url, config=config)
        streams = session.client("dynamodbstreams", endpoint_url=server.url, config=config)
        phase1(client, expected)
        wait_for_snapshot(data_dir, 2)
        tables = client.list_tables()["TableNames"]
        expected["phase1"] = {name: scan(client, name) for name in tables}
        expected["backups"] = {}
        for table in (BOOKINGS, BLOBS):
            arn = client.create_backup(TableName=table, BackupName=f"{table}-phase1")[
                "BackupDetails"]["BackupArn"]
            expected["backups"][arn] = {"table": table, "items": expected["phase1"][table]}
        subprocess.run([ddbkit, "state", "save", STATE, "--endpoint-url", server.url,
                        "--region", "us-east-1"], check=True)
        time.sleep(2)
        expected["pitr_time"] = time.time()
        time.sleep(2)
        phase2(client, next(arn for arn, b in expected["backups"].items()
                            if b["table"] == BLOBS))
        client.export_table_to_point_in_time(
            TableArn=client.describe_table(TableName=SERVICES)["Table"]["TableArn"],
            S3Bucket="exports")
        expected["tables"] = {name: table_facts(client, name)
                              for name in client.list_tables()["TableNames"]}
        expected["streams"] = {name: stream_records(client, streams, name)
                               for name in (BOOKINGS, BLOBS)}
        expected["exports"] = jsonable(client.list_exports()["ExportSummaries"])
        expected["finished"] = time.time()
    finally:
        server.stop()
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(data_dir, out)
    shutil.rmtree(work)
    return expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ddbkit", required=True, help="the old release's ddbkit executable")
    parser.add_argument("--out", type=Path, default=HERE / "format1")
    args = parser.parse_args()
    expected = make(args.ddbkit, args.out)
    (HERE / "format1.expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True)
                                                + "\n")
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"wrote {args.out} ({size} bytes) and format1.expected.json")


if __name__ == "__main__":
    main()
