"""Scan pages of a large table: how long each page takes, and a GetItem reader's worst wait.

Prepares a data dir with `--items` bookings items (as `bench_admin_pauses.py` does: a table
without a sort key), starts `ddbkit up` on it (127.0.0.1, port 0), then Scans `--pages` pages
of `--limit` items, following LastEvaluatedKey, with `bench_admin_pauses.py`'s GetItem reader
running beside it. Prints each of the first pages' time, the median of the rest, a PutItem
of a new key (the next page sorts the keys again), and the reader's worst wait. Numbers, not
a pass/fail.

    .venv/bin/python bench/bench_scan_pages.py [--items 1000000] [--pages 20] [--limit 100]
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import time
from typing import Any

from bench_admin_pauses import BOOKINGS, STAGE, TABLE, Reader, bench_client, prepared, settle

from ddbkit.emulator.process import EmulatorProcess


def timed_pages(client: Any, pages: int, limit: int) -> list[float]:
    """Seconds per page of a Scan, `pages` of them, each from where the last one ended."""
    request: dict[str, Any] = {"TableName": TABLE, "Limit": limit}
    took = []
    for _ in range(pages):
        begun = time.perf_counter()
        page = client.scan(**request)
        took.append(time.perf_counter() - begun)
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with tempfile.TemporaryDirectory(prefix="ddbkit-scan-") as work:
        data_dir, items, keys = prepared(work, args.items)
        new_item = {**items[0], BOOKINGS.primary.partition: {"S": "bench-scan-new-key"}}
        del items
        with EmulatorProcess("--data-dir", str(data_dir), "--no-seed", "--stage", STAGE,
                             "--ttl-interval", "0", startup_timeout=600,
                             env={"DDBKIT_IN_MEMORY": ""}) as proc:
            client = bench_client(proc.endpoint_url)
            client.get_item(TableName=TABLE, Key={BOOKINGS.primary.partition: {"S": keys[0]}})
            settle(data_dir)
            reader = Reader(proc.endpoint_url, keys)
            reader.start()
            begun = time.perf_counter()
            took = timed_pages(client, args.pages, args.limit)
            client.put_item(TableName=TABLE, Item=new_item)
            after_put = timed_pages(client, 2, args.limit)
            ended = time.perf_counter()
            reader.stop.set()
            reader.join()
            waits = sorted(r[1] for r in reader.during(begun, ended))
            ms = [round(t * 1000, 1) for t in took]
            print(f"{args.items} items, Scan Limit={args.limit}: first pages {ms[:3]} ms, "
                  f"median of the rest {statistics.median(ms[3:] or ms):.1f} ms; after a new "
                  f"key: {[round(t * 1000, 1) for t in after_put]} ms; reader worst "
                  f"{waits[-1] * 1000:.1f} ms over {len(waits)} reads", flush=True)


if __name__ == "__main__":
    sys.exit(main())
