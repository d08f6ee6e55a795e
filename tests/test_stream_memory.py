"""Issue 23's bar for streams: 60,000 writes to a table with a stream grow the server's RSS by
at most 30 MB (records past the newest 1 MB are on disk, `store/stream_spill.py`), and a
TRIM_HORIZON reader still gets every record, in order, with no gap.

`ddbkit up --in-memory --no-seed` runs in a child process, so its RSS (VmRSS) is its own; the
writes are BatchWriteItem requests of 25 bookings over one keep-alive connection (the bar
counts writes, and this keeps the test short); RSS is read after a warm-up of 5,000."""

from __future__ import annotations

import http.client
import json
import re
from pathlib import Path
from typing import Any

import boto3

from ddbkit.emulator.process import EmulatorProcess
from ddbkit.emulator.spec import Stage

WARMUP, MEASURED, BATCH = 5_000, 60_000, 25
MAX_GROWTH_MB = 30
BOOKINGS = Stage("dev").table_name("bookings")


def rss_mb(pid: int) -> float:
    found = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    assert found is not None
    return int(found[1]) / 1024


def booking(n: int) -> dict[str, Any]:
    """About 400 bytes; 25 bookings overwritten in turn, each write a new record."""
    return {"bookingId": {"S": f"b{n % BATCH:07d}"}, "status": {"S": "PENDING"},
            "providerId": {"S": "p1"}, "customerId": {"S": "c1"},
            "scheduledDate": {"S": "2025-12-10T10:00:00Z"},
            "createdAt": {"S": "2025-12-01T10:00:00Z"}, "n": {"N": str(n)},
            "notes": {"S": "x" * 250}}


def write(conn: http.client.HTTPConnection, first: int, count: int) -> None:
    for start in range(first, first + count, BATCH):
        body = {"RequestItems": {BOOKINGS: [{"PutRequest": {"Item": booking(n)}}
                                            for n in range(start, start + BATCH)]}}
        conn.request("POST", "/", body=json.dumps(body), headers={
            "X-Amz-Target": "DynamoDB_20120810.BatchWriteItem",
            "Content-Type": "application/x-amz-json-1.0"})
        response = conn.getresponse()
        answer = json.loads(response.read())
        assert response.status == 200 and not answer["UnprocessedItems"], answer


def test_60000_stream_writes_grow_rss_by_at_most_30_mb_and_all_read_back() -> None:
    with EmulatorProcess("--in-memory", "--no-seed", "--ttl-interval", "0") as server:
        assert server.pid is not None
        port = int(server.endpoint_url.rsplit(":", 1)[1].strip("/"))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        write(conn, 0, WARMUP)
        before = rss_mb(server.pid)
        write(conn, WARMUP, MEASURED)
        grown = rss_mb(server.pid) - before
        assert grown <= MAX_GROWTH_MB, f"RSS grew {grown:.1f} MB for {MEASURED} writes"

        streams = boto3.client("dynamodbstreams", endpoint_url=server.endpoint_url,
                               region_name="us-east-1", aws_access_key_id="ddbkit",
                               aws_secret_access_key="ddbkit")
        arn = boto3.client("dynamodb", endpoint_url=server.endpoint_url,
                           region_name="us-east-1", aws_access_key_id="ddbkit",
                           aws_secret_access_key="ddbkit").describe_table(
            TableName=BOOKINGS)["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        numbers: list[int] = []
        written: list[int] = []
        while len(numbers) < WARMUP + MEASURED:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            assert page["Records"], f"the stream ended after {len(numbers)} records"
            for record in page["Records"]:
                numbers.append(int(record["dynamodb"]["SequenceNumber"]))
                written.append(int(record["dynamodb"]["NewImage"]["n"]["N"]))
            iterator = page["NextShardIterator"]
        assert streams.get_records(ShardIterator=iterator)["Records"] == []
        first = int(shard["SequenceNumberRange"]["StartingSequenceNumber"])
        assert numbers == list(range(first, first + WARMUP + MEASURED))  # in order, no gap
        assert written == list(range(WARMUP + MEASURED))  # each write's own record
