"""Writing soak: do RSS and the data dir level off once the data stops growing?

Starts `ddbkit up` (no seed, 127.0.0.1, port 0) keeping its data in a temporary data dir (or
`--in-memory`), then `--threads` client threads, each on its own keep-alive connection,
send a mix of requests to the bookings table (a stream, four GSIs) and the users table (no
stream, two GSIs) for `--minutes`: PutItem (a new item or an overwrite: keys drawn from
`--keys` per table, so the tables stop growing once they hold most of them), UpdateItem,
DeleteItem, GetItem and a GSI Query, about `--rate` requests a second in all (0: as fast as
they go). Every `--interval` seconds it prints the requests per second, p50 and p99 latency,
the server's RSS (VmRSS), the data dir's size on disk, the two tables' item counts and the
machine's 1-minute load average (a shared machine's throughput follows it); at
the end, with a data dir, it restarts the server on it and prints the time to ready and the
RSS after. Numbers, not a pass/fail; a shared machine makes them noisy.

A benchmark of its own rather than a mode of bench_soak.py: that one counts requests that
change nothing against a seeded server's RSS; this one runs for a time, writes, and watches
the disk too.

    .venv/bin/python bench/bench_soak_writes.py [--minutes 10] [--rate 1000] [--keys 20000]
                                                [--in-memory | --data-dir DIR]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench_soak import DYNAMODB, Connection, rss_mb

from ddbkit.emulator.process import EmulatorProcess
from ddbkit.emulator.spec import get_table

STAGE = "soak"
BOOKINGS, USERS = get_table("bookings").name(STAGE), get_table("users").name(STAGE)
# Of every 100 requests (the probe in issue 23 used a mix like it).
MIX = (("put", 30), ("update", 20), ("delete", 5), ("get", 30), ("query", 15))
PAD = "x" * 250  # items of about 400 bytes


def booking(rng: random.Random, key: int) -> dict[str, Any]:
    return {"bookingId": {"S": f"b{key:06d}"}, "customerId": {"S": f"c{rng.randrange(2000)}"},
            "providerId": {"S": f"p{rng.randrange(200)}"},
            "status": {"S": rng.choice(["PENDING", "CONFIRMED", "CANCELLED"])},
            "scheduledDate": {"S": f"2026-01-{rng.randrange(1, 29):02d}"},
            "createdAt": {"S": f"2025-12-{rng.randrange(1, 29):02d}T10:00:00Z"},
            "totalPrice": {"N": str(rng.randrange(20, 500))}, "notes": {"S": PAD}}


def user(rng: random.Random, key: int) -> dict[str, Any]:
    return {"userId": {"S": f"u{key:06d}"}, "email": {"S": f"u{key}@example.com"},
            "userType": {"S": rng.choice(["CUSTOMER", "PROVIDER"])},
            "createdAt": {"S": f"2025-{rng.randrange(1, 13):02d}-01T00:00:00Z"},
            "name": {"S": f"User {key}"}, "bio": {"S": PAD}}


def request(rng: random.Random, keys: int) -> tuple[str, dict[str, Any]]:
    """One request of the mix, on either table."""
    kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
    key = rng.randrange(keys)
    if rng.random() < 0.5:
        table, attr, name = BOOKINGS, "bookingId", f"b{key:06d}"
        item: Any = booking
        query = ("customerBookings-index", "customerId", f"c{rng.randrange(2000)}")
    else:
        table, attr, name = USERS, "userId", f"u{key:06d}"
        item = user
        query = ("userType-index", "userType", rng.choice(["CUSTOMER", "PROVIDER"]))
    if kind == "put":
        return "PutItem", {"TableName": table, "Item": item(rng, key)}
    if kind == "update":
        return "UpdateItem", {"TableName": table, "Key": {attr: {"S": name}},
                              "UpdateExpression": "SET updatedAt = :t ADD visits :one",
                              "ExpressionAttributeValues": {":t": {"S": str(time.time())},
                                                            ":one": {"N": "1"}}}
    if kind == "delete":
        return "DeleteItem", {"TableName": table, "Key": {attr: {"S": name}}}
    if kind == "get":
        return "GetItem", {"TableName": table, "Key": {attr: {"S": name}}}
    index, partition, value = query
    return "Query", {"TableName": table, "IndexName": index, "Limit": 20,
                     "KeyConditionExpression": "#p = :v",
                     "ExpressionAttributeNames": {"#p": partition},
                     "ExpressionAttributeValues": {":v": {"S": value}}}


@dataclass
class Window:
    """One interval's latencies (seconds) and failed requests, shared by the threads."""

    latencies: list[float] = field(default_factory=list)
    failed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> tuple[list[float], int]:
        with self.lock:
            taken, failed = self.latencies, self.failed
            self.latencies, self.failed = [], 0
        return taken, failed


