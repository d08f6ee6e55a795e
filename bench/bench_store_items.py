"""ddbkit's own item store (emulator/store/items.py) alone: load, reads, writes, a backup.

Loads --items bookings items (bench_servers.py's, about 400 bytes of DynamoDB JSON each) with
their four GSI entries, in transactions of 25 (a BatchWriteItem), into a store file under a
temporary folder, then times GetItem (read + decode), PutItem overwrites that move two GSI
entries, and a GSI page of 20 (decoded); then a backup by another thread while the main
thread writes, with the longest write during it. No HTTP, no validation, no moto: the
store's own share of a request. Numbers, not a pass/fail.

    .venv/bin/python bench/bench_store_items.py [--items 100000]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench_servers import BOOKINGS, booking

from ddbkit.emulator.store.items import Bounds, Entry, ItemStore
from ddbkit.emulator.store.key_bytes import encode

TABLE = 1
GSIS = [(n, g.key.partition, g.key.sort) for n, g in enumerate(BOOKINGS.gsis, start=10)]


def entries(item: dict[str, Any]) -> tuple[Entry, ...]:
    return tuple(Entry(index, encode(item[hash_name]), encode(item[sort]) if sort else b"")
                 for index, hash_name, sort in GSIS
                 if hash_name in item and (sort is None or sort in item))


def row(item: dict[str, Any]) -> tuple[bytes, bytes, int]:
    body = json.dumps(item, separators=(",", ":")).encode()
    return encode(item["bookingId"]), body, len(body)


def micros(samples: list[float]) -> str:
    ordered = sorted(samples)
    return (f"p50 {statistics.median(ordered) * 1e6:6.1f} us, "
            f"p99 {ordered[int(len(ordered) * 0.99)] * 1e6:7.1f} us")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--durable", action=argparse.BooleanOptionalAction, default=True,
                        help="synchronous=NORMAL (default) or OFF")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ddbkit-store-") as tmp:
        store = ItemStore(Path(tmp) / "items.db", durable=args.durable)
        before = rss_mb()
        started = time.perf_counter()
        for first in range(0, args.items, 25):
            with store.transaction():
                for i in range(first, min(first + 25, args.items)):
                    item = booking(i)
                    pk, body, size = row(item)
                    store.put(TABLE, pk, b"", body, size, (), entries(item))
        loaded = time.perf_counter() - started
        disk = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
        print(f"{args.items} items loaded in {loaded:.1f} s ({args.items / loaded:,.0f} items/s);"
              f" peak RSS {rss_mb():.0f} MB ({rss_mb() - before:+.0f} MB); db + WAL {disk:.0f} MB")
        gets, puts, pages = [], [], []
        for n in range(args.samples):
            i = (n * 7919) % args.items
            started = time.perf_counter()
            json.loads(store.get(TABLE, encode({"S": f"b{i:06d}"})) or b"{}")
            gets.append(time.perf_counter() - started)
            old, new = booking(i), {**booking(i), "status": {"S": "CANCELLED"}}
            started = time.perf_counter()
            pk, body, size = row(new)
            store.put(TABLE, pk, b"", body, size, entries(old), entries(new))
            puts.append(time.perf_counter() - started)
            started = time.perf_counter()
            found = store.index_range(GSIS[n % len(GSIS)][0], encode(old[GSIS[n % 4][1]]),
                                      Bounds(), limit=20)
            [json.loads(r[3]) for r in found]
            pages.append(time.perf_counter() - started)
        print(f"GetItem   {micros(gets)}\nPutItem   {micros(puts)}\nGSI page  {micros(pages)}"
              " (20 items, decoded)")
        done = threading.Event()
        longest = [0.0]

        def writes() -> None:
            n = 0
            while not done.is_set():
                item = {**booking(n % args.items), "status": {"S": "PENDING"}}
                started = time.perf_counter()
                pk, body, size = row(item)
                store.put(TABLE, pk, b"", body, size)
                longest[0] = max(longest[0], time.perf_counter() - started)
                n += 1

        writer = threading.Thread(target=writes)
        writer.start()
        started = time.perf_counter()
        store.backup(Path(tmp) / "backup.db")
        took = time.perf_counter() - started
        done.set()
        writer.join()
        print(f"backup {took:.2f} s while writes went on; longest write meanwhile "
              f"{longest[0] * 1e3:.1f} ms")
        store.close()


if __name__ == "__main__":
    main()
