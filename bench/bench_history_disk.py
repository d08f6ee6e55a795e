"""What writes cost on disk: the data dir's size over a write load, with and without a cap.

`ddbkit up` (its own process, `--no-seed`, the six tables with point-in-time recovery on for
35 days, as provisioned) takes `--writes` PutItem (70%) and UpdateItem ADD (30%) requests to
the bookings table (stream on, four GSIs) over `--keys` keys, from `--clients` client
processes; every `--every` writes the data dir's size is printed, split into snapshots, the
journal segments of the current state, and merged history. Once without a cap, once with
`--history-max-mb` (`--cap`). At the end: the bookings table's TableSizeBytes beside the
newest snapshot, and the snapshot's bytes by kind (items, indexes, stream records, other).

A million writes: run with `--writes 1000000`, or extrapolate: without a cap the journal and
merged history grow linearly in writes (what a write costs is printed), snapshots with the
table and with the stream records of the last 24 hours; with a cap the dir stays near it.

    .venv/bin/python bench/bench_history_disk.py [--writes 200000] [--keys 20000]
                                                 [--clients 3] [--every 20000] [--cap 64]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ddbkit.emulator.durability import encoding, index_sections, item_chunks
from ddbkit.emulator.durability.framing import read_frames
from ddbkit.emulator.process import EmulatorProcess
from ddbkit.emulator.spec import get_table

STAGE = "bench"
TABLE = get_table("bookings").name(STAGE)
AUTH = ("AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0")
MB = 1024 * 1024


def _call(conn: http.client.HTTPConnection, operation: str, body: dict[str, Any]) -> Any:
    conn.request("POST", "/", body=json.dumps(body), headers={
        "X-Amz-Target": f"DynamoDB_20120810.{operation}", "Authorization": AUTH,
        "Content-Type": "application/x-amz-json-1.0"})
    response = conn.getresponse()
    answer = response.read()
    if response.status != 200:
        raise RuntimeError(f"{operation} answered {response.status}: {answer[:200]!r}")
    return json.loads(answer)


def _writer(url: str, writes: int, keys: int, seed: int, done: Any) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
    rng = random.Random(seed)
    for number in range(writes):
        key = {"S": f"b{rng.randrange(keys):07d}"}
        if rng.random() < 0.7:
            _call(conn, "PutItem", {"TableName": TABLE, "Item": {
                "bookingId": key, "customerId": {"S": f"c{rng.randrange(500)}"},
                "providerId": {"S": f"p{rng.randrange(50)}"}, "status": {"S": "CONFIRMED"},
                "scheduledDate": {"S": f"2025-12-{rng.randrange(1, 29):02d}"},
                "createdAt": {"S": "2025-11-01T10:00:00Z"}, "totalPrice": {"N": "120.5"}}})
        else:
            _call(conn, "UpdateItem", {"TableName": TABLE, "Key": {"bookingId": key},
                                       "UpdateExpression": "ADD n :one",
                                       "ExpressionAttributeValues": {":one": {"N": "1"}}})
        if number % 100 == 99:
            with done.get_lock():
                done.value += 100


def sizes(data_dir: Path) -> dict[str, int]:
    found = {"snapshots": 0, "journal": 0, "history": 0}
    for path in data_dir.iterdir():
        kind = ("snapshots" if path.name.startswith("snapshot-") else
                "journal" if path.name.startswith("journal-") else
                "history" if path.name.startswith("history-") else None)
        if kind is not None and path.is_file():
            try:
                found[kind] += path.stat().st_size
            except FileNotFoundError:
                pass  # removed by a compaction meanwhile
    return found


def snapshot_kinds(path: Path) -> dict[str, int]:
    """A snapshot's bytes by what its records hold."""
    kinds = {"items": 0, "indexes": 0, "stream records": 0, "other": 0}
    with open(path, "rb") as stream:
        for payload in read_frames(stream, path.stat().st_size):
            if item_chunks.is_chunk(payload):
                kinds["items"] += len(payload)
            elif index_sections.is_section(payload):
                kinds["indexes"] += len(payload)
            elif b'"records"' in payload[:200] or b'"stream"' in payload[:200]:
                kinds["stream records"] += len(payload)
            else:
                record = encoding.loads(payload)
                kinds["stream records" if "records" in record else "other"] += len(payload)
    return kinds