def client(port: int, seed: int, keys: int, rate: float, stop: threading.Event,
           window: Window) -> None:
    """One thread: requests at `rate` a second (0: back to back) until `stop`."""
    conn, rng = Connection(port), random.Random(seed)
    step = 1 / rate if rate > 0 else 0.0
    due = time.perf_counter()
    while not stop.is_set():
        operation, body = request(rng, keys)
        started = time.perf_counter()
        try:
            status, data = conn.call(DYNAMODB, operation, json.dumps(body).encode())
        except (OSError, http.client.HTTPException) as exc:  # counted, then a new connection
            status, data = 0, repr(exc).encode()
            conn = Connection(port)
        took = time.perf_counter() - started
        with window.lock:
            window.latencies.append(took)
            if status != 200:
                window.failed += 1
                if window.failed <= 3:
                    print(f"  {operation} answered {status}: {data[:200]!r}", flush=True)
        if step:
            due += step
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            else:
                due = time.perf_counter()  # behind: go as fast as it goes, no burst after


def disk_mb(data_dir: Path | None) -> float | None:
    if data_dir is None:
        return None
    return sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file()) / 1e6


def item_counts(conn: Connection) -> tuple[int, int]:
    return tuple(int(conn.json(DYNAMODB, "DescribeTable", {"TableName": name})["Table"]
                     ["ItemCount"]) for name in (BOOKINGS, USERS))  # type: ignore[return-value]


def _ms(values: list[float], q: float) -> float:
    if len(values) < 2:
        return 1000 * (values[0] if values else 0.0)
    return 1000 * statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def soak(args: argparse.Namespace, data_dir: Path | None) -> None:
    mode = ("--in-memory",) if data_dir is None else ("--data-dir", str(data_dir))
    proc = EmulatorProcess("--no-seed", "--stage", STAGE, "--ttl-interval", "0", *mode,
                           startup_timeout=300, env={"DDBKIT_IN_MEMORY": ""}).start()
    try:
        pid = proc.pid
        assert pid is not None
        port = int(urlsplit(proc.endpoint_url).port or 0)
        print(f"ddbkit up {' '.join(mode)}: pid {pid}, {args.threads} threads, {args.keys} "
              f"keys per table, target {args.rate:.0f} req/s; RSS {rss_mb(pid):.0f} MB at ready",
              flush=True)
        print(f"  {'minute':>6}  {'req/s':>6}  {'p50 ms':>7}  {'p99 ms':>7}  {'failed':>6}  "
              f"{'RSS MB':>7}  {'disk MB':>8}  {'bookings':>8}  {'users':>6}  {'load':>5}",
              flush=True)
        stop, window = threading.Event(), Window()
        threads = [threading.Thread(target=client, daemon=True,
                                    args=(port, n + 1, args.keys, args.rate / args.threads,
                                          stop, window)) for n in range(args.threads)]
        for thread in threads:
            thread.start()
        started = last = time.perf_counter()
        try:
            while last - started < args.minutes * 60 - 1e-6:
                time.sleep(max(0.0, min(args.interval, started + args.minutes * 60 - last)))
                now = time.perf_counter()
                latencies, failed = window.take()
                disk = disk_mb(data_dir)
                bookings, users = item_counts(Connection(port))  # idle ones get closed
                print(f"  {(now - started) / 60:6.1f}  {len(latencies) / (now - last):6.0f}  "
                      f"{_ms(latencies, 50):7.1f}  {_ms(latencies, 99):7.1f}  {failed:6d}  "
                      f"{rss_mb(pid):7.0f}  {'-' if disk is None else f'{disk:8.0f}':>8}  "
                      f"{bookings:8d}  {users:6d}  {os.getloadavg()[0]:5.2f}", flush=True)
                last = now
        finally:
            stop.set()
            for thread in threads:
                thread.join(60)
    finally:
        proc.stop(timeout=120)
    if data_dir is not None:
        began = time.perf_counter()
        again = EmulatorProcess("--no-seed", "--stage", STAGE, "--ttl-interval", "0", *mode,
                                startup_timeout=600, env={"DDBKIT_IN_MEMORY": ""}).start()
        try:
            ready = time.perf_counter() - began
            assert again.pid is not None
            print(f"  restart on the data dir: ready in {ready:.1f} s, RSS "
                  f"{rss_mb(again.pid):.0f} MB, disk {disk_mb(data_dir):.0f} MB", flush=True)
        finally:
            again.stop(timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=60.0,
                        help="seconds between printed lines (default: a minute)")
    parser.add_argument("--rate", type=float, default=1000.0,
                        help="requests per second in all (0: as fast as they go)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--keys", type=int, default=20_000, help="distinct keys per table")
    parser.add_argument("--in-memory", action="store_true", help="no data dir")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="keep the data here (a new dir) instead of a temporary one")
    args = parser.parse_args()
    # SIGTERM unwinds like Ctrl-C: the server is stopped and the scratch dir removed
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if args.in_memory:
        soak(args, None)
        return
    if args.data_dir is not None:
        soak(args, args.data_dir)
        return
    with tempfile.TemporaryDirectory(prefix="ddbkit-soak-") as tmp:
        soak(args, Path(tmp) / "data")


if __name__ == "__main__":
    main()
