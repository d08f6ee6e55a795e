"""Seeding benchmark: generation to files at scale, then a load into the emulator.

Generation: `--scale 6000` (about 1,000,000 items) written to files with 1 and with 2
worker processes, each run in a child process of its own so peaks do not mix. Prints wall
time, items/s, CPU seconds per item (all processes; on a shared machine, the figure that
does not depend on what else runs) and peak RSS: the main process's and the largest
worker's.
Load: `--load-scale` (default 600, about 100,000 items) generated in the workers and
loaded into `ddbkit up` running in its own process (BatchWriteItem, 4 threads per worker).

    .venv/bin/python bench/bench_seed.py [--scale 6000] [--workers 1 2] [--load-scale 600]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from ddbkit.emulator.process import EmulatorProcess
from ddbkit.fixtures.loader import ClientSpec
from ddbkit.fixtures.options import DatasetOptions
from ddbkit.fixtures.seed import seed_source
from ddbkit.fixtures.source import DatasetSource

ANCHOR = date(2025, 12, 4)


def _generate_child(scale: float, workers: int, out: Path) -> None:
    """Runs in a child: generates, then prints its own measurements as JSON."""
    from ddbkit.fixtures.seed import write_generated

    options = DatasetOptions(scale=scale, anchor=ANCHOR)
    started = time.perf_counter()
    write_generated(options, out, workers=workers)
    wall = time.perf_counter() - started
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    items = sum(options.resolved_counts()[k] for k in
                ("users", "providers", "services", "bookings", "reviews", "idempotency"))
    print(json.dumps({
        "items": items, "wall": wall,
        "cpu": me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime,
        "main_rss_mb": me.ru_maxrss / 1024, "worker_rss_mb": children.ru_maxrss / 1024,
        "bytes": sum(p.stat().st_size for p in out.iterdir())}))


def bench_generation(scale: float, workers: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-seed-") as tmp:
        child = subprocess.run(
            [sys.executable, __file__, "--child", "--scale", str(scale), "--workers",
             str(workers), "--out", tmp], capture_output=True, text=True, check=True)
    r = json.loads(child.stdout)
    print(f"generate --scale {scale:g} --workers {workers}: {r['items']} items in "
          f"{r['wall']:.1f} s = {r['items'] / r['wall']:,.0f} items/s; "
          f"CPU {r['cpu'] / r['items'] * 1e6:.0f} us/item; peak RSS main "
          f"{r['main_rss_mb']:.0f} MB, largest worker {r['worker_rss_mb']:.0f} MB; "
          f"files {r['bytes'] / 1e6:.0f} MB")


def bench_load(scale: float, workers: int) -> None:
    source = DatasetSource(DatasetOptions(scale=scale, anchor=ANCHOR))
    total = sum(n or 0 for n in source.counts().values())
    with EmulatorProcess("--no-seed", "--in-memory", "--stage", "bench") as emulator:
        started = time.perf_counter()
        report = seed_source(ClientSpec(emulator.endpoint_url, connections=8), source, "bench",
                             workers=workers, checkpoint=None, show_progress=False)
        wall = time.perf_counter() - started
    assert report.total == total, (report.total, total)
    print(f"load --scale {scale:g} --workers {workers} into the emulator: {total} items in "
          f"{wall:.1f} s = {total / wall:,.0f} items/s ({report.retries} retries)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=6000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--load-scale", type=float, default=600)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _generate_child(args.scale, args.workers[0], args.out)
        return
    for workers in args.workers:
        bench_generation(args.scale, workers)
    if args.load_scale:
        bench_load(args.load_scale, max(args.workers))


if __name__ == "__main__":
    main()
