"""Store shapes for issue 25, measured in isolation: (a) in-memory compact items, (b) SQLite WAL.

Both hold the spec's bookings table (primary key and GSIs read from `emulator/spec.py`) with
items from ddbkit's own generator (`fixtures/generate.py`, scaled so providers, customers and
statuses keep their seeded ratios), and do what a store must do, nothing of HTTP or moto:

- mem:CODEC  primary key -> encoded item bytes in a dict; per GSI a SortedList of
             (gsi hash, gsi range, primary key), key strings shared and interned; a snapshot
             copies the key list under the lock, then writes items chunk by chunk while writers
             record the old value of any key they change in an overlay (copy-on-write), then
             each GSI's entries in order, so a restart neither decodes nor sorts.
- sqlite:CODEC  stdlib sqlite3, WAL, synchronous=NORMAL, one writer and one reader connection
             (the page cache split between them), SQLite's automatic checkpoints (in COMMIT);
             `sqlite-thread`: PASSIVE checkpoints by a thread instead; `sqlite-bounded`: those
             plus a TRUNCATE when the WAL passes 64 MB, none during a backup. A WITHOUT ROWID
             table of primary key, one column per GSI key attribute and the encoded item; one
             partial index per GSI; a snapshot is the online backup API from a third
             connection in another thread.

The stores and codecs are in `_store_shapes.py`; this file measures them.

CODECs: `json` (DynamoDB JSON bytes), `marshal` (a flat tuple of name, type code, value),
`packed` (the same with attribute names as ids into a per-table name table).

Per shape, in a fresh subprocess each (one at a time): RSS per item (VmRSS before/after loading
N items streamed from a file), the bulk load rate, p50/p99 of GetItem (read + decode), PutItem
(encode, old image read, GSI upkeep; an overwrite that moves status and scheduledDate) and a
GSI Query of up to 20 items (decoded), the longest GetItem/PutItem while a snapshot of every
item is written by another thread, and, in another fresh subprocess, the restart: from the
snapshot file (mem) or the db file (sqlite) to the first GSI query answered. Both shapes would
also append each write to the journal; that common cost is printed once.
Numbers, no assertions; a shared 2-core machine makes them noisy: compare ratios.

    .venv/bin/python bench/bench_store_shapes.py [--items 100000] [--ops 20000]
        [--shapes mem:json,mem:marshal,mem:packed,sqlite:packed,sqlite-bounded:packed,...]
        [--workdir DIR] [--cache-mb 64] [--timeout 1800]

At 100k items the six default shapes take ~3-4 minutes here; `--items 1000000 --shapes
mem:packed,sqlite:packed,sqlite-bounded:packed` ~12 minutes (the items file is made once per
--workdir and reused).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from _store_shapes import Item, MemStore, SqliteStore, make_codec

from ddbkit.emulator.spec import get_table

TABLE = get_table("bookings")
SEED_ANCHOR = date(2025, 12, 4)  # fixed, so every run holds the same items
DEFAULT_SHAPES = ("mem:json,mem:marshal,mem:packed,sqlite:packed,sqlite-bounded:packed,"
                  "sqlite-bounded:json")


# -- measuring -------------------------------------------------------------------------------


def rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)[1]) / 1024  # type: ignore[index]


def quantiles(ns: list[int]) -> dict[str, float]:
    ns = sorted(ns)
    return {"p50": ns[len(ns) // 2] / 1000, "p99": ns[len(ns) * 99 // 100] / 1000,
            "max": ns[-1] / 1000}


class GcPauses:
    """The longest cyclic-GC pause since `reset()` (a stall a request can meet)."""

    def __init__(self) -> None:
        self.longest, self._t0 = 0.0, 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.longest = max(self.longest, time.perf_counter() - self._t0)

    def reset(self) -> None:
        self.longest = 0.0


def timed(fn: Callable[[Any], object], args: list[Any]) -> list[int]:
    out = []
    for arg in args:
        t0 = time.perf_counter_ns()
        fn(arg)
        out.append(time.perf_counter_ns() - t0)
    return out


def stream_items(path: Path) -> Iterator[Item]:
    with path.open("rb") as f:
        for line in f:
            yield json.loads(line)


def sample(path: Path, n_items: int, k: int) -> list[Item]:
    stride = max(1, n_items // k)
    with path.open("rb") as f:
        return [json.loads(line) for i, line in enumerate(f) if i % stride == 0][:k]


Store = MemStore | SqliteStore


def build(args: argparse.Namespace) -> Store:
    if args.shape == "mem":
        return MemStore(TABLE, make_codec(args.codec))
    db = Path(args.workdir) / f"{args.shape}-{args.codec}.db"
    checkpoints = args.shape.partition("-")[2] or "auto"
    return SqliteStore(TABLE, make_codec(args.codec), db, args.cache_mb, checkpoints)


def load(store: Store, items_file: Path) -> None:
    if isinstance(store, SqliteStore):
        batch: list[Item] = []
        for item in stream_items(items_file):
            batch.append(item)
            if len(batch) == 25:  # BatchWriteItem's size: one transaction each
                store.put_batch(batch)
                batch = []
        if batch:
            store.put_batch(batch)
    else:
        for item in stream_items(items_file):
            store.put(item)


def rewritten(items: list[Item], rng: random.Random) -> list[Item]:
    """Overwrites that move two GSIs: a new status and a rescheduled date."""
    statuses = sorted({i["status"]["S"] for i in items})
    out = []
    for item in items:
        new = dict(item)
        new["status"] = {"S": rng.choice(statuses)}
        new["scheduledDate"] = {"S": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                                     f"T{rng.randint(8, 17):02d}:00:00Z"}
        out.append(new)
    return out


def run_main(args: argparse.Namespace, items_file: Path) -> dict[str, Any]:
    workdir, rng = Path(args.workdir), random.Random(7)
    gc.collect()
    before = rss_mb()
    store = build(args)
    t0 = time.perf_counter()
    load(store, items_file)
    load_s = time.perf_counter() - t0
    gc.collect()
    gc.freeze()  # what a server would do after a load or restore: full GCs skip the store
    result: dict[str, Any] = {"rss_before_mb": before, "rss_after_mb": rss_mb(),
                              "load_items_s": args.items / load_s}
    result["rss_per_item"] = (result["rss_after_mb"] - before) * 2**20 / args.items
    if isinstance(store, MemStore):
        result["sizes"] = store.sizes()
    else:
        files = (store.path, store.path.with_name(store.path.name + "-wal"))
        result["disk_per_item"] = sum(f.stat().st_size for f in files if f.exists()) / args.items
    picked = sample(items_file, args.items, args.ops)
    keys = [i[TABLE.primary.partition]["S"] for i in picked]
    status_gsi = next(n for n, g in enumerate(TABLE.gsis) if g.key.partition == "status")
    queries = [(i["status"]["S"], i["createdAt"]["S"]) for i in picked[:args.queries]]
    rng.shuffle(keys)
    writes = rewritten(picked, rng)
    gc.collect()
    result["get"] = quantiles(timed(store.get, keys))
    result["put"] = quantiles(timed(store.put, writes))
    returned: list[int] = []
    result["query"] = quantiles(timed(
        lambda q: returned.append(len(store.query(status_gsi, q[0], q[1], 20))), queries))
    result["query"]["items"] = statistics.mean(returned)
    pauses = GcPauses()
    result["during_snapshot"] = during_snapshot(store, workdir, keys, writes, pauses)
    if isinstance(store, SqliteStore):
        store.close()
    return result


def during_snapshot(store: Store, workdir: Path, keys: list[str],
                    writes: list[Item], pauses: GcPauses) -> dict[str, float]:
    """The longest GetItem and PutItem while another thread writes a snapshot of every item."""
    path = workdir / f"snapshot-{type(store).__name__}.bin"
    held: list[float] = []
    worker = threading.Thread(target=lambda: held.append(store.snapshot(path)))
    gets: list[int] = []
    puts: list[int] = []
    t0 = time.perf_counter()
    pauses.reset()
    worker.start()
    for n in itertools.count():
        if not worker.is_alive():
            break
        gets += timed(store.get, [keys[n % len(keys)]])
        puts += timed(store.put, [writes[n % len(writes)]])
    worker.join()
    return {"snapshot_s": time.perf_counter() - t0, "ops": len(puts),
            "get_max_ms": max(gets, default=0) / 1e6, "put_max_ms": max(puts, default=0) / 1e6,
            "put_p99_ms": quantiles(puts)["p99"] / 1000 if puts else 0,
            "lock_held_ms": held[0] * 1000 if held else 0, "gc_max_ms": pauses.longest * 1000,
            "snapshot_mb": path.stat().st_size / 2**20}


def run_reload(args: argparse.Namespace) -> dict[str, Any]:
    """A restart: from the persistent form to the first GSI query answered."""
    workdir = Path(args.workdir)
    status_gsi = next(n for n, g in enumerate(TABLE.gsis) if g.key.partition == "status")
    before = rss_mb()
    t0 = time.perf_counter()
    store: Store
    if args.shape == "mem":
        store = MemStore.restore(TABLE, make_codec(args.codec), workdir / "snapshot-MemStore.bin")
    else:
        store = build(args)
    first = store.query(status_gsi, "CONFIRMED", "", 20)
    seconds = time.perf_counter() - t0
    gc.collect()
    return {"reload_s": seconds, "first_query_items": len(first),
            "rss_after_reload_mb": rss_mb(), "rss_reload_per_item":
            (rss_mb() - before) * 2**20 / args.items}


# -- the parent: data, children, table -------------------------------------------------------


def items_file(workdir: Path, n: int) -> Path:
    """N bookings from ddbkit's generator, one DynamoDB-JSON item a line (made once)."""
    from ddbkit.fixtures.generate import Generator
    from ddbkit.fixtures.options import DatasetOptions

    path = workdir / f"bookings-{n}.jsonl"
    if path.exists():
        return path
    gen = Generator(DatasetOptions(scale=n / TABLE.deployed_item_count, anchor=SEED_ANCHOR,
                                   counts=((TABLE.key, n),)))
    partial = path.with_suffix(".partial")
    with partial.open("w") as out:
        for start in range(0, n, 10_000):
            out.writelines(json.dumps(i, separators=(",", ":")) + "\n"
                           for i in gen.items(TABLE.key, start, start + 10_000))
            print(f"  generated {min(n, start + 10_000):,} of {n:,}", file=sys.stderr)
    partial.rename(path)
    return path


