"""Soak: does the endpoint's memory stay flat under requests that change no data?

Starts `ddbkit up` (seeded, 127.0.0.1, port 0) in a child process, warms up, then sends
`--requests` requests that change nothing, a fifth each of: failed conditional puts,
overwrites of an item with itself, GetItem, a projected GSI Query and GetRecords polling (an
idle stream consumer), over `--connections` keep-alive connections. Every `--sample-every`
requests it reads the server's RSS (VmRSS in /proc/PID/status) and prints the curve and the
growth since the warm-up (target: under 5%). (It once also ran a server with ddbkit's
per-request emptying of moto's model registry turned off, to show what moto retained; ddbkit
now builds no moto model and GetRecords no longer runs in moto, so there is nothing to turn
off.) Numbers, not a pass/fail; on a shared machine RSS and rates are noisy.

    .venv/bin/python bench/bench_soak.py [--requests 1000000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _servers import HEADERS, Server

from ddbkit.emulator.spec import get_table

STAGE = "soak"
READY = r"^ddbkit ready: http://127\.0\.0\.1:(\d+)"
DYNAMODB, STREAMS = "DynamoDB_20120810", "DynamoDBStreams_20120810"
KEYS = 500  # seeded bookings the traffic cycles through
def up_command(scale: float) -> list[str]:
    return [sys.executable, "-P", "-m", "ddbkit.cli", "up", "--host", "127.0.0.1", "--port", "0",
            "--stage", STAGE, "--scale", str(scale)]


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    assert match is not None
    return int(match[1]) / 1024


class Connection:
    """One keep-alive connection speaking DynamoDB's JSON protocol."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, target: str, operation: str, body: bytes) -> tuple[int, bytes]:
        self.conn.request("POST", "/", body=body,
                          headers={**HEADERS, "X-Amz-Target": f"{target}.{operation}"})
        response = self.conn.getresponse()
        return response.status, response.read()

    def json(self, target: str, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        status, data = self.call(target, operation, json.dumps(body).encode())
        if status != 200:
            raise RuntimeError(f"{operation} -> {status}: {data[:300]!r}")
        return json.loads(data)  # type: ignore[no-any-return]


@dataclass
class Traffic:
    """The five kinds of request, bodies prepared once; `unexpected` counts wrong answers."""

    table: str
    items: list[dict[str, Any]]
    stream_arn: str
    shard_id: str
    bodies: list[tuple[str, bytes, int]] = field(default_factory=list)  # operation, body, status
    unexpected: int = 0

    def __post_init__(self) -> None:
        for item in self.items:
            key = {"bookingId": item["bookingId"]}
            self.bodies += [
                ("PutItem", _body(TableName=self.table, Item=item,
                                  ConditionExpression="attribute_not_exists(bookingId)"), 400),
                ("PutItem", _body(TableName=self.table, Item=item), 200),
                ("GetItem", _body(TableName=self.table, Key=key), 200),
                ("Query", _body(TableName=self.table, IndexName="customerBookings-index",
                                KeyConditionExpression="customerId = :c",
                                ExpressionAttributeValues={":c": item["customerId"]},
                                ProjectionExpression="bookingId, #s, createdAt",
                                ExpressionAttributeNames={"#s": "status"}, Limit=20), 200)]

    def run(self, conn: Connection, start: int, count: int) -> None:
        iterator = self._iterator(conn)
        for i in range(start, start + count):
            if i % 5 == 4:  # the idle consumer's poll
                status, data = conn.call(STREAMS, "GetRecords", _body(ShardIterator=iterator))
                if status == 200:
                    iterator = json.loads(data)["NextShardIterator"]
                expected = 200
            else:
                operation, body, expected = self.bodies[(i // 5 * 4 + i % 5) % len(self.bodies)]
                status, data = conn.call(DYNAMODB, operation, body)
            if status != expected:
                self.unexpected += 1
                if self.unexpected <= 3:
                    print(f"  unexpected {status}: {data[:200]!r}", flush=True)

    def _iterator(self, conn: Connection) -> str:
        return str(conn.json(STREAMS, "GetShardIterator", {
            "StreamArn": self.stream_arn, "ShardId": self.shard_id,
            "ShardIteratorType": "LATEST"})["ShardIterator"])


def _body(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


def prepare(port: int) -> Traffic:
    conn = Connection(port)
    table = get_table("bookings").name(STAGE)
    items = conn.json(DYNAMODB, "Scan", {"TableName": table, "Limit": KEYS})["Items"]
    arn = conn.json(DYNAMODB, "DescribeTable", {"TableName": table})["Table"]["LatestStreamArn"]
    shard = conn.json(STREAMS, "DescribeStream", {"StreamArn": arn})["StreamDescription"][
        "Shards"][0]["ShardId"]
    return Traffic(table, items, arn, shard)


def send(traffic: Traffic, conns: list[Connection], start: int, count: int) -> None:
    """`count` requests from request number `start`, split over the connections at once."""
    share = count // len(conns)
    threads = [threading.Thread(target=traffic.run,
                                args=(conn, start + n * share,
                                      share if n < len(conns) - 1 else count - n * share))
               for n, conn in enumerate(conns)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def segments(total: int, every: int) -> Iterator[int]:
    done = 0
    while done < total:
        step = min(every, total - done)
        yield step
        done += step


def soak(label: str, requests: int, warm_up: int, every: int, connections: int,
         scale: float) -> float:
    """Runs one server through warm-up and `requests`; returns RSS growth in MB per 100k."""
    server = Server(label, up_command(scale), READY, create_table=False)
    try:
        server.start(timeout=600)
        assert server.proc is not None
        pid = server.proc.pid
        traffic = prepare(server.port)
        conns = [Connection(server.port) for _ in range(connections)]
        print(f"\n{label}: pid {pid}, {len(traffic.items)} bookings cycled, {connections} "
              f"keep-alive connections; RSS {rss_mb(pid):.1f} MB after seeding", flush=True)
        started = time.perf_counter()
        send(traffic, conns, 0, warm_up)
        baseline = rss_mb(pid)
        print(f"  warm-up {warm_up:>9,} requests  RSS {baseline:7.1f} MB  (baseline)  "
              f"{warm_up / (time.perf_counter() - started):6.0f} req/s", flush=True)
        print(f"  {'requests':>17}  {'RSS MB':>10}  {'vs baseline':>12}  {'req/s':>6}")
        done, peak = 0, baseline
        for step in segments(requests, every):
            started = time.perf_counter()
            send(traffic, conns, warm_up + done, step)
            done += step
            rss = rss_mb(pid)
            peak = max(peak, rss)
            print(f"  {done:>17,}  {rss:10.1f}  {100 * (rss - baseline) / baseline:+11.1f}%  "
                  f"{step / (time.perf_counter() - started):6.0f}", flush=True)
        growth = rss - baseline
        print(f"  growth after warm-up: {growth:+.1f} MB ({100 * growth / baseline:+.1f}%; "
              f"peak {peak:.1f} MB) over {requests:,} requests; "
              f"{traffic.unexpected} unexpected answers", flush=True)
        return growth / requests * 100_000
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--warm-up", type=int, default=None,
                        help="requests before the baseline (default: 5%% of --requests, "
                             "at least 10,000)")
    parser.add_argument("--sample-every", type=int, default=None,
                        help="requests between RSS samples (default: --requests / 20)")
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--scale", type=float, default=10.0, help="ddbkit up --scale")
    args = parser.parse_args()

    def plan(requests: int) -> tuple[int, int]:
        warm_up = args.warm_up if args.warm_up is not None else max(10_000, requests // 20)
        return warm_up, args.sample_every or max(1, requests // 20)

    warm_up, every = plan(args.requests)
    rate = soak("ddbkit", args.requests, warm_up, every, args.connections, args.scale)
    print()
    print(f"ddbkit: RSS {rate:+8.2f} MB per 100,000 requests after warm-up")


if __name__ == "__main__":
    main()
