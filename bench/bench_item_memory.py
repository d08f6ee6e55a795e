"""Where an item's memory goes: tracemalloc over the in-process store, grouped by owner.

Loads --items bookings items (bench_servers.py's, about 400 bytes of DynamoDB JSON each, into
the spec's bookings table: 4 GSIs and a stream) through ddbkit's WSGI app, as BatchWriteItem
requests, then prints the bytes per item still held, grouped by the module that allocated
them (moto's item objects, ddbkit's indexes, stream records, ...). In-memory (no data dir):
the journal holds nothing in RAM either way. Numbers, not a pass/fail.

    .venv/bin/python bench/bench_item_memory.py [--items 20000] [--top 12]
"""

from __future__ import annotations

import argparse
import gc
import tracemalloc
from collections import Counter

from bench_in_process import InProcess
from bench_servers import BOOKINGS, STAGE, TABLE, booking

from ddbkit.emulator.tables.schema import create_table_request


def owner(filename: str) -> str:
    """The package and module an allocation belongs to, short."""
    for marker in ("/moto/", "/ddbkit/", "/emulator/", "/sortedcontainers/"):
        if marker in filename:
            return marker.strip("/") + "/" + filename.split(marker, 1)[1]
    return filename.rsplit("/", 2)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    server = InProcess()
    server.call("CreateTable", create_table_request(BOOKINGS, STAGE))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for start in range(0, args.items, 25):
        server.call("BatchWriteItem", {"RequestItems": {TABLE: [
            {"PutRequest": {"Item": booking(i)}}
            for i in range(start, min(start + 25, args.items))]}})
    gc.collect()
    after = tracemalloc.take_snapshot()
    by_owner: Counter[str] = Counter()
    for stat in after.compare_to(before, "filename"):
        by_owner[owner(stat.traceback[0].filename)] += stat.size_diff
    total = sum(by_owner.values())
    print(f"{args.items} items: {total / args.items:,.0f} bytes per item held "
          f"({total / 2**20:,.1f} MiB in all, tracemalloc)")
    for name, size in by_owner.most_common(args.top):
        print(f"  {size / args.items:8,.0f} B/item  {name}")


if __name__ == "__main__":
    main()