def journal_append_us(workdir: Path, record: bytes, n: int = 20_000) -> dict[str, float]:
    """What both shapes also pay per write: one write(2) of the record to the journal."""
    fd = os.open(workdir / "journal.bin", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND,
                 0o600)
    try:
        return quantiles(timed(lambda _: os.write(fd, record), [None] * n))
    finally:
        os.close(fd)


def child(args: argparse.Namespace, phase: str, shape: str) -> dict[str, Any]:
    kind, codec = shape.split(":")
    cmd = [sys.executable, __file__, "--child", phase, "--shape", kind, "--codec", codec,
           "--items", str(args.items), "--ops", str(args.ops), "--queries", str(args.queries),
           "--cache-mb", str(args.cache_mb), "--workdir", str(args.workdir)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    if done.returncode:
        raise SystemExit(f"{shape} {phase} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def report(results: dict[str, dict[str, Any]], journal: dict[str, float], n: int) -> None:
    rows = [
        ("RSS per item after load (B)", lambda r: f"{r['rss_per_item']:.0f}"),
        ("RSS after load (MB, process)", lambda r: f"{r['rss_after_mb']:.0f}"),
        ("bulk load (items/s)", lambda r: f"{r['load_items_s']:,.0f}"),
        ("GetItem p50 / p99 (us)", lambda r: f"{r['get']['p50']:.1f} / {r['get']['p99']:.1f}"),
        ("PutItem p50 / p99 (us)", lambda r: f"{r['put']['p50']:.1f} / {r['put']['p99']:.1f}"),
        ("Query 20 p50 / p99 (us)",
         lambda r: f"{r['query']['p50']:.0f} / {r['query']['p99']:.0f}"),
        ("  items per query (mean)", lambda r: f"{r['query']['items']:.1f}"),
        ("snapshot/backup (s)", lambda r: f"{r['during_snapshot']['snapshot_s']:.2f}"),
        ("  snapshot file (MB)", lambda r: f"{r['during_snapshot']['snapshot_mb']:.0f}"),
        ("  writes during it", lambda r: f"{r['during_snapshot']['ops']:,}"),
        ("  longest PutItem (ms)", lambda r: f"{r['during_snapshot']['put_max_ms']:.1f}"),
        ("  PutItem p99 (ms)", lambda r: f"{r['during_snapshot']['put_p99_ms']:.2f}"),
        ("  longest GetItem (ms)", lambda r: f"{r['during_snapshot']['get_max_ms']:.1f}"),
        ("  our lock held, max (ms)", lambda r: f"{r['during_snapshot']['lock_held_ms']:.1f}"),
        ("  longest GC pause (ms)", lambda r: f"{r['during_snapshot']['gc_max_ms']:.1f}"),
        ("restart to 1st query (s)", lambda r: f"{r['reload']['reload_s']:.2f}"),
        ("  RSS per item after restart (B)",
         lambda r: f"{r['reload']['rss_reload_per_item']:.0f}"),
        ("disk per item, db file (B)",
         lambda r: f"{r['disk_per_item']:.0f}" if "disk_per_item" in r else "-"),
    ]
    names = list(results)
    width = max(len(r[0]) for r in rows)
    print(f"\n{n:,} bookings items; {TABLE.key}: {len(TABLE.gsis)} GSIs; python "
          f"{sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}")
    cols = [max(15, len(s)) for s in names]
    print(f"{'':{width}} | " + " | ".join(f"{s:>{c}}" for s, c in zip(names, cols, strict=True)))
    for label, cell in rows:
        print(f"{label:{width}} | " + " | ".join(f"{cell(results[s]):>{c}}"
                                                  for s, c in zip(names, cols, strict=True)))
    print(f"common to both: journal append p50 {journal['p50']:.1f} us, p99 "
          f"{journal['p99']:.1f} us")
    for shape, r in results.items():
        if "sizes" in r:
            parts = ", ".join(f"{k} {v:.0f}" for k, v in r["sizes"].items())
            print(f"{shape} bytes per item by structure (getsizeof): {parts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--ops", type=int, default=20_000, help="GetItems and PutItems timed")
    parser.add_argument("--queries", type=int, default=5_000)
    parser.add_argument("--shapes", default=DEFAULT_SHAPES,
                        help="KIND:CODEC,...; KIND mem, sqlite, sqlite-thread, sqlite-bounded; "
                             "CODEC json, marshal, packed")
    parser.add_argument("--cache-mb", type=int, default=64, help="SQLite page cache, in all")
    parser.add_argument("--workdir", help="kept (and its items file reused) when given")
    parser.add_argument("--timeout", type=float, default=1800, help="per child process (s)")
    parser.add_argument("--child", choices=("main", "reload"), help=argparse.SUPPRESS)
    parser.add_argument("--shape", help=argparse.SUPPRESS)
    parser.add_argument("--codec", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        path = Path(args.workdir) / f"bookings-{args.items}.jsonl"
        out = run_main(args, path) if args.child == "main" else run_reload(args)
        print(json.dumps(out))
        return
    temp = None if args.workdir else tempfile.TemporaryDirectory(prefix="store-shapes-")
    args.workdir = args.workdir or temp.name  # type: ignore[union-attr]
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    data = items_file(workdir, args.items)
    for stale in [*workdir.glob("sqlite-*"), *workdir.glob("snapshot-*")]:
        stale.unlink()
    with data.open("rb") as f:
        journal = journal_append_us(workdir, f.readline())
    results: dict[str, dict[str, Any]] = {}
    for shape in args.shapes.split(","):
        print(f"  {shape}: load, ops, snapshot ...", file=sys.stderr)
        results[shape] = child(args, "main", shape)
        print(f"  {shape}: restart ...", file=sys.stderr)
        results[shape]["reload"] = child(args, "reload", shape)
        for stale in workdir.glob("snapshot-*"):
            stale.unlink()  # the next mem codec writes its own
    report(results, journal, args.items)
    if temp is not None:
        temp.cleanup()


if __name__ == "__main__":
    main()
