"""Seeding benchmark: generate ~100,000 items and load them into the emulator.

Prints generation time, then items/s and seconds per table for the load (BatchWriteItem,
25-item chunks, 4 threads, one keep-alive connection per thread) into `ddbkit up`
running in its own process.

    .venv/bin/python bench/bench_seed.py [--items 100000] [--workers 4]
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from ddbkit.emulator.clients import make_client
from ddbkit.emulator.process import EmulatorProcess
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.seed import generate_items, seed_endpoint

ITEMS_AT_SCALE_1 = 167  # the default dataset's total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    options = DatasetOptions(scale=args.items / ITEMS_AT_SCALE_1, anchor=date(2025, 12, 4))
    started = time.perf_counter()
    items, _ = generate_items(options)
    total = sum(len(v) for v in items.values())
    generated = time.perf_counter() - started
    print(f"generated {total} items in {generated:.2f} s ({total / generated:.0f} items/s)")

    # The emulator in its own process (as `ddbkit up` runs), so loader and server each get a core.
    with EmulatorProcess("--no-seed", "--in-memory", "--stage", "bench") as emulator:
        client = make_client(endpoint_url=emulator.endpoint_url,
                             max_pool_connections=args.workers)
        report = seed_endpoint(client, items, "bench", workers=args.workers, show_progress=False)
    for key, written in report.written.items():
        seconds = report.seconds[key]
        print(f"  {key:<12} {written:>7} items  {seconds:7.2f} s  {written / seconds:8.0f} items/s")
    seconds = sum(report.seconds.values())
    print(f"loaded {report.total} items in {seconds:.2f} s: {report.total / seconds:.0f} items/s "
          f"({args.workers} workers, {report.retries} retries)")


if __name__ == "__main__":
    main()