def run(label: str, writes: int, keys: int, clients: int, every: int,
        extra: tuple[str, ...], work: Path) -> None:
    data_dir = Path(tempfile.mkdtemp(dir=work)) / "data"
    print(f"\n== {label}: {writes:,} writes to {keys:,} keys of {TABLE}", flush=True)
    print(f"{'writes':>9} {'seconds':>8} {'dir MB':>8} {'snapshots':>10} {'journal':>8} "
          f"{'history':>8}", flush=True)
    with EmulatorProcess("--data-dir", str(data_dir), "--no-seed", "--stage", STAGE,
                         "--ttl-interval", "0", *extra, env={"DDBKIT_IN_MEMORY": ""},
                         startup_timeout=300) as proc:
        done: Any = multiprocessing.Value("q", 0)
        workers = [multiprocessing.Process(target=_writer, args=(
            proc.endpoint_url, writes // clients, keys, n + 1, done)) for n in range(clients)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        mark = every
        while any(w.is_alive() for w in workers):
            time.sleep(0.5)
            if done.value >= mark:
                _row(done.value, started, data_dir)
                mark += every
        for worker in workers:
            worker.join()
        time.sleep(3)  # the compaction a last write may have made due
        _row(done.value, started, data_dir)
        final = sizes(data_dir)
        per_write = sum(final.values()) / max(done.value, 1)
        print(f"   {per_write:,.0f} bytes of data dir per write (so {per_write * 1e6 / MB:,.0f} "
              "MB for a million, extrapolated linearly)")
        parts = urlsplit(proc.endpoint_url)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
        table = _call(conn, "DescribeTable", {"TableName": TABLE})["Table"]
        snapshots = sorted(data_dir.glob("snapshot-*.snap"))
        if snapshots:
            newest = snapshots[-1]
            kinds = snapshot_kinds(newest)
            size = newest.stat().st_size
            ratio = kinds["items"] / max(table["TableSizeBytes"], 1)
            print(f"   {TABLE}: {table['ItemCount']:,} items, TableSizeBytes "
                  f"{table['TableSizeBytes'] / MB:,.1f} MB; newest snapshot {size / MB:,.1f} MB "
                  f"(all tables): " + ", ".join(f"{k} {v / MB:,.1f} MB" for k, v in kinds.items())
                  + f"; items/TableSizeBytes {ratio:.2f}")


def _row(count: int, started: float, data_dir: Path) -> None:
    found = sizes(data_dir)
    print(f"{count:>9,} {time.perf_counter() - started:>8.0f} {sum(found.values()) / MB:>8.1f} "
          f"{found['snapshots'] / MB:>10.1f} {found['journal'] / MB:>8.1f} "
          f"{found['history'] / MB:>8.1f}", flush=True)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=200_000)
    parser.add_argument("--keys", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--every", type=int, default=20_000)
    parser.add_argument("--cap", type=float, default=64.0, help="--history-max-mb, in MB")
    parser.add_argument("--journal-max-mb", type=float, default=16.0)
    options = parser.parse_args(argv)
    journal = ("--journal-max-mb", str(options.journal_max_mb))
    with tempfile.TemporaryDirectory(prefix="ddbkit-bench-history-") as work:
        run("no cap (35-day window)", options.writes, options.keys, options.clients,
            options.every, journal, Path(work))
        run(f"--history-max-mb {options.cap:g}", options.writes, options.keys,
            options.clients, options.every, (*journal, "--history-max-mb", str(options.cap)),
            Path(work))


if __name__ == "__main__":
    main(sys.argv[1:])
