"""Stream memory: what N writes to a table with a stream cost in RSS and on disk.

For each of `--in-memory` and a fresh `--data-dir`: starts `ddbkit up --no-seed` in a child
process, writes --warmup overwrites of one ~400-byte bookings item (stream NEW_AND_OLD_IMAGES),
reads the server's RSS (VmRSS in /proc/PID/status), writes --writes more, reads it again; then
the same number of overwrites of one users item (no stream). Prints the RSS growth of each,
per write, the disk the data dir (and its stream spill folder) grew by, and then reads the whole
stream back from TRIM_HORIZON with GetRecords, checking every sequence number follows the one
before (no gap) and counting the records and the time taken. Numbers, not pass/fail; on a
shared machine RSS and rates are noisy.

    .venv/bin/python bench/bench_stream_memory.py [--writes 60000] [--warmup 5000]
        [--modes in-memory,data-dir]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from ddbkit.emulator.process import EmulatorProcess
from ddbkit.emulator.spec import Stage

HEADERS = {"Authorization": "AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/dynamodb/"
                            "aws4_request, SignedHeaders=host, Signature=0",
           "Content-Type": "application/x-amz-json-1.0"}
STAGE = Stage("dev")


def rss_mb(pid: int) -> float:
    match = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    assert match is not None
    return int(match[1]) / 1024


def disk_bytes(path: Path | None) -> int:
    if path is None or not path.exists():
        return 0
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


class Client:
    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").rstrip("/").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=120)

    def call(self, operation: str, body: dict[str, Any], streams: bool = False) -> Any:
        target = "DynamoDBStreams_20120810" if streams else "DynamoDB_20120810"
        self.conn.request("POST", "/", body=json.dumps(body).encode(),
                          headers={**HEADERS, "X-Amz-Target": f"{target}.{operation}"})
        response = self.conn.getresponse()
        answer = json.loads(response.read() or b"{}")
        if response.status != 200:
            raise RuntimeError(f"{operation}: {response.status} {answer}")
        return answer


def booking(n: int) -> dict[str, Any]:
    """One bookings item of about 400 bytes; `n` changes with each overwrite."""
    return {"bookingId": {"S": "b0000001"}, "status": {"S": "PENDING"},
            "providerId": {"S": "p1"}, "customerId": {"S": "c1"},
            "scheduledDate": {"S": "2025-12-10T10:00:00Z"},
            "createdAt": {"S": "2025-12-01T10:00:00Z"}, "n": {"N": str(n)},
            "notes": {"S": "x" * 250}}


def user(n: int) -> dict[str, Any]:
    return {"userId": {"S": "u0000001"}, "email": {"S": "a@example.com"},
            "userType": {"S": "customer"}, "createdAt": {"S": "2025-12-01T10:00:00Z"},
            "n": {"N": str(n)}, "notes": {"S": "x" * 280}}


def overwrite(client: Client, table: str, make: Any, first: int, count: int) -> float:
    began = time.perf_counter()
    for n in range(first, first + count):
        client.call("PutItem", {"TableName": table, "Item": make(n)})
    return count / (time.perf_counter() - began)


def read_stream(client: Client, table: str) -> tuple[int, float, bool]:
    """(records read from TRIM_HORIZON, seconds, every number one past the one before)."""
    arn = client.call("DescribeTable", {"TableName": table})["Table"]["LatestStreamArn"]
    shard = client.call("DescribeStream", {"StreamArn": arn}, streams=True)[
        "StreamDescription"]["Shards"][0]["ShardId"]
    iterator = client.call("GetShardIterator", {"StreamArn": arn, "ShardId": shard,
                                                "ShardIteratorType": "TRIM_HORIZON"},
                           streams=True)["ShardIterator"]
    began = time.perf_counter()
    count, previous, in_order = 0, None, True
    while iterator:
        answer = client.call("GetRecords", {"ShardIterator": iterator, "Limit": 1000},
                             streams=True)
        if not answer["Records"]:
            break
        for record in answer["Records"]:
            number = int(record["dynamodb"]["SequenceNumber"])
            in_order &= previous is None or number == previous + 1
            previous = number
        count += len(answer["Records"])
        iterator = answer.get("NextShardIterator")
    return count, time.perf_counter() - began, in_order


def run(mode: str, writes: int, warmup: int) -> None:
    with tempfile.TemporaryDirectory(prefix="ddbkit-bench-") as scratch:
        data = Path(scratch) / "data" if mode == "data-dir" else None
        where = ["--data-dir", str(data)] if data else ["--in-memory"]
        env = {k: v for k, v in os.environ.items() if k != "DDBKIT_IN_MEMORY"}
        with EmulatorProcess("--no-seed", "--ttl-interval", "0", "--state-dir", scratch, *where,
                             env=env) as server:
            pid = server.pid
            assert pid is not None
            client = Client(server.endpoint_url)
            bookings, users = STAGE.table_name("bookings"), STAGE.table_name("users")
            overwrite(client, bookings, booking, 0, warmup)
            overwrite(client, users, user, 0, warmup)
            time.sleep(1)
            before, disk_before = rss_mb(pid), disk_bytes(data)
            rate = overwrite(client, bookings, booking, warmup, writes)
            time.sleep(1)
            after, disk_after = rss_mb(pid), disk_bytes(data)
            spill = disk_bytes(data / "streams") if data else 0
            users_rate = overwrite(client, users, user, warmup, writes)
            time.sleep(1)
            after_users = rss_mb(pid)
            count, seconds, in_order = read_stream(client, bookings)
            grown = after - before
            print(f"{mode}: {writes} bookings writes (stream) at {rate:.0f}/s: RSS "
                  f"{before:.0f} -> {after:.0f} MB (+{grown:.1f} MB, "
                  f"{grown * 1024 * 1024 / writes:.0f} B/write)")
            print(f"{mode}: {writes} users writes (no stream) at {users_rate:.0f}/s: RSS "
                  f"+{after_users - after:.1f} MB")
            if data:
                print(f"{mode}: data dir +{(disk_after - disk_before) / 2**20:.1f} MB for the "
                      f"bookings writes ({(disk_after - disk_before) / writes:.0f} B/write); "
                      f"stream spill folder {spill / 2**20:.1f} MB "
                      f"({spill / (writes + warmup):.0f} B/record)")
            print(f"{mode}: TRIM_HORIZON read {count} of {writes + warmup} records in "
                  f"{seconds:.1f} s, in order without a gap: {in_order}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=60_000)
    parser.add_argument("--warmup", type=int, default=5_000)
    parser.add_argument("--modes", default="in-memory,data-dir")
    args = parser.parse_args()
    for mode in args.modes.split(","):
        run(mode, args.writes, args.warmup)


if __name__ == "__main__":
    main()
