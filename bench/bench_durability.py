"""Durability benchmark: what the journal costs writes, and how long a restart takes.

1. Write throughput of `ddbkit up` (its own process) under a write load from several client
   processes on keep-alive loopback connections (70% PutItem, 30% UpdateItem ADD on the
   bookings table: stream, four GSIs), with `--in-memory`, `--fsync every-second` and
   `--fsync always`; each mode runs `--rounds` times, interleaved, and the median counts.
   Goal: every-second >= 80% of in-memory.
2. Time from starting `ddbkit up` to its ready line with N items in the data dir, for each
   `--items` (default 100,000 and 1,000,000): first with the items in the journal only (as
   after a load), then after the background compaction wrote a snapshot. Goals: under 3 s at
   100k, under 30 s at 1M. For reference, the same start with `--in-memory --no-seed`
   (Python, moto and the server: the fixed cost). After each restart, the times of the first
   PutItem, GetItem and GSI Query on the bookings table, and of a Query on a second GSI
   (goal: the first requests as fast as any other; a restart builds every table's query
   indexes before its ready line).

The items are the seeded generator's (~10k real items) replicated under new keys, appended
to the data dir's journal in the journal's own record format, which is what a load through
the endpoint would have written (faster to set up than loading 1M items over HTTP).
Machines shared with other work give noisy numbers: compare ratios, run twice.

    .venv/bin/python bench/bench_durability.py [--seconds 8] [--rounds 2] [--clients 3]
                                               [--items 100000,1000000] [--skip-writes]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ddbkit.emulator.capacity.sizes import item_size
from ddbkit.emulator.durability import encoding
from ddbkit.emulator.durability.framing import frame
from ddbkit.emulator.process import EmulatorProcess
from ddbkit.emulator.spec import TABLES, get_table

STAGE = "bench"
TABLE = get_table("bookings").name(STAGE)
AUTH = ("AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0")
MODES = {"in-memory": ("--in-memory",), "every-second": ("--fsync", "every-second"),
         "always": ("--fsync", "always")}
BATCH = 1000  # items per journal record when preparing a data dir


def _request(operation: str, body: dict[str, Any]) -> tuple[str, dict[str, str]]:
    return json.dumps(body), {"X-Amz-Target": f"DynamoDB_20120810.{operation}",
                              "Authorization": AUTH, "Content-Type": "application/x-amz-json-1.0"}


def _writer(url: str, seconds: float, seed: int, counts: Any) -> None:
    """One client process: writes until the deadline, counts acknowledged writes."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
    rng = random.Random(seed)
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        key = {"S": f"b{rng.randrange(20000):06d}"}
        if rng.random() < 0.7:
            body, headers = _request("PutItem", {"TableName": TABLE, "Item": {
                "bookingId": key, "customerId": {"S": f"c{rng.randrange(500)}"},
                "providerId": {"S": f"p{rng.randrange(50)}"}, "status": {"S": "CONFIRMED"},
                "scheduledDate": {"S": f"2025-12-{rng.randrange(1, 29):02d}"},
                "createdAt": {"S": "2025-11-01T10:00:00Z"}, "totalPrice": {"N": "120.5"}}})
        else:
            body, headers = _request("UpdateItem", {
                "TableName": TABLE, "Key": {"bookingId": key}, "UpdateExpression": "ADD n :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}}})
        conn.request("POST", "/", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"write answered {response.status}")
        done += 1
    counts.put(done)


def throughput(mode: str, seconds: float, clients: int, work: Path) -> float:
    data_dir = Path(tempfile.mkdtemp(dir=work))
    args = MODES[mode] if mode == "in-memory" else ("--data-dir", str(data_dir), *MODES[mode])
    with EmulatorProcess("--no-seed", "--stage", STAGE, "--ttl-interval", "0", *args,
                         env={"DDBKIT_IN_MEMORY": ""}) as proc:
        _writer(proc.endpoint_url, 1.0, 0, multiprocessing.Queue())  # warm up
        counts: Any = multiprocessing.Queue()
        workers = [multiprocessing.Process(target=_writer,
                                           args=(proc.endpoint_url, seconds, n + 1, counts))
                   for n in range(clients)]
        for worker in workers:
            worker.start()
        total = sum(counts.get(timeout=seconds + 60) for _ in workers)
        for worker in workers:
            worker.join()
    return total / seconds


def _replicated_items(count: int) -> list[tuple[str, dict[str, Any]]]:
    """`count` (table key, item) pairs: the seeded dataset, copied under new keys."""
    from ddbkit.fixtures.options import DatasetOptions
    from ddbkit.fixtures.seed import generate_items

    base, _ = generate_items(DatasetOptions(scale=60, anchor=date(2025, 12, 4)))
    keys = {spec.key: spec.primary.partition for spec in TABLES}
    pool = [(table, item) for table, items in base.items() for item in items]
    found: list[tuple[str, dict[str, Any]]] = []
    copy = 0
    while len(found) < count:
        for table, item in pool[:count - len(found)]:
            attr = keys[table]
            found.append((table, {**item, attr: {"S": f"{item[attr]['S']}#{copy}"}}))
        copy += 1
    return found


def prepare(data_dir: Path, count: int) -> None:
    """A data dir holding `count` items in its journal, as a load would have left it."""
    with EmulatorProcess("--data-dir", str(data_dir), "--no-seed", "--stage", STAGE,
                         "--ttl-interval", "0", env={"DDBKIT_IN_MEMORY": ""}):
        pass  # provisions the tables and marks the dir as initialized
    items = _replicated_items(count)
    journal = max(data_dir.glob("journal-*.log"))
    with open(journal, "ab") as out:
        for n, start in enumerate(range(0, len(items), BATCH)):
            # as the recorder journals a put: the after-image and the item's size
            ops = [["P", get_table(table).name(STAGE), item, item_size(item)]
                   for table, item in items[start:start + BATCH]]
            out.write(frame(encoding.dumps({"n": 1_000_000 + n, "t": time.time(),
                                            "ops": ops})))


def _timed(conn: http.client.HTTPConnection, operation: str, body: dict[str, Any]) -> float:
    """Seconds one request takes on `conn` (answered 200, else RuntimeError)."""
    text, headers = _request(operation, body)
    started = time.perf_counter()
    conn.request("POST", "/", text, headers)
    answer = conn.getresponse()
    answer.read()
    seconds = time.perf_counter() - started
    if answer.status != 200:
        raise RuntimeError(f"the first {operation} answered {answer.status}")
    return seconds


def first_requests(url: str) -> str:
    """The times of the first PutItem, GetItem and GSI Query on the bookings table after
    ready (each would pay for anything a restart left to be built lazily), then of a
    second GSI Query on another index (as fast as any other request), in milliseconds."""
    gsis = get_table("bookings").gsis
    item = {"bookingId": {"S": "first-after-restart"}, "customerId": {"S": "c1"},
            "providerId": {"S": "p1"}, "status": {"S": "CONFIRMED"},
            "scheduledDate": {"S": "2025-12-01"}, "createdAt": {"S": "2025-11-01T10:00:00Z"}}

    def query(gsi: Any) -> dict[str, Any]:
        return {"TableName": TABLE, "IndexName": gsi.name, "Limit": 10,
                "KeyConditionExpression": "#p = :p",
                "ExpressionAttributeNames": {"#p": gsi.key.partition},
                "ExpressionAttributeValues": {":p": {"S": "none"}}}

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=600)
    try:
        put = _timed(conn, "PutItem", {"TableName": TABLE, "Item": item})
        get = _timed(conn, "GetItem", {"TableName": TABLE,
                                       "Key": {"bookingId": item["bookingId"]}})
        first = _timed(conn, "Query", query(gsis[0]))
        second = _timed(conn, "Query", query(gsis[1]))
    finally:
        conn.close()
    return (f"first PutItem {put * 1000:.0f} ms, GetItem {get * 1000:.0f} ms, "
            f"GSI Query {first * 1000:.0f} ms, another GSI's {second * 1000:.0f} ms")


def time_to_ready(*args: str) -> tuple[float, str]:
    """Seconds from launch to the ready line, and what the line says (with the CPU seconds
    the process used in its whole life: on a busy machine wall time is mostly waiting; and,
    with a data dir, the first requests' times)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = EmulatorProcess("--stage", STAGE, "--ttl-interval", "0", *args, startup_timeout=600,
                           env={"DDBKIT_IN_MEMORY": ""}).start()
    seconds = time.perf_counter() - started
    query = "" if "--in-memory" in args else \
        f"; after ready: {first_requests(proc.endpoint_url)}"
    proc.stop(timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = proc.ready_line.split("(", 1)[1].split(")", 1)[0]
    return seconds, f"{summary}; {cpu:.2f} s of CPU, start to stop{query}"


def restart_times(count: int, work: Path) -> None:
    data_dir = work / f"data-{count}"
    started = time.perf_counter()
    prepare(data_dir, count)
    print(f"  prepared {count} items in {time.perf_counter() - started:.1f} s "
          f"({_size(data_dir)})", flush=True)
    seconds, summary = time_to_ready("--data-dir", str(data_dir), "--no-seed")
    print(f"  start to ready, journal only:     {seconds:6.2f} s  ({summary})", flush=True)
    # Let the background compaction (journal over its limit) write the snapshot.
    proc = EmulatorProcess("--data-dir", str(data_dir), "--no-seed", "--stage", STAGE,
                           "--journal-max-mb", "1", "--ttl-interval", "0", startup_timeout=600,
                           env={"DDBKIT_IN_MEMORY": ""}).start()
    deadline = time.monotonic() + 900
    while not _snapshot_is_current(data_dir):
        if time.monotonic() > deadline:
            raise RuntimeError("no snapshot within 15 minutes")
        time.sleep(0.5)
    proc.stop(timeout=120)
    seconds, summary = time_to_ready("--data-dir", str(data_dir), "--no-seed")
    print(f"  start to ready, from a snapshot:  {seconds:6.2f} s  ({summary}; "
          f"{_size(data_dir)})", flush=True)


def _generations(data_dir: Path, pattern: str) -> list[int]:
    return [int(p.name.split("-")[1].split(".")[0]) for p in data_dir.glob(pattern)]


def _snapshot_is_current(data_dir: Path) -> bool:
    """A snapshot continued by the newest journal segment (older segments stay: history)."""
    snapshots = _generations(data_dir, "snapshot-*.snap")
    return bool(snapshots) and max(snapshots) == max(_generations(data_dir, "journal-*.log"))


def _size(data_dir: Path) -> str:
    files = sorted(data_dir.iterdir())
    return ", ".join(f"{p.name} {p.stat().st_size / 1e6:.0f} MB" for p in files)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--items", default="100000,1000000")
    parser.add_argument("--skip-writes", action="store_true")
    parser.add_argument("--skip-restarts", action="store_true")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}; shared machines are "
          "noisy: compare ratios", flush=True)
    with tempfile.TemporaryDirectory(prefix="ddbkit-bench-") as tmp:
        work = Path(tmp)
        if not args.skip_writes:
            print(f"write throughput ({args.clients} client processes, {args.seconds:.0f} s "
                  f"per run, {args.rounds} rounds, median):", flush=True)
            runs: dict[str, list[float]] = {mode: [] for mode in MODES}
            for _ in range(args.rounds):
                for mode in MODES:
                    runs[mode].append(throughput(mode, args.seconds, args.clients, work))
            base = statistics.median(runs["in-memory"])
            for mode, values in runs.items():
                rate = statistics.median(values)
                print(f"  {mode:<13} {rate:8.0f} writes/s  {rate / base:6.1%} of in-memory  "
                      f"(runs: {', '.join(f'{v:.0f}' for v in values)})", flush=True)
        if not args.skip_restarts:
            seconds, _ = time_to_ready("--in-memory", "--no-seed")
            print(f"start to ready, --in-memory --no-seed: {seconds:.2f} s (fixed cost)",
                  flush=True)
            for count in (int(c) for c in args.items.split(",") if c):
                print(f"{count} items in the data dir:", flush=True)
                restart_times(count, work)


if __name__ == "__main__":
    main()
